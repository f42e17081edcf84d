"""The viewer cards' SQLite file: counting across shows, facts, notes, search, forget for real, set aside."""

from __future__ import annotations

import sqlite3

import pytest

from aischoco_gui.viewers.keys import viewer_key
from aischoco_gui.viewers.store import (
    MAX_FACTS,
    MAX_NICKNAMES,
    PAGE_SIZE,
    SCHEMA_VERSION,
    Fact,
    NewerSchema,
    UnknownViewer,
    ViewerError,
    ViewerStore,
    check_marker,
    connect,
    decode_facts,
    encode_facts,
    mark_for_check,
    migrate,
    needs_check,
    open_store,
)
from tests.viewers.helpers import chat, delta, donation, file_bytes, fresh_store, subscription

SHOW1, SHOW2 = 1_760_000_000, 1_760_900_000


def test_keys_are_the_platform_id_never_the_nickname_alone():
    assert viewer_key(chat("안녕", sender="abc123", nick="딸기우유")) == "chzzk:abc123"
    assert viewer_key(donation("후원", 1000, donator="abc123")) == "chzzk:abc123"
    assert viewer_key(subscription(3, subscriber="abc123")) == "chzzk:abc123"
    m = chat("안녕", sender="abc123")
    m.source = "chzzk-unofficial"  # the same id space as the official API
    assert viewer_key(m) == "chzzk:abc123"
    m.source, m.user_id = "rehearsal", "연습생"
    m.nickname = "연습생"
    assert viewer_key(m) == "rehearsal:연습생"
    m.source, m.user_id = "chzzk", ""
    assert viewer_key(m) is None  # no stable id: nothing is stored
    m.user_id, m.role = "abc123", "streamer"
    assert viewer_key(m) is None  # the streamer's own chat


def test_counts_add_up_within_a_show_and_a_new_show_moves_last_seen_back(tmp_path):
    st = fresh_store(tmp_path / "v.sqlite3")
    with st.transaction():
        st.apply_deltas([delta("chzzk:a", "딸기우유", SHOW1, SHOW1)])
        st.apply_deltas([delta("chzzk:a", "딸기우유", SHOW1 + 60, SHOW1, donation_total=5000, donation_count=1)])
    c = st.get("chzzk:a")
    assert (c.shows, c.messages, c.donation_total, c.donation_count) == (1, 2, 5000, 1)
    assert (c.first_seen, c.last_seen, c.prev_seen) == (SHOW1, SHOW1 + 60, None)
    with st.transaction():
        st.apply_deltas([delta("chzzk:a", "딸기라떼", SHOW2, SHOW2, sub_tier=2, sub_tier_name="골드", sub_months=6)])
        st.apply_deltas([delta("chzzk:a", "딸기라떼", SHOW2 + 5, SHOW2)])
    c = st.get("chzzk:a")
    assert (c.shows, c.messages, c.prev_seen, c.last_seen) == (2, 4, SHOW1 + 60, SHOW2 + 5)
    assert (c.sub_tier, c.sub_tier_name, c.sub_months) == (2, "골드", 6)
    assert c.nicknames == ["딸기라떼", "딸기우유"] and c.nickname == "딸기라떼"  # latest first


def test_a_nickname_used_again_comes_first_again(tmp_path):
    st = fresh_store(tmp_path / "v.sqlite3")
    for i, nick in enumerate(("가나", "다라", "다라", "가나")):  # one flush each, as the writer does
        with st.transaction():
            st.apply_deltas([delta("chzzk:a", nick, SHOW1 + i, SHOW1)])
    assert st.get("chzzk:a").nicknames == ["가나", "다라"] and st.get("chzzk:a").nickname == "가나"
    with st.transaction():
        st.forget("chzzk:a")
        st.apply_deltas([delta("chzzk:a", "가나", SHOW1 + 9, SHOW1)])  # back after being forgotten
    assert st.get("chzzk:a").nicknames == ["가나"]


def test_nicknames_are_capped_latest_kept(tmp_path):
    st = fresh_store(tmp_path / "v.sqlite3")
    with st.transaction():
        for i in range(MAX_NICKNAMES + 5):
            st.apply_deltas([delta("chzzk:a", f"닉{i}", SHOW1 + i, SHOW1)])
    names = st.get("chzzk:a").nicknames
    assert len(names) == MAX_NICKNAMES and names[0] == f"닉{MAX_NICKNAMES + 4}" and "닉0" not in names


def test_facts_note_pin_and_their_errors(tmp_path):
    st = fresh_store(tmp_path / "v.sqlite3")
    with st.transaction():
        st.apply_deltas([delta("chzzk:a", "딸기우유", SHOW1, SHOW1)])
        st.add_fact("chzzk:a", Fact("키우는 고양이 이름은 나비", SHOW1, "우리 나비가 오늘 아팠어요 ㅠㅠ 병원 다녀왔음"))
        st.add_fact("chzzk:a", Fact("키우는 고양이 이름은 나비", SHOW1, "중복"))  # not twice
        st.add_fact("chzzk:a", Fact("다음 주 시험", SHOW1 + 1, "다음 주 시험이라 공부해요"))
        st.set_note("chzzk:a", "  첫 방송부터 본 분 ")
        st.set_pinned("chzzk:a", True)
    c = st.get("chzzk:a")
    assert [f.text for f in c.facts] == ["키우는 고양이 이름은 나비", "다음 주 시험"]
    assert c.facts[0].source.startswith("우리 나비가") and len(c.facts[0].source) <= 30  # an excerpt
    assert c.note == "첫 방송부터 본 분" and c.pinned
    with st.transaction():
        st.edit_fact("chzzk:a", 1, "다음 주 기말고사", expect="다음 주 시험")
        st.delete_fact("chzzk:a", 0, expect="키우는 고양이 이름은 나비")
    assert [f.text for f in st.get("chzzk:a").facts] == ["다음 주 기말고사"]
    with pytest.raises(ViewerError):  # someone changed it meanwhile
        st.edit_fact("chzzk:a", 0, "x", expect="다음 주 시험")
    with pytest.raises(ViewerError):
        st.add_fact("chzzk:a", Fact("   ", SHOW1))
    for call in (lambda: st.set_note("chzzk:nobody", "x"), lambda: st.set_pinned("chzzk:nobody", True),
                 lambda: st.forget("chzzk:nobody"), lambda: st.add_fact("chzzk:nobody", Fact("x", 1))):
        with pytest.raises(UnknownViewer):
            call()


def test_at_most_twenty_facts_the_oldest_go(tmp_path):
    st = fresh_store(tmp_path / "v.sqlite3")
    with st.transaction():
        st.apply_deltas([delta("chzzk:a", "a", SHOW1, SHOW1)])
        for i in range(MAX_FACTS + 3):
            st.add_fact("chzzk:a", Fact(f"사실 {i}", SHOW1 + i))
    texts = [f.text for f in st.get("chzzk:a").facts]
    assert len(texts) == MAX_FACTS and texts[0] == "사실 3" and texts[-1] == f"사실 {MAX_FACTS + 2}"
    assert decode_facts(encode_facts([Fact("가", 1_760_000_040, "나")])) == [Fact("가", 1_760_000_040, "나")]
    assert decode_facts(encode_facts([Fact("가", 1_760_000_059, "")]))[0].at == 1_760_000_040  # to the minute


def test_search_by_any_nickname_or_id_sorted_pinned_first(tmp_path):
    st = fresh_store(tmp_path / "v.sqlite3")
    with st.transaction():
        st.apply_deltas([delta("chzzk:a", "딸기우유", SHOW1, SHOW1, messages=5),
                         delta("chzzk:b", "초코라떼", SHOW1 + 10, SHOW1, messages=50),
                         delta("chzzk:c", "바닐라", SHOW1 + 20, SHOW1, messages=1, donation_total=50000,
                               donation_count=1),
                         delta("rehearsal:연습", "연습", SHOW1 + 30, SHOW1)])
        st.apply_deltas([delta("chzzk:a", "우유왕", SHOW1 + 40, SHOW1)])
        st.set_pinned("chzzk:b", True)
    assert [r.key for r in st.search("", "last_seen")] == ["chzzk:b", "chzzk:a", "rehearsal:연습", "chzzk:c"]
    assert [r.key for r in st.search("", "messages")][:2] == ["chzzk:b", "chzzk:a"]
    assert [r.key for r in st.search("", "donations")][:2] == ["chzzk:b", "chzzk:c"]
    assert [r.key for r in st.search("딸기")] == ["chzzk:a"]  # an old nickname still finds them
    assert [r.key for r in st.search("우유")] == ["chzzk:a"]
    assert [r.key for r in st.search("chzzk:c")] == ["chzzk:c"] and [r.key for r in st.search("c")] == ["chzzk:c"]
    assert st.search("없는사람") == []
    assert st.resolve("b") == "chzzk:b" and st.resolve("연습") == "rehearsal:연습"
    with pytest.raises(UnknownViewer):
        st.resolve("zzz")


def test_forget_leaves_no_trace_in_the_file_bytes_after_the_checkpoint(tmp_path):
    path = tmp_path / "v.sqlite3"
    st = fresh_store(path)
    secret_id, nick = "fe3a9c0d77b14e21", "비밀닉네임쿠키"
    with st.transaction():  # neighbours on the same pages, before and after
        st.apply_deltas([delta(f"chzzk:other{i:04d}", f"이웃{i}", SHOW1 + i, SHOW1) for i in range(300)])
        st.apply_deltas([delta(f"chzzk:{secret_id}", nick, SHOW1, SHOW1, donation_total=7777, donation_count=1)])
        st.apply_deltas([delta(f"chzzk:{secret_id}", "옛날닉네임호두", SHOW1 + 1, SHOW1)])
        st.add_fact(f"chzzk:{secret_id}", Fact("강아지 이름은 콩이", SHOW1, "우리 콩이 귀엽죠"))
        st.set_note(f"chzzk:{secret_id}", "메모내용고구마")
        st.apply_deltas([delta(f"chzzk:late{i:04d}", f"나중{i}", SHOW1 + i, SHOW1) for i in range(300)])
    st.checkpoint()
    traces = [secret_id.encode(), nick.encode(), "옛날닉네임호두".encode(), "메모내용고구마".encode()]
    assert all(t in file_bytes(path) for t in traces)  # the check can fail: they are there before
    with st.transaction():
        st.forget(f"chzzk:{secret_id}")
    assert secret_id.encode() in file_bytes(path)  # deleted, but the WAL still holds the old pages
    assert st.checkpoint()
    data = file_bytes(path)
    assert not [t for t in traces if t in data]
    assert st.get(f"chzzk:{secret_id}") is None and st.get("chzzk:other0001") is not None
    assert st.conn.execute("SELECT count(*) FROM nicknames WHERE nickname = ?", (nick,)).fetchone()[0] == 0
    assert st.conn.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_every_connection_sets_its_rules_explicitly(tmp_path):
    fresh_store(tmp_path / "v.sqlite3").close()
    for ro in (False, True):
        conn = connect(tmp_path / "v.sqlite3", read_only=ro)
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()


def test_a_corrupt_file_is_set_aside_never_overwritten(tmp_path):
    path = tmp_path / "viewers.sqlite3"
    junk = b"this is not a database, but someone's data" * 100
    path.write_bytes(junk)
    opened = open_store(path)
    assert opened.reason == "corrupt" and opened.set_aside is not None
    assert opened.set_aside.read_bytes() == junk  # moved, untouched
    assert opened.set_aside.name.startswith("viewers.sqlite3.corrupt-")
    assert opened.store.count() == 0  # a fresh file in its place
    opened.store.close()


def damage(path) -> bytes:
    """A closed file with an interior page scribbled over (what a bad disk or a half copy leaves)."""
    st = fresh_store(path)
    with st.transaction():
        st.apply_deltas([delta(f"chzzk:{i}", f"닉{i}", SHOW1, SHOW1) for i in range(4000)])
    st.checkpoint()
    st.close()
    raw = bytearray(path.read_bytes())
    assert len(raw) > 8 * PAGE_SIZE
    raw[5 * PAGE_SIZE: 5 * PAGE_SIZE + 300] = b"\xff" * 300  # scribble over an interior page
    path.write_bytes(bytes(raw))
    return bytes(raw)


def test_a_damaged_page_is_found_by_the_check_and_set_aside(tmp_path):
    path = tmp_path / "viewers.sqlite3"
    raw = damage(path)
    opened = open_store(path, check=True)
    assert opened.reason == "corrupt" and opened.set_aside.read_bytes() == raw
    opened.store.close()


def test_the_check_runs_after_a_crash_or_a_damaged_read_not_at_every_start(tmp_path):
    path = tmp_path / "viewers.sqlite3"
    damage(path)
    assert not needs_check(path)  # closed cleanly: a start does not read 100 MB
    opened = open_store(path)
    assert opened.set_aside is None
    opened.store.close()
    mark_for_check(path)  # what the app writes when a read or a write met the damage
    assert needs_check(path)
    opened = open_store(path)
    assert opened.reason == "corrupt" and not check_marker(path).exists()
    opened.store.close()
    # a crash leaves the WAL behind: the next start checks
    other = tmp_path / "crashed" / "viewers.sqlite3"
    other.parent.mkdir()
    conn = connect(other)
    migrate(conn)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO viewers (key, first_seen, last_seen) VALUES ('chzzk:a', 1, 1)")
    conn.execute("COMMIT")
    assert needs_check(other)  # still open (as a killed process leaves it): the WAL holds the commit
    conn.close()
    assert not needs_check(other)  # a clean close folds the WAL in and removes it


def test_a_newer_schema_or_a_foreign_file_is_set_aside(tmp_path):
    path = tmp_path / "viewers.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    opened = open_store(path)
    assert opened.reason == "newer" and opened.set_aside.exists() and opened.store.count() == 0
    opened.store.close()
    other = tmp_path / "other" / "viewers.sqlite3"
    other.parent.mkdir()
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.commit()
    conn.close()
    opened = open_store(other)
    assert opened.reason == "foreign" and opened.set_aside.exists()
    opened.store.close()


def test_migrations_run_in_order_and_a_newer_file_is_refused(tmp_path):
    path = tmp_path / "v.sqlite3"
    fresh_store(path).close()
    v2 = ((1, "CREATE TABLE x (a INTEGER)"), (2, "ALTER TABLE viewers ADD COLUMN colour TEXT NOT NULL DEFAULT ''"))
    conn = connect(path)
    assert migrate(conn, v2) == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert "colour" in [r[1] for r in conn.execute("PRAGMA table_info(viewers)")]
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'x'").fetchone()[0] == 0  # v1 not rerun
    with pytest.raises(NewerSchema):
        migrate(conn)  # this app knows only version 1
    bad = ((1, ""), (2, "CREATE TABLE y (a); THIS IS NOT SQL"))
    fresh = tmp_path / "w.sqlite3"
    fresh_store(fresh).close()
    conn2 = connect(fresh)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn2, bad)
    assert conn2.execute("PRAGMA user_version").fetchone()[0] == 1  # a failed step changes nothing
    assert conn2.execute("SELECT count(*) FROM sqlite_master WHERE name = 'y'").fetchone()[0] == 0
    conn.close()
    conn2.close()


def test_the_command_line_never_sets_a_file_aside(tmp_path):
    path = tmp_path / "viewers.sqlite3"
    with pytest.raises(ViewerError, match="viewers.sqlite3"):
        ViewerStore.open_existing(path)
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(ViewerError):
        ViewerStore.open_existing(path)
    assert path.read_bytes() == b"garbage" * 1000
