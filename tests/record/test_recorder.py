"""The show recorder: every bus event (any kind) one line, in order, with both clocks; secrets never in the
bytes; a killed process loses nothing that was emitted; parts by size; retention; on/off live; a write
error stops recording with one notice while the pipeline goes on."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from aischoco_gui.compose import apply_settings, build_services, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.models import ChatMessage, Draft, Reply
from aischoco_gui.paths import user_dirs
from aischoco_gui.record.format import END_KIND, load_recording, part_paths
from aischoco_gui.record.recorder import RecorderConfig, ShowRecorder
from aischoco_gui.settings import Settings
from aischoco_gui.tts.silent import SilentSpeaker
from aischoco_gui.vts.noavatar import NoAvatar

ROOT = Path(__file__).resolve().parents[2]


def _recorder(tmp_path: Path, bus: EventBus, **kw) -> ShowRecorder:
    cfg = RecorderConfig(enabled=True, folder=tmp_path / "shows", **kw)
    return ShowRecorder(bus, cfg, secrets=lambda: ["gsk_live_0123456789abcdef", 'quote"and\\slash-secret'],
                        snapshot=lambda: {"persona": "초코", "memory": {"summary": "요약", "turns": []}})


async def test_every_event_kind_is_recorded_in_order_with_both_clocks(tmp_path):
    bus = EventBus()
    rec = _recorder(tmp_path, bus)
    await rec.start()
    msg = ChatMessage("딸기", "안녕\u2028하세요\n😊 <b>", user_id="u-1", donation_amount=1000, kind="donation")
    draft = Draft(Reply(text="고마워요", emotion="happy", latency_s=0.2), [msg], turn=3)

    class Odd:  # something no one taught the recorder about
        def __repr__(self) -> str:
            return "Odd()"

    sent = []
    for kind in EventKind:  # every kind there is, including ones added after this test was written
        sent.append(bus.emit(kind, turn=3, message=msg, draft=draft, odd=Odd(), when=1.5))
    bus.set_status("llm", ServiceState.READY, "groq")
    await rec.stop()
    r = load_recording(rec.paths[0])
    assert r.header["format"] == "aischoco-show" and r.header["version"] == 1 and r.header["persona"] == "초코"
    kinds = [e["k"] for e in r.events]
    assert kinds == [k.value for k in EventKind] + ["status", END_KIND]
    assert [e["seq"] for e in r.events[:-1]] == [ev.seq for ev in sent] + [sent[-1].seq + 1]
    for e, ev in zip(r.events, sent, strict=False):
        assert e["t"] == ev.t and e["w"] == ev.wall and e["turn"] == 3
        assert e["d"]["message"]["text"] == msg.text  # as the viewer sent it (newline, U+2028, markup)
        assert e["d"]["message"]["donation_amount"] == 1000
        assert e["d"]["draft"]["batch"] == [msg.id] and e["d"]["draft"]["reply"]["latency_s"] == 0.2
        assert e["d"]["odd"] == "Odd()" and e["d"]["when"] == 1.5
    assert r.events[-2]["d"]["status"]["state"] == "ready"
    assert r.damaged == 0 and len(rec.paths[0].read_bytes().split(b"\n")) == len(r.events) + 2


async def test_secrets_are_removed_from_the_bytes(tmp_path):
    bus = EventBus()
    rec = _recorder(tmp_path, bus)
    await rec.start()
    bus.notice('key gsk_live_0123456789abcdef and quote"and\\slash-secret in a notice')
    bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage("x", "my key is gsk_live_0123456789abcdef"))
    await rec.stop()
    raw = rec.paths[0].read_bytes()
    assert b"0123456789abcdef" not in raw and b"slash-secret" not in raw and raw.count(b"***") == 3


def test_a_killed_process_loses_nothing_it_emitted(tmp_path):
    """SIGKILL right after the 500th emit: all 500 lines are there, whole (at most the one being written is cut)."""
    code = textwrap.dedent(f"""
        import asyncio, os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from aischoco_gui.events import EventBus, EventKind
        from aischoco_gui.models import ChatMessage
        from aischoco_gui.record.recorder import RecorderConfig, ShowRecorder
        bus = EventBus()
        rec = ShowRecorder(bus, RecorderConfig(True, Path({str(tmp_path / "shows")!r})))
        asyncio.run(rec.start())
        for i in range(500):
            bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage("n", f"chat {{i}}"))
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert p.returncode == -9, p.stderr
    (path,) = (tmp_path / "shows").glob("*.jsonl")
    r = load_recording(path)
    assert [e["d"]["message"]["text"] for e in r.events] == [f"chat {i}" for i in range(500)]
    assert r.damaged == 0 and r.events[-1]["k"] != END_KIND  # no clean end: it was killed


async def test_parts_rotate_by_size_and_read_back_as_one(tmp_path):
    bus = EventBus()
    rec = _recorder(tmp_path, bus, rotate_bytes=4000)
    await rec.start()
    for i in range(200):
        bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage("n", f"메시지 {i} " + "가" * 20))
    await rec.stop()
    assert len(rec.paths) > 5 and rec.paths[1].name.endswith(".part2.jsonl")
    assert all(p.stat().st_size < 4000 + 600 for p in rec.paths)
    assert part_paths(rec.paths[0]) == rec.paths
    r = load_recording(rec.paths[0])
    texts = [e["d"]["message"]["text"].split()[1] for e in r.events if e["k"] == "chat_received"]
    assert texts == [str(i) for i in range(200)] and len(r.parts) == len(rec.paths)
    assert all(json.loads(p.read_bytes().split(b"\n", 1)[0])["part"] == n for n, p in enumerate(rec.paths, 1))


async def test_retention_deletes_old_recordings_only(tmp_path):
    shows = tmp_path / "shows"
    shows.mkdir()
    old, recent = shows / "2020-01-01_00-00-00.jsonl", shows / "2099-01-01_00-00-00.jsonl"
    for p in (old, recent):
        p.write_text("{}\n")
    past = time.time() - 31 * 86400
    os.utime(old, (past, past))
    rec = _recorder(tmp_path, EventBus(), keep_days=30)
    await rec.start()
    await rec.stop()
    assert not old.exists() and recent.exists() and rec.paths[0].exists()
    keep_all = _recorder(tmp_path, EventBus(), keep_days=0)
    os.utime(recent, (past, past))
    await keep_all.start()
    await keep_all.stop()
    assert recent.exists()


async def test_a_write_error_stops_recording_with_one_notice(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full (a device that is always full)")
    bus = EventBus()
    notices = []
    bus.subscribe(lambda e: notices.append(e.data["text"]) if e.kind is EventKind.NOTICE else None)
    rec = _recorder(tmp_path, bus)
    await rec.start()
    rec._f.close()
    rec._f = open("/dev/full", "wb", buffering=0)  # noqa: SIM115  (the disk fills up under the recorder)
    for _ in range(3):
        bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage("n", "hi"))
    assert len(notices) == 1 and "방송 기록" in notices[0] and rec.failed
    bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage("n", "the show goes on"))  # no exception, no new notice
    assert len(notices) == 1
    await rec.stop()


async def test_show_record_applies_live_through_compose(home):
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    bus = EventBus()
    settings = dataclasses.replace(Settings(), overlay_port=0, groq_api_key="gsk_compose_secret_value_1")
    s = build_services(settings, dirs, bus, overrides={"chat": None, "speaker": SilentSpeaker(bus),
                                                       "avatar": NoAvatar(bus), "overlay": None})
    await start_services(s)
    first = s.recorder.path
    assert first is not None and first.parent == dirs.history / "shows"
    await apply_settings(s, dataclasses.replace(settings, show_record="off"), {"show_record"})
    assert s.recorder.path is not None and s.recorder._f is None
    bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage("n", "while off"))
    await apply_settings(s, dataclasses.replace(settings, show_record="on", groq_api_key="gsk_compose_secret_value_2"),
                         {"show_record", "groq_api_key"})
    second = s.recorder.path
    bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage("n", "on again"))
    await stop_services(s)
    assert second != first
    a, b = load_recording(first), load_recording(second)
    assert a.events[-2]["k"] == "settings_changed" and a.events[-2]["d"]["changed"] == {"show_record": "off"}
    assert a.events[-1]["k"] == END_KIND and a.events[-1]["reason"] == "off"
    assert "while off" not in first.read_text(encoding="utf-8") + second.read_text(encoding="utf-8")
    assert any(e["k"] == "chat_received" and e["d"]["message"]["text"] == "on again" for e in b.events)
    assert b.header["settings"]["show_record"] == "on" and "groq_api_key" not in b.header["settings"]
    assert b.header["secrets_set"] == ["groq_api_key"]
    for p in (first, second):
        assert b"gsk_compose_secret_value" not in p.read_bytes()
