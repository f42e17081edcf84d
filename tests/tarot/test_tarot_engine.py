"""Tarot state machine: requester-only picks, range/duplicate checks, timeout, one reading at a time, repair."""

from __future__ import annotations

import asyncio
import random

from aischoco_gui.models import ChatMessage
from aischoco_gui.tarot.cards import DECK
from aischoco_gui.tarot.engine import TarotEngine, TarotPhase
from aischoco_gui.tarot.reading import repair_reading
from aischoco_gui.tarot.request import TarotRequest
from tests.wait import wait_until


def msg(text: str, user: str) -> ChatMessage:
    return ChatMessage(nickname=user, text=text, user_id=f"id-{user}")


class FakeLLM:
    """An interpret function recording what it was asked (it answers like an LLM would, with junk)."""

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.calls: list[TarotRequest] = []
        self.delay = delay
        self.fail = fail

    async def __call__(self, req: TarotRequest) -> dict:
        self.calls.append(req)
        await asyncio.sleep(self.delay)  # time is the subject: a slow interpreter against the engine's timeouts
        if self.fail:
            raise RuntimeError("LLM down")
        return {"summary": f"{req.question} 해석", "visual_data": {"yes_no": {"yes": "140%"}}}


def engine(llm, **kw) -> TarotEngine:
    kw.setdefault("rng", random.Random(7))
    return TarotEngine(llm, **kw)


async def test_requester_only_picks_and_validation():
    llm = FakeLLM()
    t = engine(llm, result_s=5)
    assert t.handle(msg("!타로 이번 달 연애운?", "alice")) is True
    assert t.phase == TarotPhase.PICKING and t.snapshot()["user"] == "alice"
    assert t.handle(msg("7 23 61", "bob")) is False  # not the requester: goes to the LLM as normal chat
    assert t.handle(msg("안녕하세요 7번", "alice")) is False  # ordinary chat from the requester is not a pick
    assert t.handle(msg("0 79 500", "alice")) is True
    assert t.current.cards == [] and "범위 밖" in t.error
    assert t.handle(msg("7", "alice")) is True
    assert t.handle(msg("7, 23", "alice")) is True
    assert [c.number for c in t.current.cards] == [7, 23] and "중복" in t.error
    assert t.phase == TarotPhase.PICKING
    assert t.handle(msg("!타로 61 62", "alice")) is True  # extra numbers beyond three are ignored
    assert [c.number for c in t.current.cards] == [7, 23, 61]
    assert [c.position for c in t.current.cards] == ["과거", "현재", "미래"]
    assert t.phase == TarotPhase.INTERPRETING
    await wait_until(lambda: t.phase == TarotPhase.RESULT)
    assert len(llm.calls) == 1
    vd = t.reading["visual_data"]
    assert vd["yes_no"]["yes"] == 100 and len(vd["radar_dynamic"]) >= 3
    assert [c["number"] for c in t.reading["cards"]] == [7, 23, 61]
    await t.stop()


async def test_shuffle_is_a_permutation_of_the_deck():
    t = engine(FakeLLM())
    t.handle(msg("!tarot love?", "a"))
    assert sorted(c.index for c, _ in t._numbers) == list(range(78)) and len(DECK) == 78
    await t.stop()


async def test_pick_timeout_cancels_and_next_in_queue_starts():
    t = engine(FakeLLM(), pick_timeout_s=0.1)
    assert t.request("id-a", "a", "q1") == "started"
    assert t.request("id-b", "b", "q2") == "queued"
    assert "대기 1번째" in t.notice
    assert t.request("id-b", "b", "again") == "duplicate"
    await wait_until(lambda: t.current is not None and t.current.nickname == "b")  # a timed out, b's turn
    assert t.phase == TarotPhase.PICKING
    await wait_until(lambda: t.phase == TarotPhase.IDLE)  # b times out too
    assert t.current is None and "시간이 지나" in t.notice
    await t.stop()


async def test_one_reading_at_a_time_queue_limit_and_cancel():
    llm = FakeLLM(delay=0.05)
    t = engine(llm, queue_max=2, result_s=0.05)
    for u in ("a", "b", "c"):
        t.handle(msg(f"!타로 {u}의 질문", u))
    assert t.current.nickname == "a" and [r.nickname for r in t.queue] == ["b", "c"]
    assert t.request("id-d", "d", "q") == "full" and "가득" in t.notice
    t.handle(msg("!타로 취소", "c"))
    assert [r.nickname for r in t.queue] == ["b"]
    # concurrent: b's numbers do nothing while a is picking
    assert t.handle(msg("1 2 3", "b")) is False
    t.handle(msg("1 2 3", "a"))
    await wait_until(lambda: t.phase == TarotPhase.RESULT)
    assert t.current.nickname == "a"
    await wait_until(lambda: t.current is not None and t.current.nickname == "b")  # a's result shown, b's turn
    assert t.phase == TarotPhase.PICKING
    t.handle(msg("!tarot cancel", "b"))
    assert t.phase == TarotPhase.IDLE
    assert [r.question for r in llm.calls] == ["a의 질문"]
    await t.stop()


async def test_interpret_failure_and_timeout_are_shown_then_cleared():
    t = engine(FakeLLM(fail=True), error_s=0.05)
    t.handle(msg("!타로 q", "a"))
    t.handle(msg("1 2 3", "a"))
    await wait_until(lambda: t.phase == TarotPhase.RESULT)
    assert t.reading is None and "불러오지 못했" in t.error
    await wait_until(lambda: t.phase == TarotPhase.IDLE)  # the error is cleared after error_s
    slow = engine(FakeLLM(delay=1.0), interpret_timeout_s=0.05, error_s=0.05)
    slow.handle(msg("!타로 q", "a"))
    slow.handle(msg("4 5 6", "a"))
    await wait_until(lambda: slow.phase == TarotPhase.RESULT)  # interpret_timeout_s, not the 1 s answer
    assert slow.error and slow.reading is None
    await t.stop()
    await slow.stop()


async def test_disabled_engine_consumes_nothing():
    t = engine(FakeLLM())
    t.enabled = False
    assert t.handle(msg("!타로 q", "a")) is False
    assert t.phase == TarotPhase.IDLE


def test_repair_clamps_and_defaults():
    r = repair_reading({
        "summary": "<b>좋아요</b>\u202e",
        "visual_data": {"radar_fixed": {"love": 250, "work": -3, "money": "0.7", "health": None, "연애": 1},
                        "radar_dynamic": [{"label": "용기", "value": 80}, {"name": "x" * 50, "score": "55"}, "junk"],
                        "yes_no": 0.35, "keywords": "행운, 변화, 행운", "candidates": {"A": 70, "B": "90점"},
                        "decision_map": [{"choice": "고백", "outcome": "좋음", "risk": 500}, {"outcome": "no choice"}]},
        "soul_color": "#abc",
        "danger_alert": "과음 주의",
    })
    vd = r["visual_data"]
    assert vd["radar_fixed"] == {"love": 100, "work": 0, "money": 70, "health": 50, "relations": 50}
    assert vd["radar_dynamic"][0] == {"label": "용기", "value": 80} and len(vd["radar_dynamic"][1]["label"]) <= 16
    assert len(vd["radar_dynamic"]) == 3
    assert vd["yes_no"] == {"yes": 35, "label": ""}
    assert vd["keywords"] == ["행운", "변화"]
    assert vd["candidates"] == [{"name": "A", "score": 70, "note": ""}, {"name": "B", "score": 90, "note": ""}]
    assert vd["decision_map"] == [{"choice": "고백", "outcome": "좋음", "risk": 100}]
    assert r["soul_color"] == {"name": "#AABBCC", "hex": "#AABBCC"}
    assert r["danger_alert"] == {"active": True, "message": "과음 주의"}
    assert "\u202e" not in r["summary"]
    empty = repair_reading("not json at all")
    assert empty["summary"] == "not json at all" and empty["soul_color"]["hex"] == "#8E7CC3"
    assert repair_reading(None)["danger_alert"] == {"active": False, "message": ""}
    assert repair_reading({"soul_color": {"hex": "red; background:url(x)"}})["soul_color"]["hex"] == "#8E7CC3"
