import asyncio

import pytest

from aischoco_gui.chat.filters import ChatFilter, FilterRules
from aischoco_gui.chat.rehearsal import RehearsalChatSource
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.models import ROLE_STREAMER, ChatMessage, Reply
from aischoco_gui.pipeline.approval import ApprovalQueue, DraftState
from aischoco_gui.pipeline.pipeline import Pipeline
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator
from tests.wait import wait_until


def batching_filter() -> ChatFilter:
    """Streamer chat ignored, spam/length rules off: these tests are about batching, not spam."""
    return ChatFilter(rules=FilterRules(min_length_enabled=False, spam_enabled=False))


async def settle(rounds: int = 20) -> None:
    """Let every ready task run (no clock involved): what has not happened by then is not going to."""
    for _ in range(rounds):
        await asyncio.sleep(0)


@pytest.fixture
async def rig():
    bus = EventBus()
    gen = ScriptedGenerator()
    spk = RecordingSpeaker(bus)
    av = RecordingAvatar(bus)
    chat = RehearsalChatSource(bus)
    p = Pipeline(bus, ApprovalQueue(), batching_filter(), gen, spk, av, chat, max_pending=2,
                 retry_backoff=(0.01, 0.05))
    await p.start()
    yield p, bus, gen, spk, av, chat
    await p.stop()


async def test_chat_to_draft_to_speech_with_events(rig):
    p, bus, gen, spk, av, chat = rig
    chat.send("초코우유", "안녕하세요!")
    await wait_until(lambda: p.queue.pending)
    d = p.queue.pending[0]
    assert d.text == "답변 1: 안녕하세요!" and d.batch[0].nickname == "초코우유"
    assert spk.prepared == [(d.id, 0)]  # pre-synthesis asked for as soon as the draft exists
    p.approve(d.id)
    await wait_until(lambda: d.state is DraftState.DONE)
    assert spk.spoken == [(d.id, d.text, "happy")]
    assert av.calls == [("emotion", "happy"), ("speaking", True), ("speaking", False)]
    assert gen.commits == [(["안녕하세요!"], d.text)]
    kinds = [e.kind for e in bus.recent if e.kind is not EventKind.STATUS]
    order = [EventKind.CHAT_RECEIVED, EventKind.BATCH_READY, EventKind.DRAFT_CREATED, EventKind.APPROVED,
             EventKind.SPEECH_STARTED, EventKind.FIRST_AUDIO, EventKind.PLAYBACK_END]
    assert [k for k in kinds if k in order] == order
    ts = [e.t for e in bus.recent]
    assert ts == sorted(ts)


async def test_chats_during_generation_are_merged_into_one_turn(rig):
    p, bus, gen, spk, av, chat = rig
    gen.gate = asyncio.Event()
    chat.send("a", "첫 번째")
    await wait_until(lambda: len(gen.batches) == 1)
    for i in range(3):
        chat.send(f"v{i}", f"대기 {i}")
    gen.gate.set()
    await wait_until(lambda: len(gen.batches) == 2)
    assert [m.text for m in gen.batches[1]] == ["대기 0", "대기 1", "대기 2"]


async def test_backpressure_waits_for_streamer(rig):
    p, bus, gen, spk, av, chat = rig
    for i in range(3):
        chat.send("v", f"메시지 {i}")
        await wait_until(lambda i=i: len(gen.batches) == min(i + 1, 2))
    await wait_until(lambda: len(p.backlog) == 1)  # the third chat arrived…
    await settle()
    assert len(p.queue.pending) == 2 and len(gen.batches) == 2  # max_pending reached: third waits
    p.skip(p.queue.pending[0].id)
    await wait_until(lambda: len(gen.batches) == 3)
    assert gen.commits[0][1] is None  # skipped turn recorded without a reply


async def test_edit_triggers_resynthesis_and_speaks_edited_text(rig):
    p, bus, gen, spk, av, chat = rig
    chat.send("v", "질문")
    await wait_until(lambda: p.queue.pending)
    d = p.queue.pending[0]
    p.edit(d.id, "고친 답변이에요.", "sad")
    assert spk.discarded == [d.id] and spk.prepared[-1] == (d.id, 1)
    p.approve(d.id)
    await wait_until(lambda: spk.spoken)
    assert spk.spoken[0][1:] == ("고친 답변이에요.", "sad")


async def test_filtered_and_intercepted_chat_not_answered(rig):
    p, bus, gen, spk, av, chat = rig
    seen = []
    p.add_interceptor(lambda m: m.text.startswith("!타로") and not seen.append(m))
    chat.send("스트리머", "내 채팅", role=ROLE_STREAMER)
    chat.send("v", "!타로 오늘 운세")
    await wait_until(lambda: seen and any(e.kind is EventKind.CHAT_FILTERED for e in bus.recent))
    await settle()
    assert gen.batches == [] and len(seen) == 1
    filtered = [e for e in bus.recent if e.kind is EventKind.CHAT_FILTERED]
    assert filtered[0].data["reason"] == "streamer"


async def test_donation_jumps_the_batch(rig):
    p, bus, gen, spk, av, chat = rig
    gen.gate = asyncio.Event()
    chat.send("a", "first")
    await wait_until(lambda: gen.batches)
    for i in range(12):
        chat.send("v", f"m{i}")
    chat.send("후원자", "후원 메시지", donation=5000)
    gen.gate.set()
    await wait_until(lambda: len(gen.batches) == 2)
    b = gen.batches[1]
    assert b[0].text == "후원 메시지" and len(b) == p.batch_max
    assert p.dropped == 3  # the oldest ordinary chats did not fit this turn


async def test_llm_failure_keeps_chat_and_retries(rig):
    p, bus, gen, spk, av, chat = rig
    gen.fail_times = 2
    chat.send("v", "살아있어?")
    await wait_until(lambda: p.queue.pending)
    assert [m.text for m in gen.batches[-1]] == ["살아있어?"] and len(gen.batches) == 3
    assert sum(e.kind is EventKind.LLM_FAILED for e in bus.recent) == 2


async def test_empty_reply_makes_no_draft(rig):
    p, bus, gen, spk, av, chat = rig
    gen.replies = [Reply(text="  ", emotion="neutral")]
    chat.send("v", "ㅋ")
    await wait_until(lambda: gen.commits)
    assert p.queue.pending == [] and gen.commits == [(["ㅋ"], None)]


async def test_panic_stops_speech_clears_queue_and_neutralises(rig):
    p, bus, gen, spk, av, chat = rig
    spk.seconds = 5.0
    chat.send("v", "하나")
    await wait_until(lambda: p.queue.pending)
    p.approve(p.queue.pending[0].id)
    await wait_until(lambda: spk.spoken)
    chat.send("v", "둘")
    await wait_until(lambda: p.queue.pending)
    await p.panic()
    await wait_until(lambda: p.speaking is None, timeout=2.0)  # a 5 s utterance, cut
    assert p.queue.pending == [] and spk.stopped == 1
    assert av.calls[-1] == ("neutral", None)
    assert any(e.kind is EventKind.PANIC for e in bus.recent)


async def test_auto_mode_speaks_without_click():
    bus = EventBus()
    gen, spk = ScriptedGenerator(), RecordingSpeaker(bus)
    chat = RehearsalChatSource(bus)
    p = Pipeline(bus, ApprovalQueue(mode="auto"), batching_filter(), gen, spk, RecordingAvatar(), chat)
    await p.start()
    try:
        chat.send("v", "자동으로 답해줘")
        await wait_until(lambda: spk.spoken)
        assert spk.spoken[0][1] == "답변 1: 자동으로 답해줘"
    finally:
        await p.stop()


def test_take_batch_caps_and_keeps_priority():
    bus = EventBus()
    p = Pipeline(bus, ApprovalQueue(), None, ScriptedGenerator(), None, None, batch_max=3)
    msgs = [ChatMessage("v", f"m{i}") for i in range(5)]
    for m in msgs:
        p._enqueue(m)
    p.answer_now(msgs[0])
    assert [m.text for m in p.take_batch()] == ["m0", "m3", "m4"]
    assert p.dropped == 2 and not p.backlog


async def test_synthesis_starts_before_the_gui_hears_of_the_draft(rig):
    """Issue 18: bus subscribers (bridge → panels) run synchronously inside ``emit``; the TTS request
    must not wait for them, so pre-synthesis is asked for before DRAFT_CREATED / DRAFT_UPDATED go out."""
    p, bus, gen, spk, av, chat = rig
    seen: list[tuple[str, int]] = []

    def gui(ev):
        if ev.kind in (EventKind.DRAFT_CREATED, EventKind.DRAFT_UPDATED):
            seen.append((ev.kind.name, len(spk.prepared)))

    bus.subscribe(gui)
    chat.send("초코우유", "안녕하세요!")
    await wait_until(lambda: p.queue.pending)
    d = p.queue.pending[0]
    assert seen == [("DRAFT_CREATED", 1)]  # prepare() had run when the GUI was told
    p.edit(d.id, "고친 답변")
    assert seen[-1] == ("DRAFT_UPDATED", 2)  # the edited text's synthesis was asked for first too


async def test_auto_approved_draft_wakes_the_speaker_before_the_gui_is_told(rig):
    p, bus, gen, spk, av, chat = rig
    woke: list[bool] = []
    bus.subscribe(lambda ev: woke.append(p._speak_wake.is_set()) if ev.kind is EventKind.APPROVED else None)
    p.set_approval_mode("auto")
    chat.send("초코우유", "안녕하세요!")
    await wait_until(lambda: spk.spoken)
    assert woke and woke[0] is True


def _tick_awaits(p: Pipeline) -> str:
    """What the auto-approve loop is suspended on right now (the awaited coroutine's name)."""
    task = next(t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "Pipeline._tick_loop")
    awaited = task.get_coro().cr_await
    return getattr(awaited, "__qualname__", type(awaited).__name__)


async def test_auto_approve_tick_sleeps_while_nothing_is_waiting():
    """Issue 27 (idle CPU): with no draft a timer could approve, the tick loop does not wake every
    200 ms; a draft wakes it, its timer approves it as before, and the loop goes back to sleep."""
    bus = EventBus()
    gen, spk = ScriptedGenerator(), RecordingSpeaker(bus)
    chat = RehearsalChatSource(bus)
    p = Pipeline(bus, ApprovalQueue(mode="manual", auto_after_s=0.3), batching_filter(), gen, spk,
                 RecordingAvatar(), chat)
    await p.start()
    try:
        await settle()
        assert _tick_awaits(p) == "Event.wait"  # idle: asleep, not on a 200 ms timer
        chat.send("v", "타이머로 답해줘")
        await wait_until(lambda: p.queue.pending)
        await settle()
        assert _tick_awaits(p) == "sleep"  # a draft waits: the 200 ms tick runs
        d = p.queue.pending[0]
        await wait_until(lambda: d.state is DraftState.DONE, timeout=3.0)
        assert d.auto and spk.spoken[0][1] == "답변 1: 타이머로 답해줘"
        await wait_until(lambda: _tick_awaits(p) == "Event.wait", timeout=2.0)
    finally:
        await p.stop()
