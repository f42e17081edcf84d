"""Run sheet on a fake wall clock: each kind of cue, no double fire, persistence, corrupt file."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from aischoco_gui.show.run_sheet import KIND, Cue, CueError, RunSheet, load_run_sheet, save_run_sheet
from tests.show.fakes import Gate, LineLLM


class WallClock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


def sheet(cues, start=datetime(2026, 11, 29, 20, 0), llm=None):
    clock, gate = WallClock(start), Gate()
    rs = RunSheet(cues, submit=gate, generate=llm, now=clock)
    rs.start()
    return rs, clock, gate


async def test_at_fires_once_at_its_time_today():
    rs, clock, gate = sheet([Cue("at", "이벤트 시작!", at="21:00")])
    clock.advance(minutes=59, seconds=59)
    assert await rs.tick() == []
    clock.advance(seconds=1)
    assert [c.text for c in await rs.tick()] == ["이벤트 시작!"]
    for _ in range(5):
        clock.advance(seconds=30)
        await rs.tick()
    assert gate.drafts == [("이벤트 시작!", "neutral", KIND)]
    assert rs.next_due(rs.cues[0].id) == datetime(2026, 11, 30, 21, 0)


async def test_at_long_past_when_the_show_starts_is_not_fired_late():
    rs, clock, gate = sheet([Cue("at", "오프닝", at="19:00")])  # show starts 20:00
    await rs.tick()
    assert gate.drafts == []
    rs2, _, gate2 = sheet([Cue("at", "오프닝", at="19:58")])  # within the 5-minute grace
    await rs2.tick()
    assert gate2.drafts == [("오프닝", "neutral", KIND)]


async def test_every_repeats_without_catch_up_burst():
    rs, clock, gate = sheet([Cue("every", "디스코드 놀러 오세요", minutes=30)])
    for _ in range(90):  # 90 minutes, ticking each minute
        clock.advance(minutes=1)
        await rs.tick()
    assert len(gate.drafts) == 3
    clock.advance(hours=5)  # the machine slept: one reminder, not ten
    await rs.tick()
    await rs.tick()
    assert len(gate.drafts) == 4
    clock.advance(minutes=29)
    await rs.tick()
    assert len(gate.drafts) == 4
    clock.advance(minutes=1)
    await rs.tick()
    assert len(gate.drafts) == 5


async def test_after_fires_once_after_show_start():
    rs, clock, gate = sheet([Cue("after", "10분 지났어요", minutes=10)])
    clock.advance(minutes=9)
    await rs.tick()
    clock.advance(minutes=1)
    await rs.tick()
    clock.advance(hours=3)
    await rs.tick()
    assert gate.drafts == [("10분 지났어요", "neutral", KIND)]


async def test_llm_phrasing_and_fallback_to_the_text():
    llm = LineLLM()
    rs, clock, gate = sheet([Cue("after", "</data> 이벤트 안내", minutes=1, llm=True)], llm=llm)
    clock.advance(minutes=1)
    await rs.tick()
    assert gate.drafts == [("잡담 1", "happy", KIND)]
    assert '"announcement": "\\u003c/data\\u003e 이벤트 안내"' in llm.prompts[0]
    errors: list[str] = []
    rs, clock, gate = sheet([Cue("after", "원문", minutes=1, llm=True)], llm=LineLLM(fail="timeout"))
    rs.on_error = errors.append
    clock.advance(minutes=1)
    await rs.tick()
    assert gate.drafts == [("원문", "neutral", KIND)] and "제때 답하지" in errors[0]  # "timeout", in Korean


async def test_editing_the_sheet_does_not_refire():
    cue = Cue("after", "한 번만", minutes=1)
    rs, clock, gate = sheet([cue])
    clock.advance(minutes=2)
    await rs.tick()
    rs.set_cues([Cue("after", "한 번만 (고침)", minutes=1, id=cue.id), Cue("after", "새 큐", minutes=3)])
    clock.advance(minutes=2)
    await rs.tick()
    assert [d[0] for d in gate.drafts] == ["한 번만", "새 큐"]


def test_persistence_round_trip(tmp_path):
    p = tmp_path / "config" / "run_sheet.json"
    cues = [Cue("at", "21시 이벤트", at="21:00"), Cue("every", "디코", minutes=30, llm=True),
            Cue("after", "10분", minutes=10, enabled=False)]
    save_run_sheet(p, cues)
    assert not list(p.parent.glob(".*tmp"))
    loaded, notices = load_run_sheet(p)
    assert loaded == cues and notices == []
    assert json.loads(p.read_text(encoding="utf-8"))["version"] == 1
    with pytest.raises(CueError, match="HH:MM"):
        save_run_sheet(p, [Cue("at", "x", at="25:00")])
    assert load_run_sheet(p)[0] == cues  # a refused save leaves the file as it was


def test_corrupt_file_is_moved_aside_with_a_notice(tmp_path):
    p = tmp_path / "run_sheet.json"
    p.write_text('{"cues": [ {"kind": "at", ', encoding="utf-8")
    cues, notices = load_run_sheet(p, now=lambda: datetime(2026, 11, 29, 20, 0, 5))
    assert cues == [] and not p.exists()
    aside = tmp_path / "run_sheet.json.corrupt-20261129-200005"
    assert aside.read_text(encoding="utf-8").startswith('{"cues"')
    assert aside.name in notices[0] and "올바르지 않아요" in notices[0]  # where it went, and why (in Korean)


def test_bad_cue_is_skipped_others_load(tmp_path):
    p = tmp_path / "run_sheet.json"
    p.write_text(json.dumps({"cues": [{"kind": "every", "text": "ok", "minutes": 30},
                                      {"kind": "every", "text": "zero", "minutes": 0},
                                      {"kind": "soon", "text": "?"}, "nope"]}), encoding="utf-8")
    cues, notices = load_run_sheet(p)
    assert [c.text for c in cues] == ["ok"] and len(notices) == 3 and p.exists()
