"""``aischoco viewers …``: every subcommand, its errors, and that it works beside the running app (no
single-instance lock, no Qt, a live writer on the same file)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from aischoco_gui.__main__ import main
from aischoco_gui.events import EventBus
from aischoco_gui.single_instance import InstanceGuard
from aischoco_gui.viewers.memory import ViewerMemory
from aischoco_gui.viewers.store import VIEWERS_FILE, Fact, ViewerStore, open_store
from tests.viewers.helpers import delta, file_bytes

ROOT = Path(__file__).resolve().parents[2]
T = 1_760_000_000


def db(home: Path) -> Path:
    return home / "history" / VIEWERS_FILE


def seed(home: Path) -> None:
    st = open_store(db(home)).store
    with st.transaction():
        st.apply_deltas([delta("chzzk:abc123", "딸기우유", T, T, messages=12, donation_total=15000, donation_count=3),
                         delta("chzzk:def456", "초코", T + 50, T, messages=40),
                         delta("rehearsal:연습생", "연습생", T + 99, T)])
        st.apply_deltas([delta("chzzk:abc123", "딸기라떼", T + 200, T)])
        st.add_fact("chzzk:abc123", Fact("키우는 고양이 이름은 나비", T, "우리 나비 귀엽죠"))
        st.set_note("chzzk:abc123", "첫 방송부터 본 분")
        st.set_pinned("chzzk:def456", True)
    st.close()


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["viewers", "--lang", "ko", *args])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_list_sorts_searches_and_says_when_there_is_nothing(home, capsys):
    rc, out, _ = run(capsys, "list")
    assert rc == 0 and "기억하는 시청자가 없어요" in out
    seed(home)
    rc, out, _ = run(capsys, "list")
    lines = out.splitlines()
    assert rc == 0 and lines[0].startswith("ID\t닉네임")
    assert [ln.split("\t")[0] for ln in lines[1:]] == ["chzzk:def456", "chzzk:abc123", "rehearsal:연습생"]
    assert "₩15,000" in out and "📌" in lines[1]
    rc, out, _ = run(capsys, "list", "--sort", "donations", "--json")
    rows = [json.loads(x) for x in out.splitlines()]
    assert [r["id"] for r in rows][:2] == ["chzzk:def456", "chzzk:abc123"] and rows[1]["donation_total"] == 15000
    rc, out, _ = run(capsys, "list", "--search", "딸기", "--json")
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["chzzk:abc123"]
    rc, out, _ = run(capsys, "list", "--limit", "1")
    assert len(out.splitlines()) == 3 and "처음 1명만" in out


def test_show_by_id_or_bare_channel_id_and_unknown_ids(home, capsys):
    seed(home)
    rc, out, _ = run(capsys, "show", "chzzk:abc123")
    assert rc == 0
    assert "닉네임: 딸기라떼, 딸기우유" in out and "메모: 첫 방송부터 본 분" in out and "₩15,000 (3회)" in out
    assert "키우는 고양이 이름은 나비" in out and "우리 나비 귀엽죠" in out
    rc, out, _ = run(capsys, "show", "abc123", "--json")
    card = json.loads(out)
    assert rc == 0 and card["id"] == "chzzk:abc123" and card["facts"][0]["source"] == "우리 나비 귀엽죠"
    rc, out, err = run(capsys, "show", "nobody")
    assert rc == 1 and out == "" and "그런 시청자가 없어요: nobody" in err
    rc, _, err = main(["viewers", "--lang", "en", "show", "nobody"]), *capsys.readouterr()
    assert rc == 1 and "No such viewer: nobody" in err


def test_note_sets_and_clears(home, capsys):
    seed(home)
    rc, out, _ = run(capsys, "note", "abc123", "노래 신청을 자주 해요")
    assert rc == 0 and "메모를 저장했어요: 딸기라떼 (chzzk:abc123)" in out
    st = ViewerStore.open_existing(db(home))
    assert st.get("chzzk:abc123").note == "노래 신청을 자주 해요"
    rc, out, _ = run(capsys, "note", "chzzk:abc123", "")
    assert rc == 0 and "메모를 지웠어요" in out and st.get("chzzk:abc123").note == ""
    st.close()
    rc, _, err = run(capsys, "note", "chzzk:zzz", "x")
    assert rc == 1 and "chzzk:zzz" in err


def test_forget_erases_the_bytes(home, capsys):
    seed(home)
    rc, out, _ = run(capsys, "forget", "abc123")
    assert rc == 0 and "잊었어요: 딸기라떼 (chzzk:abc123)" in out
    data = file_bytes(db(home))
    for trace in ("abc123", "딸기우유", "딸기라떼", "나비", "첫 방송부터"):
        assert trace.encode() not in data, trace
    rc, _, err = run(capsys, "forget", "abc123")
    assert rc == 1 and "그런 시청자가 없어요" in err


def test_export_then_import_elsewhere_gives_the_same_cards(home, tmp_path, capsys, monkeypatch):
    seed(home)
    out_file = tmp_path / "viewers.json"
    rc, out, _ = run(capsys, "export", str(out_file))
    assert rc == 0 and "3명을 내보냈어요" in out
    doc = json.loads(out_file.read_text(encoding="utf-8"))
    assert doc["format"] == "aischoco-viewers" and len(doc["viewers"]) == 3
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("AISCHOCO_HOME", str(other))
    rc, out, _ = run(capsys, "import", str(out_file))
    assert rc == 0 and "새로 3명, 바꿈 0명" in out
    a, b = ViewerStore.open_existing(db(home)), ViewerStore.open_existing(db(other))
    for key in a.keys():
        ca, cb = a.get(key), b.get(key)
        assert (ca.nicknames, ca.messages, ca.donation_total, ca.note, ca.pinned, ca.facts) == \
               (cb.nicknames, cb.messages, cb.donation_total, cb.note, cb.pinned, cb.facts)
    a.close()
    b.close()
    rc, out, _ = run(capsys, "import", str(out_file))
    assert rc == 0 and "새로 0명, 바꿈 3명" in out


@pytest.mark.parametrize(("content", "expect"), [
    ("{not json", "not JSON"),
    ('{"format": "something-else", "viewers": []}', "not an aischoco viewers export"),
    ('{"format": "aischoco-viewers", "version": 9, "viewers": []}', "version 9"),
    ('{"format": "aischoco-viewers", "version": 1, "viewers": [{"id": "no-colon", "first_seen": 1, '
     '"last_seen": 2}]}', "viewers[0].id"),
    ('{"format": "aischoco-viewers", "version": 1, "viewers": [{"id": "chzzk:a", "first_seen": 1, "last_seen": 2},'
     ' {"id": "chzzk:b", "first_seen": 1, "last_seen": 2, "facts": [{"text": 5, "at": 1}]}]}',
     "viewers[1].facts[0].text"),
    ('{"format": "aischoco-viewers", "version": 1, "viewers": [{"id": "chzzk:a", "first_seen": 1, "last_seen": 2},'
     ' {"id": "chzzk:a", "first_seen": 1, "last_seen": 2}]}', "appears twice"),
    ('{"format": "aischoco-viewers", "version": 1, "viewers": [{"id": "chzzk:a", "first_seen": "yesterday", '
     '"last_seen": 2}]}', "viewers[0].first_seen"),
])
def test_a_malformed_import_says_where_and_writes_nothing(home, tmp_path, capsys, content, expect):
    seed(home)
    before = ViewerStore.open_existing(db(home)).keys()
    f = tmp_path / "bad.json"
    f.write_text(content, encoding="utf-8")
    rc, out, err = run(capsys, "import", str(f))
    assert rc == 1 and out == "" and expect in err and "가져올 파일이 올바르지 않아요" in err
    assert ViewerStore.open_existing(db(home)).keys() == before


def test_missing_files_are_clear_errors(home, tmp_path, capsys):
    rc, _, err = run(capsys, "import", str(tmp_path / "nope.json"))
    assert rc == 1 and "nope.json" in err
    rc, _, err = run(capsys, "export", str(tmp_path / "out.json"))
    assert rc == 1 and "아직 없어요" in err
    with pytest.raises(SystemExit) as e:
        main(["viewers", "frobnicate"])
    assert e.value.code == 2


def test_it_works_while_the_app_runs(home):
    """The app holds its single-instance lock and a live writer on the file; the command line (a real
    subprocess on the same entry point) lists, notes and forgets anyway, and never imports Qt."""
    guard = InstanceGuard(home)
    assert guard.acquire()
    seed(home)

    async def scenario() -> None:
        vm = ViewerMemory(db(home), EventBus())
        await vm.start()
        assert await vm.wait_ready()
        try:
            def cli(*args: str) -> subprocess.CompletedProcess:
                code = ("import sys; from aischoco_gui.__main__ import main; rc = main(sys.argv[1:]); "
                        "print('qt loaded' if any(m.startswith('PySide6') for m in sys.modules) else 'no qt'); "
                        "sys.exit(rc)")
                return subprocess.run([sys.executable, "-c", code, "viewers", "--lang", "en", *args], cwd=ROOT,
                                      capture_output=True, text=True, timeout=60, env=_env(home))

            from tests.viewers.helpers import chat
            for i in range(30):
                vm.observe(chat("방송 중", sender="abc123", nick="딸기라떼"))
                vm.observe(chat("방송 중", sender=f"live{i}", nick=f"라이브{i}"))
            r = await asyncio.to_thread(cli, "note", "abc123", "while live")
            assert r.returncode == 0, r.stderr
            assert "no qt" in r.stdout
            assert vm.card("chzzk:abc123").note == "while live"  # the app reads it at once
            r = await asyncio.to_thread(cli, "list", "--json")
            assert r.returncode == 0 and "chzzk:abc123" in r.stdout
            r = await asyncio.to_thread(cli, "forget", "def456")
            assert r.returncode == 0, r.stderr
            assert vm.card("chzzk:def456") is None
        finally:
            await vm.stop()

    try:
        asyncio.run(scenario())
    finally:
        guard.release()
    st = ViewerStore.open_existing(db(home))
    assert st.get("chzzk:abc123").messages == 12 + 1 + 30 and st.get("chzzk:live29") is not None  # nothing lost
    st.close()


def _env(home: Path) -> dict[str, str]:
    import os

    return {**{k: v for k, v in os.environ.items() if not k.startswith("QT_")}, "AISCHOCO_HOME": str(home),
            "PYTHONPATH": str(ROOT)}
