"""The show tools as wired by ``compose`` (issue 17): the real pipeline, the real LLM client against the
OpenAI double, the real overlay state. A subscription and a ₩50,000 donation in the middle of a chat
burst reach the LLM ahead of the burst, with amount / tier / months in the prompt, land first in the
queue, and push the overlay alert."""

from __future__ import annotations

import dataclasses
import json
import re

from aischoco_gui.chat.parse import parse_official_subscription
from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus
from aischoco_gui.models import ChatMessage
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.wait import wait_until


def _user_block(req) -> str:
    return str(req.messages[-1]["content"]) if req.messages else ""


def _data(block: str) -> dict:
    return json.loads(re.search(r"<data>\n(.*)\n</data>", block, re.S).group(1))


async def test_subscription_and_donation_in_a_burst_reach_the_llm_first(home):
    bus = EventBus()
    async with OpenAIDouble() as llm:
        # The first chat turn is slow (the LLM is busy with the burst) — the thanks must not wait behind it.
        llm.script(Script(emotion="happy", response="채팅 고마워요!", delay_s=1.5))
        settings = dataclasses.replace(Settings(), llm_base_url=llm.base_url, groq_api_key="test-key", overlay_port=0)
        settings.sources["llm_base_url"] = "test"
        s = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                           overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus)})
        await start_services(s)
        try:
            chat = s.chat
            for i in range(6):
                chat.send(f"시청자{i}", f"채팅 {i}번이에요")
            await wait_until(lambda: llm.requests, 5, "the first chat turn asked")
            sub = parse_official_subscription(json.dumps({
                "channelId": "ch", "subscriberChannelId": "sub-1", "subscriberNickname": "구독자",
                "tierNo": 2, "tierName": "골드", "month": 24}))
            s.pipeline.on_chat(sub)  # as the official source delivers it
            chat.send("큰손", "노래 한 곡 불러 주세요", donation=50000)
            for i in range(6, 10):
                chat.send(f"시청자{i}", f"채팅 {i}번이에요")
            await wait_until(lambda: len(llm.requests) >= 3, 10, "both thanks asked")
            # the two thanks drafts and the first chat reply fill the queue (MAX_PENDING_DRAFTS = 3): make room
            await wait_until(lambda: len(s.pipeline.queue.pending) >= 3, 10, "thanks drafts and the chat reply")
            chat_draft = next(d for d in s.pipeline.queue.pending if d.kind == "chat")
            s.pipeline.skip(chat_draft.id)
            await wait_until(lambda: len(llm.requests) >= 4, 10, "the burst's next turn")
            blocks = [_user_block(r) for r in llm.requests]
            thanks = [i for i, b in enumerate(blocks) if "감사:" in b]
            burst_turns = [i for i, b in enumerate(blocks) if "감사:" not in b]
            assert thanks == [1, 2] and burst_turns[:2] == [0, 3]  # both before the burst's second turn
            assert "시청자6" in blocks[3]
            by_kind = {_data(blocks[i])["kind"]: _data(blocks[i]) for i in thanks}
            assert by_kind["donation"]["amount_krw"] == 50000 and by_kind["donation"]["nick"] == "큰손"
            assert "₩50,000" in blocks[thanks[[_data(blocks[i])["kind"] for i in thanks].index("donation")]]
            sub_data = by_kind["subscription"]
            assert (sub_data["months"], sub_data["tier_no"], sub_data["tier_name"]) == (24, 2, "골드")
            assert not any("큰손" in b or "구독자" in b for b in (blocks[i] for i in burst_turns))
            # both thanks drafts are at the front of the queue, marked as thanks, answering their viewer
            front = s.pipeline.queue.pending[:2]
            assert {d.kind for d in front} == {"thanks"}
            assert {d.batch[0].nickname for d in front} == {"큰손", "구독자"}
            # the overlay alert was pushed (the last one is the donation, sent after the subscription)
            alert = s.overlay.state.alert
            assert alert["kind"] == "donation" and alert["amount"] == 50000 and alert["user"] == "큰손"
        finally:
            await stop_services(s)


async def test_subscription_alert_carries_tier_and_months(home):
    bus = EventBus()
    s = build_services(dataclasses.replace(Settings(), overlay_port=0), user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                       overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus)})
    await start_services(s)
    try:
        msg = ChatMessage(nickname="구독자", text="", user_id="u9", kind="subscription", subscription_tier=1,
                          subscription_tier_name="기본", subscription_months=3)
        s.pipeline.on_chat(msg)
        alert = s.overlay.state.alert
        assert (alert["kind"], alert["user"], alert["tier_no"], alert["tier_name"], alert["months"]) == (
            "subscription", "구독자", 1, "기본", 3)
        # no LLM configured: the thanks falls back to a plain line, still through the gate
        d = await wait_until(lambda: s.pipeline.queue.pending and s.pipeline.queue.pending[0], 5, "thanks draft")
        assert d.kind == "thanks" and "3개월" in d.text
    finally:
        await stop_services(s)


def test_bad_thanks_levels_are_shown_like_settings_problems(home):
    from aischoco_gui.compose import show_setting_problems

    settings = dataclasses.replace(Settings(), overlay_port=0, thanks_donation_levels="많이:크게 고마워하기")
    settings.sources["thanks_donation_levels"] = "environment"
    s = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), EventBus(), overrides={"overlay": None})
    problems = show_setting_problems(s)
    assert [(p.field, p.env) for p in problems] == [("thanks_donation_levels", "THANKS_DONATION_LEVELS")]
    line = problems[0].describe()
    assert "THANKS_DONATION_LEVELS" in line and "많이" in line and "not a whole number" in line
    assert s.show.policy.for_donation(50000).level == 3  # the default levels are used meanwhile


async def test_chat_echo_posts_a_spoken_reply_through_the_chzzk_api(home):
    from aischoco_gui.events import EventKind
    from aischoco_gui.models import Reply
    from tests.doubles.chzzk_api_server import SCOPES, ChzzkApiDouble, units

    d = await ChzzkApiDouble().start()
    bus = EventBus()
    settings = dataclasses.replace(Settings(), chat_source="chzzk", chzzk_openapi_base=d.base_url,
                                   chzzk_access_token="user-token-1", chzzk_chat_echo="on",
                                   chat_echo_min_interval_s=0.0, overlay_port=0)
    s = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                       overrides={"chat": None, "overlay": None, "speaker": RecordingSpeaker(bus),
                                  "avatar": RecordingAvatar(bus)})
    await start_services(s)
    try:
        assert s.show.echo.enabled and s.show.echo.mode == "split"
        long = ("오늘 와 줘서 정말 고마워요! 이번 주 토요일 밤 9시에는 특별 게스트와 함께 합방을 할 예정이니 꼭 알림 "
                "설정해 주세요. 디스코드에서 다음 방송 주제 투표도 하고 있어요. 많이 참여해 주세요!")
        draft = s.pipeline.add_reply(Reply(long), [], kind="chat")
        s.pipeline.approve(draft.id)
        await wait_until(lambda: d.sent_chats, 5, "the spoken reply posted to chat")
        await wait_until(lambda: " ".join(c["message"] for c in d.sent_chats) == " ".join(long.split()), 5,
                         "every part posted")
        assert len(d.sent_chats) > 1 and all(units(c["message"]) <= 100 for c in d.sent_chats)
        # a refused send is shown (the scope by name), never dropped silently
        d.granted_scopes.discard(SCOPES["send"])
        draft = s.pipeline.add_reply(Reply("짧은 답이에요."), [], kind="chat")
        s.pipeline.approve(draft.id)
        await wait_until(lambda: s.show.echo_errors, 5, "the echo error reported")
        notices = [e.data["text"] for e in bus.recent if e.kind is EventKind.NOTICE]
        assert any(SCOPES["send"] in n and "403" in n for n in notices)
    finally:
        await stop_services(s)
        await d.stop()


async def test_chat_echo_is_off_unless_asked_and_only_on_the_official_source(home):
    for source, echo in (("chzzk", "off"), ("rehearsal", "on")):
        s = build_services(dataclasses.replace(Settings(), chat_source=source, chzzk_chat_echo=echo),
                           user_dirs({"AISCHOCO_HOME": str(home)}), EventBus(), overrides={"chat": None,
                                                                                          "overlay": None})
        assert not s.show.echo.enabled


async def test_idle_talk_wired_fires_once_per_interval_and_never_while_chat_flows(home):
    from tests.show.fakes import FakeClock

    bus = EventBus()
    async with OpenAIDouble() as llm:
        settings = dataclasses.replace(Settings(), llm_base_url=llm.base_url, groq_api_key="test-key",
                                       idle_talk_seconds=60.0)
        settings.sources["llm_base_url"] = "test"
        dirs = user_dirs({"AISCHOCO_HOME": str(home)})
        s = build_services(settings, dirs, bus, overrides={"chat": None, "overlay": None,
                                                           "speaker": RecordingSpeaker(bus),
                                                           "avatar": RecordingAvatar(bus)})
        (dirs.config / "idle_topics.txt").write_text("# 주제\n좋아하는 간식\n", encoding="utf-8")  # read per proposal
        idle = s.show.idle
        clock = FakeClock()
        idle.clock = clock  # the library's injectable clock: no real waiting
        await start_services(s)
        try:
            assert idle.enabled and s.show.tasks.tasks  # the wired loop runs ...
            await s.show.tasks.cancel_all()  # ... but here the test drives it (poll), on the fake clock
            s.pipeline.paused = True  # chat is received (and resets the quiet period) but not answered
            for i in range(5):  # chat keeps flowing: every message restarts the quiet period
                clock.advance(30)
                s.pipeline.on_chat(ChatMessage(nickname=f"시청자{i}", text=f"{i}번째 안녕하세요", user_id=f"v{i}"))
                assert s.pipeline.backlog[-1].filtered_reason is None
                assert await idle.poll() is None
            assert not llm.requests  # nothing was proposed while chat flowed
            llm.script(Script(emotion="happy", response="오늘 간식 뭐 먹었어요?"))
            clock.advance(59)
            assert await idle.poll() is None  # not yet quiet for a full interval
            clock.advance(2)
            assert await idle.poll() is not None
            d = s.pipeline.queue.pending[-1]
            assert d.kind == "idle_talk" and d.text == "오늘 간식 뭐 먹었어요?"
            assert "좋아하는 간식" in _user_block(llm.requests[-1])
            s.pipeline.skip(d.id)
            clock.advance(30)
            assert await idle.poll() is None  # once per interval
            clock.advance(31)
            assert await idle.poll() is not None and idle.proposals == 2
        finally:
            await stop_services(s)


async def test_rebuild_show_applies_new_settings_while_the_rest_runs(home):
    from aischoco_gui.compose import rebuild

    bus = EventBus()
    s = build_services(dataclasses.replace(Settings(), overlay_port=0), user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                       overrides={"chat": None, "overlay": None, "speaker": RecordingSpeaker(bus),
                                  "avatar": RecordingAvatar(bus)})
    await start_services(s)
    try:
        old = s.show
        assert not old.idle.enabled and not old.tasks.tasks
        new = dataclasses.replace(s.settings, idle_talk_seconds=90.0, thanks_donation_levels="0:짧게;5000:크게")
        await rebuild(s, "show", new)
        assert s.show is not old and s.show.idle.enabled and s.show.idle.interval_s == 90.0
        assert s.pipeline.interceptors == [s.show.intercept]  # the old lane is gone, the new one in place
        assert s.show.policy.for_donation(6000).instruction == "크게"
        await wait_until(lambda: any(not t.done() for t in s.show.tasks.tasks), 2, "the idle talk loop running")
        assert not old.tasks.tasks  # the old one was stopped
    finally:
        await stop_services(s)


async def test_thanks_in_auto_approval_mode_is_spoken_without_an_error(home):
    from aischoco_gui.events import EventKind

    bus = EventBus()
    s = build_services(dataclasses.replace(Settings(), approval_mode="auto", thanks_auto_approve=True),
                       user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                       overrides={"chat": None, "overlay": None, "speaker": RecordingSpeaker(bus),
                                  "avatar": RecordingAvatar(bus)})
    await start_services(s)
    try:
        s.pipeline.on_chat(ChatMessage(nickname="후원자", text="화이팅", user_id="d1", donation_amount=1000))
        await wait_until(lambda: any(e.kind is EventKind.PLAYBACK_END for e in bus.recent), 5, "thanks spoken")
        errors = [e.data["text"] for e in bus.recent if e.kind is EventKind.NOTICE and e.data.get("level") == "error"
                  and "감사 멘트 생성 실패" not in e.data["text"]]  # no LLM key here: the plain thanks is used
        assert errors == []  # the draft approved itself at once: moving/approving it again is not an error
    finally:
        await stop_services(s)
