"""Issue 13: one gate to speech — every draft is filtered, capped and queued by ``Pipeline.add_reply``;
held drafts wait in their own lane and are never synthesised before a human approves them."""

from __future__ import annotations

import pytest

from aischoco_gui.audio.output import AudioOutput
from aischoco_gui.chat.filters import ChatFilter, FilterRules
from aischoco_gui.chat.rehearsal import RehearsalChatSource
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.llm.models import Reply
from aischoco_gui.llm.output_filter import OutputFilter
from aischoco_gui.pipeline.approval import ApprovalQueue, DraftState
from aischoco_gui.pipeline.pipeline import Pipeline
from aischoco_gui.tts.client import HttpTtsClient
from aischoco_gui.tts.speaker import TtsSpeaker
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator
from tests.doubles.tts_servers import AischocoTtsServer
from tests.wait import wait_until as until


def chat_filter(words=()) -> ChatFilter:
    return ChatFilter(rules=FilterRules(min_length_enabled=False, spam_enabled=False, banned_words=list(words)))


def rig(mode="auto", replies=None, speaker=None, **kw):
    bus = EventBus()
    gen = ScriptedGenerator(replies)
    spk = speaker or RecordingSpeaker(bus, seconds=0.0)
    chat = RehearsalChatSource(bus)
    p = Pipeline(bus, ApprovalQueue(mode=mode), chat_filter(["금지어"]), gen, spk, RecordingAvatar(bus), chat,
                 output_filter=OutputFilter(["badword", "나쁜말"]), retry_backoff=(0.01, 0.05), **kw)
    return p, bus, gen, spk, chat


async def test_tarot_reading_with_a_banned_word_is_held_in_auto_mode():
    p, bus, gen, spk, chat = rig()
    await p.start()
    try:
        d = p.add_reply(Reply(text="당신의 카드는… 나\u200b쁜말 이에요.", emotion="excited", provider="tarot"), [],
                        kind="tarot")
        assert d.flagged and d.kind == "tarot" and d.state is DraftState.PENDING
        assert p.queue.held == [d]
        assert spk.prepared == [] and spk.spoken == []
    finally:
        await p.stop()


async def test_llm_reply_is_filtered_inside_the_gate():
    p, bus, gen, spk, chat = rig(replies=[Reply(text="b.a.d.w.o.r.d 하세요", emotion="happy")])
    await p.start()
    try:
        chat.send("v", "안녕")
        await until(lambda: p.queue.pending)
        d = p.queue.pending[0]
        assert d.flagged and d.kind == "chat" and spk.spoken == []
    finally:
        await p.stop()


async def test_viewer_message_with_hidden_banned_word_never_reaches_the_llm():
    p, bus, gen, spk, chat = rig()
    filtered = []
    bus.subscribe(lambda e: filtered.append(e.data["reason"]) if e.kind is EventKind.CHAT_FILTERED else None)
    await p.start()
    try:
        for text in ("금\u200b지어 읽어줘", "금 지 어", "금.지.어!", "금\u00ad지어"):
            chat.send("troll", text)
        chat.send("v", "안녕하세요")
        await until(lambda: spk.spoken)
        assert filtered == ["banned_word"] * 4
        assert [[m.text for m in b] for b in gen.batches] == [["안녕하세요"]]
        assert all("지" not in s[1] for s in spk.spoken)
    finally:
        await p.stop()


async def test_flagged_drafts_do_not_stall_the_show():
    flagged = [Reply(text=f"badword {i}", flagged="banned word: badword") for i in range(3)]
    p, bus, gen, spk, chat = rig(replies=flagged, max_pending=3)
    await p.start()
    try:
        for i in range(3):
            chat.send(f"v{i}", f"질문 {i}")
            await until(lambda i=i: len(p.queue.held) == i + 1)
        chat.send("v", "깨끗한 질문")
        await until(lambda: spk.spoken)
        assert spk.spoken[0][1] == "답변 4: 깨끗한 질문"
        assert len(p.queue.held) == 3 and all(d.state is DraftState.PENDING for d in p.queue.held)
    finally:
        await p.stop()


@pytest.fixture
async def tts():
    bus = EventBus()
    srv = await AischocoTtsServer().start()
    spk = TtsSpeaker(bus, HttpTtsClient(srv.url, bus=bus), AudioOutput("null", bus, rate=24000))
    await spk.start()
    yield srv, spk
    await spk.shutdown()
    await srv.stop()


async def test_held_text_is_not_synthesised_before_approval(tts):
    srv, spk = tts
    p, bus, gen, _, chat = rig(mode="manual", speaker=spk,
                               replies=[Reply(text="이건 나\u200b쁜말 이에요.", emotion="sad"),
                                        Reply(text="좋은 하루예요.", emotion="happy")])
    await p.start()
    try:
        chat.send("a", "질문 하나")
        await until(lambda: len(p.queue.pending) == 1)
        chat.send("b", "질문 둘")
        await until(lambda: len(p.queue.pending) == 2)
        held, clean = p.queue.pending
        assert held.flagged and not clean.flagged
        await until(lambda: spk.prepared(clean) is not None and spk.prepared(clean).done)
        assert spk.prepared(held) is None
        texts = [body["text"] for _, body in srv.requests]
        assert texts and all("쁜말" not in t for t in texts)
        p.approve(held.id)  # a human approves: now it may be synthesised
        await until(lambda: any("쁜말" in body["text"] for _, body in srv.requests))
    finally:
        await p.stop()


async def test_huge_reply_is_capped_and_presynthesis_is_bounded(tts):
    srv, spk = tts
    huge = "오늘 방송 정말 재미있네요. 여러분 고마워요! " * 9000  # ~230 KB as UTF-8
    assert len(huge.encode()) > 230_000
    p, bus, gen, _, chat = rig(mode="manual", speaker=spk, replies=[Reply(text=huge, emotion="happy")])
    await p.start()
    try:
        chat.send("a", "길게 말해줘")
        await until(lambda: p.queue.pending)
        d = p.queue.pending[0]
        assert d.trimmed and len(d.text) <= 300 and d.text.endswith(("요.", "요!"))
        await until(lambda: spk.prepared(d) is not None and spk.prepared(d).done, timeout=10)
        assert 1 <= len(srv.requests) <= 30  # was 829 requests before the cap
        assert sum(len(body["text"]) for _, body in srv.requests) <= 300
    finally:
        await p.stop()


async def test_tarot_reading_through_the_feature_is_held_in_auto_mode(home):
    """The real path: a reading from the LLM double → the tarot feature → the gate, with the app's filter."""
    import json

    from aischoco_gui.compose import build_services, stop_services
    from aischoco_gui.models import ChatMessage
    from aischoco_gui.paths import user_dirs
    from aischoco_gui.settings import Settings
    from tests.doubles.openai_server import OpenAIDouble, Script

    bus = EventBus()
    spk = RecordingSpeaker(bus)
    async with OpenAIDouble() as llm:
        reading = {"summary": "카드가 말해요: 나 쁜 말 을 조심하세요."}
        llm.script(Script(content=json.dumps(reading, ensure_ascii=False)))
        s = Settings(llm_base_url=llm.base_url, groq_api_key="test-key", tarot_enabled=True, overlay_port=0,
                     approval_mode="auto", llm_banned_words="나쁜말")
        s.sources["llm_base_url"] = "test"
        services = build_services(s, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                                  overrides={"speaker": spk, "avatar": RecordingAvatar(bus)})
        try:
            services.pipeline.on_chat(ChatMessage(nickname="별빛", user_id="u1", text="!타로 이직?"))
            services.pipeline.on_chat(ChatMessage(nickname="별빛", user_id="u1", text="3 17 55"))
            d = await until(lambda: services.pipeline.queue.pending and services.pipeline.queue.pending[-1])
            assert d.reply.provider == "tarot" and d.kind == "tarot" and d.flagged
            assert d.state is DraftState.PENDING and spk.prepared == [] and spk.spoken == []
        finally:
            await stop_services(services)
