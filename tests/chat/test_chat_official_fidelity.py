"""Issue 12 (CHZZK on-air fidelity) and issue 13 (hostile frames, secrets and redirects) against the
strict loopback double: what the real Socket.IO 2 server and CHZZK can send."""

from __future__ import annotations

import asyncio
import gc
import json

import pytest

from aischoco_gui.chat.backoff import Backoff
from aischoco_gui.chat.models import KIND_SUBSCRIPTION, ROLE_STREAMER
from aischoco_gui.chat.oauth import AuthError, ChzzkAuth, MemoryTokenStore, TokenSet
from aischoco_gui.events import EventBus, ServiceState
from tests.chat.test_chat_official import make_source, started
from tests.chat_helpers import StatusLog, wait_for
from tests.doubles.chzzk_server import ChzzkDouble, RecordingOrigin


@pytest.fixture
async def double():
    d = await ChzzkDouble(ping_interval_ms=300, ping_timeout_ms=300).start()
    yield d
    await d.stop()


@pytest.fixture
def loop_errors():
    """What would reach the app's loop exception handler (error notice + crash report)."""
    loop = asyncio.get_event_loop()
    errors: list[dict] = []
    old = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    yield errors
    gc.collect()
    loop.set_exception_handler(old)


async def live(double, **kw):
    bus = EventBus()
    st = StatusLog(bus)
    got: list = []
    src = make_source(double, bus, **kw)
    await src.start(got.append)
    await st.wait(ServiceState.READY)
    await wait_for(lambda: len(double.subscribed("CHAT")) == 1, what="chat subscribed")
    return src, st, got


# -- event arity ------------------------------------------------------------------------------

async def test_events_with_zero_or_two_arguments_are_skipped_quietly(double, loop_errors):
    src, st, got = await live(double)
    try:
        payload = json.dumps(double.chat_payload("first of two", channel_id=double.channel_id), ensure_ascii=False)
        await double.push_args("CHAT")  # zero arguments
        await double.push_args("DONATION")
        await double.push_args("SYSTEM")
        await double.push_args("CHAT", payload, "an extra argument")  # two: the first is the payload
        await double.push_chat("after")
        await wait_for(lambda: len(got) == 2)
        await asyncio.sleep(0.05)  # time is the subject: python-socketio decodes in tasks; nothing more may come
        gc.collect()
        assert [m.text for m in got] == ["first of two", "after"]
        assert src.skipped_args == 4
        assert loop_errors == [] and st.notices == []
        assert st.current.state == ServiceState.READY and double.count("connected") == 1
    finally:
        await src.stop()


# -- optional subscriptions refused -----------------------------------------------------------

async def test_refused_donation_scope_keeps_chat_live_with_one_notice(double):
    double.granted_scopes = {"채팅 메시지 조회", "구독 조회"}
    src, st, got = await live(double)
    try:
        assert double.count("subscribe_403") == 1 and src.refused_events == {"donation"}
        assert st.notices == ["후원 구독 권한 없음 — 채팅만 받습니다"]
        assert st.count(ServiceState.ERROR) == 0 and src.auth.refresh_count == 0
        await double.push_chat("chat still flows")
        await wait_for(lambda: [m.text for m in got] == ["chat still flows"])
        await double.drop_all()  # a reconnect refuses again, but the notice is not repeated
        await st.wait(ServiceState.READY, after=1)
        assert double.count("subscribe_403") == 2 and len(st.notices) == 1
    finally:
        await src.stop()


async def test_refused_subscription_scope_keeps_chat_live(double):
    double.granted_scopes = {"채팅 메시지 조회", "후원 조회"}
    src, st, got = await live(double)
    try:
        assert src.refused_events == {"subscription"} and len(st.notices) == 1
        assert "구독" in st.notices[0]
        await double.push_donation("thanks", amount=3000)
        await wait_for(lambda: len(got) == 1 and got[0].donation_amount == 3000)
    finally:
        await src.stop()


async def test_refused_chat_scope_is_still_an_error(double):
    double.granted_scopes = {"후원 조회"}
    async with started(double) as (bus, st, got, src):
        await st.wait(ServiceState.ERROR)
        assert st.count(ServiceState.READY) == 0
        assert "채팅 메시지 조회" in st.current.last_error


# -- payload fields ---------------------------------------------------------------------------

async def test_top_level_role_and_moderation_ids_and_unknown_fields(double):
    src, st, got = await live(double)
    try:
        p = double.chat_payload("내가 스트리머", sender="streamer-ch", channel_id=double.channel_id,
                                message_time=1_700_000_000_123)
        del p["profile"]["userRoleCode"]  # CHZZK's field table: userRoleCode is top level
        p["userRoleCode"] = "streamer"
        p["brandNewField"] = {"nested": [1, 2, 3]}
        p["profile"]["somethingElse"] = "x"
        await double.push_raw("CHAT", p)
        fallback = double.chat_payload("profile only", role="streamer", channel_id=double.channel_id)
        await double.push_raw("CHAT", fallback)
        await wait_for(lambda: len(got) == 2)
        m = got[0]
        assert m.role == ROLE_STREAMER and m.is_streamer
        assert (m.chat_channel_id, m.message_time_ms, m.user_id) == ("chat-chan-1", 1_700_000_000_123, "streamer-ch")
        assert got[1].role == ROLE_STREAMER
    finally:
        await src.stop()


# -- refused connect, server-side disconnect ----------------------------------------------------

async def test_refused_socketio_connect_takes_a_fresh_url_without_waiting_for_a_timeout(double):
    double.refuse_connects = 1
    bus = EventBus()
    st = StatusLog(bus)
    src = make_source(double, bus)
    src.step_timeout_s = 60.0  # before the fix the source sat out this timeout after a `44`
    await src.start(lambda m: None)
    try:
        await st.wait(ServiceState.READY, timeout=5)
        assert double.count("connect_refused") == 1
        urls = [u for w, u in double.log if w == "session_url"]
        assert len(urls) == 2 and len(set(urls)) == 2
        refused = [s for s in st.states if s.state == ServiceState.RECONNECTING]
        assert len(refused) == 1 and "refused" in refused[0].last_error
    finally:
        await src.stop()


def test_first_retry_is_within_three_seconds():
    b = Backoff()
    for _ in range(200):
        b.reset()
        assert b.next_delay() <= 3.0


async def test_server_side_disconnect_sends_41_and_client_reconnects(double):
    src, st, got = await live(double)
    try:
        await double.drop_all(graceful=True)
        assert double.count("sent_41") == 1
        await st.wait(ServiceState.READY, after=1)
        await double.push_chat("back")
        await wait_for(lambda: [m.text for m in got] == ["back"])
        assert double.count("session_url") == 2
    finally:
        await src.stop()


async def test_reused_session_url_is_refused_by_the_double(double):
    import aiohttp

    async with aiohttp.ClientSession() as s:
        async with s.get(double.base_url + "/open/v1/sessions/auth/client",
                         headers={"Client-Id": double.client_id, "Client-Secret": double.client_secret}) as r:
            url = (await r.json())["content"]["url"]
        ws_url = url.replace("http://", "ws://").replace("?", "/socket.io/?") + "&EIO=3&transport=websocket"
        async with s.ws_connect(ws_url) as ws:
            assert (await ws.receive()).data.startswith("0{")
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await s.ws_connect(ws_url)  # the same URL again
            await ws.close()
    assert double.count("socket_rejected") == 1


# -- SUBSCRIPTION events ----------------------------------------------------------------------

async def test_subscription_events_parse_and_dedupe_across_reconnects(double, loop_errors):
    src, st, got = await live(double)
    try:
        assert double.subscribed("SUBSCRIPTION")
        await double.push_subscription("구독자A", subscriber="sub-1", tier_no=2, tier_name="티어 2", month=24)
        await double.push_subscription("구독자A", subscriber="sub-1", tier_no=2, tier_name="티어 2", month=24)
        await double.push_chat("after sub")
        await wait_for(lambda: len(got) == 2)
        sub = got[0]
        assert sub.kind == KIND_SUBSCRIPTION and sub.is_subscription and not sub.is_donation
        assert (sub.nickname, sub.user_id, sub.subscription_tier, sub.subscription_tier_name,
                sub.subscription_months) == ("구독자A", "sub-1", 2, "티어 2", 24)
        await double.drop_all()
        await st.wait(ServiceState.READY, after=1)
        await wait_for(lambda: len(double.subscribed("SUBSCRIPTION")) == 1)
        await double.push_subscription("구독자A", subscriber="sub-1", tier_no=2, tier_name="티어 2", month=24)
        await double.push_subscription("구독자A", subscriber="sub-1", tier_no=2, tier_name="티어 2", month=25)
        await wait_for(lambda: len(got) == 3)
        await asyncio.sleep(0.05)  # time is the subject: python-socketio decodes in tasks; nothing more may come
        assert [m.subscription_months for m in got if m.is_subscription] == [24, 25]
        assert src.dedup.dropped == 2 and loop_errors == []
    finally:
        await src.stop()


# -- hostile frames (issue 13) ------------------------------------------------------------------

HOSTILE_FRAMES = [
    "4zzz",  # garbage Socket.IO packet
    "42{}",  # event that is not a list
    "42[]",  # event without a name
    "42[1,2]",
    "42" + "[" * 50_000 + "]" * 50_000,  # nested past the recursion limit
    "4" + "9",  # unknown packet type
    "43",  # ack for nothing
    b"\x04\x00\xffbinary",  # a binary frame with no binary event pending
]


async def test_hostile_frames_are_dropped_and_the_connection_stays(double, loop_errors):
    src, st, got = await live(double)
    try:
        for i, frame in enumerate(HOSTILE_FRAMES):
            await double.push_frame(frame)
            await double.push_chat(f"good {i}")
        await wait_for(lambda: len(got) == len(HOSTILE_FRAMES), what="every good chat")
        await asyncio.sleep(0.05)  # time is the subject: python-socketio decodes in tasks; nothing more may come
        gc.collect()
        assert [m.text for m in got] == [f"good {i}" for i in range(len(HOSTILE_FRAMES))]
        assert src._sio is not None and src._sio.frame_guard.dropped >= len(HOSTILE_FRAMES) - 1
        assert loop_errors == [] and st.notices == []
        assert double.count("connected") == 1 and st.current.state == ServiceState.READY
    finally:
        await src.stop()


async def test_binary_placeholder_frame_does_not_eat_the_next_good_chat(double, loop_errors):
    """socketio 4.x waited for the binary attachment and took the next text frame as it."""
    src, st, got = await live(double)
    try:
        await double.push_frame('451-["CHAT",{"_placeholder":true,"num":0}]')
        await double.push_chat("must not be lost")
        await double.push_frame('452-["CHAT",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]')
        await double.push_frame(b"\x04attachment")
        await double.push_chat("nor this")
        await wait_for(lambda: len(got) == 2, what="both good chats")
        assert [m.text for m in got] == ["must not be lost", "nor this"]
        assert loop_errors == []
    finally:
        await src.stop()


# -- secrets never follow a redirect (issue 13) ---------------------------------------------------

async def test_session_request_does_not_follow_a_redirect_with_the_client_secret(double):
    other = await RecordingOrigin().start()
    double.redirect_to = other.base_url
    try:
        async with started(double) as (bus, st, got, src):
            await st.wait(ServiceState.RECONNECTING)
            assert "redirect" in st.current.last_error and double.count("redirected") >= 1
            assert other.requests == [] and not other.saw(double.client_secret)
    finally:
        await other.stop()


@pytest.mark.parametrize("grant", ["refresh_token", "authorization_code"])
async def test_token_request_does_not_follow_a_redirect_with_secrets(double, grant):
    other = await RecordingOrigin().start()
    double.redirect_to = other.base_url
    double.valid_codes.add("code-1")
    auth = ChzzkAuth(base_url=double.base_url, client_id=double.client_id, client_secret=double.client_secret,
                     store=MemoryTokenStore(TokenSet("user-token-1", "refresh-1", expires_at=0)))
    try:
        with pytest.raises(AuthError, match="redirect"):
            if grant == "refresh_token":
                await auth.refresh()
            else:
                await auth.exchange_code("code-1", "state-1")
        assert other.requests == []
        assert not other.saw(double.client_secret) and not other.saw("refresh-1")
        assert auth.tokens.access_token == "user-token-1"  # nothing from the other origin accepted
    finally:
        await other.stop()


async def test_dropped_frames_are_logged_rate_limited(double, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="aischoco_gui.chat.sio_compat")
    src, st, got = await live(double)
    try:
        for _ in range(200):
            await double.push_frame("42{}")
        await double.push_chat("after the burst")
        await wait_for(lambda: len(got) == 1)
        lines = [r for r in caplog.records if r.name == "aischoco_gui.chat.sio_compat"]
        assert src._sio.frame_guard.dropped == 200
        assert 1 <= len(lines) <= 2 and "42{}" in lines[0].getMessage()  # the raw frame, once
    finally:
        await src.stop()
