"""The show tools plugged into today's Pipeline through its public methods only (the wiring recipe):
a donation in the middle of a chat burst reaches the LLM ahead of the burst and lands first in the
queue; idle talk and run-sheet cues become drafts for approval; a spoken reply is echoed to chat."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime

from aischoco_gui.chat.filters import ChatFilter, FilterRules
from aischoco_gui.chat.rehearsal import RehearsalChatSource
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.llm.models import Reply
from aischoco_gui.pipeline.approval import ApprovalQueue, DraftState
from aischoco_gui.pipeline.pipeline import Pipeline
from aischoco_gui.show.echo import ChatEcho
from aischoco_gui.show.idle_talk import IdleTalk
from aischoco_gui.show.run_sheet import Cue, RunSheet
from aischoco_gui.show.thanks import ThanksLane, ThanksPolicy
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator
from tests.show.fakes import FakeClock, LineLLM
from tests.wait import wait_until as until


def gate_for(p: Pipeline):
    """Today's gate: Pipeline.add_reply (the safety helper makes it the filtered one)."""

    def submit(text, emotion, kind, source=None, by=""):
        return p.add_reply(Reply(text=text, emotion=emotion, provider=by or kind), source)

    return submit


async def test_donation_in_a_chat_burst_reaches_the_llm_first_and_queues_first():
    bus = EventBus()
    gen = ScriptedGenerator()
    gen.gate = asyncio.Event()  # the chat LLM is busy with the burst
    chat = RehearsalChatSource(bus)
    p = Pipeline(bus, ApprovalQueue(), ChatFilter(rules=FilterRules(min_length_enabled=False, spam_enabled=False)),
                 gen, RecordingSpeaker(bus), RecordingAvatar(bus), chat, max_pending=3)
    llm = LineLLM()
    lane = ThanksLane(ThanksPolicy(), generate=llm, submit=gate_for(p), prioritize=lambda d: p.move(d.id, 0))
    p.add_interceptor(lane.intercept)
    await p.start()
    try:
        for i in range(8):
            chat.send(f"시청자{i}", f"채팅 {i}번이에요")
        await until(lambda: gen.batches)
        chat.send("큰손", "노래 한 곡 불러 주세요", donation=50000)
        for i in range(8, 12):
            chat.send(f"시청자{i}", f"채팅 {i}번이에요")
        await until(lambda: p.queue.pending)
        assert len(llm.prompts) == 1 and len(gen.batches) == 1  # asked before the burst's next turn
        data = json.loads(re.search(r"<data>\n(.*)\n</data>", llm.prompts[0], re.S).group(1))
        assert data["amount_krw"] == 50000 and data["nick"] == "큰손"
        assert all("큰손" not in m.nickname for b in gen.batches for m in b)  # taken out of the chat batch
        gen.gate.set()
        await until(lambda: len(p.queue.pending) >= 2)
        first = p.queue.pending[0]
        assert first.reply.provider == "thanks" and first.batch[0].nickname == "큰손"
    finally:
        gen.gate.set()
        await p.stop()


async def test_idle_talk_run_sheet_and_echo_through_the_pipeline():
    bus = EventBus()
    spk = RecordingSpeaker(bus)
    p = Pipeline(bus, ApprovalQueue(), None, ScriptedGenerator(), spk, RecordingAvatar(bus), None)
    await p.start()
    try:
        clock = FakeClock()
        idle = IdleTalk(interval_s=60, generate=LineLLM(), submit=gate_for(p), topics=lambda: ["날씨"],
                        draft_pending=lambda: bool(p.queue.pending or p.queue.approved),
                        speaking=lambda: p.speaking is not None, clock=clock)
        bus.subscribe(idle.on_event)
        sheet = RunSheet([Cue("after", "디스코드 놀러 오세요!", minutes=1)], submit=gate_for(p),
                         now=lambda: datetime(2026, 11, 29, 20, 0))
        sheet.start()
        sheet.now = lambda: datetime(2026, 11, 29, 20, 1)
        sent: list[str] = []

        async def send(text):
            sent.append(text)

        echo = ChatEcho(send, enabled=True, min_interval_s=0)
        bus.subscribe(echo.on_event)
        clock.advance(61)
        assert await idle.poll() is not None
        d = p.queue.pending[0]
        assert d.reply.provider == "idle_talk"
        clock.advance(61)
        assert await idle.poll() is None  # a draft is waiting: no second proposal
        p.approve(d.id)
        await until(lambda: d.state is DraftState.DONE)
        await echo.drain_one()
        assert sent == [d.text]
        await sheet.tick()
        assert p.queue.pending[-1].text == "디스코드 놀러 오세요!" and p.queue.pending[-1].reply.provider == "run_sheet"
        assert [e.kind for e in bus.recent].count(EventKind.PLAYBACK_END) == 1
    finally:
        await p.stop()
