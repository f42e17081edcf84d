"""The unofficial cmd-protocol source against its loopback double."""

from __future__ import annotations

import asyncio

import pytest

from aischoco_gui.chat.backoff import Backoff
from aischoco_gui.chat.chzzk_unofficial import ChzzkUnofficialChatSource, ws_server_index
from aischoco_gui.chat.models import ROLE_STREAMER
from aischoco_gui.events import EventBus, ServiceState
from tests.chat_helpers import StatusLog, running_source, wait_for
from tests.doubles.chzzk_unofficial_server import ChzzkUnofficialDouble


@pytest.fixture
async def udouble():
    d = await ChzzkUnofficialDouble().start()
    yield d
    await d.stop()


def make(d: ChzzkUnofficialDouble, bus: EventBus, **kw) -> ChzzkUnofficialChatSource:
    return ChzzkUnofficialChatSource(bus, channel_id=d.channel_id, api_base=d.base_url, game_api_base=d.base_url,
                                     ws_url=d.ws_url, poll_s=kw.pop("poll_s", 0.1), ping_s=kw.pop("ping_s", 0.2),
                                     backoff=Backoff(base_s=0.02, max_s=0.1), step_timeout_s=2.0, **kw)


def started(d: ChzzkUnofficialDouble, **kw):
    """``async with started(udouble) as (bus, st, got, src):`` a started source, stopped at the end."""
    return running_source(lambda bus: make(d, bus, **kw))


async def test_connect_read_chat_donation_and_ping(udouble):
    async with started(udouble) as (bus, st, got, src):
        await st.wait(ServiceState.READY)
        assert udouble.log.count(("connect", True)) == 1
        await udouble.push_chat("안녕 {:e1:}", nickname="스트리머", role="streamer", emojis={"e1": "https://e/1.png"})
        await udouble.push_donation("후원!", 3000)
        await udouble.push_frame("not json")
        await udouble.push_frame({"cmd": 93101, "bdy": [{"profile": "{broken", "msg": "x"}]})
        await udouble.push_chat("마지막")
        await wait_for(lambda: len(got) == 3)
        assert got[0].role == ROLE_STREAMER and got[0].emojis == {"e1": "https://e/1.png"}
        assert got[0].source == "chzzk-unofficial" and got[0].user_id == "u-1"
        assert got[1].donation_amount == 3000 and got[1].text == "후원!"
        assert got[2].text == "마지막"
        await udouble.server_ping()
        await wait_for(lambda: udouble.count("pong") >= 1, what="pong to server ping")
        await wait_for(lambda: udouble.count("client_ping") >= 1, timeout=2, what="client ping")


async def test_offline_then_live_and_channel_change(udouble):
    udouble.live = False
    async with started(udouble) as (bus, st, got, src):
        await st.wait(ServiceState.DEGRADED)
        udouble.new_broadcast("N1first")
        await st.wait(ServiceState.READY)
        assert src.chat_channel_id == "N1first"
        udouble.new_broadcast("N1second")  # a new broadcast: chatChannelId changes
        await st.wait(ServiceState.READY, after=1, timeout=3)
        assert src.chat_channel_id == "N1second"
        await udouble.push_chat("new broadcast")
        await wait_for(lambda: [m.text for m in got] == ["new broadcast"])


async def test_drop_reconnects(udouble):
    async with started(udouble, poll_s=5) as (bus, st, got, src):
        await st.wait(ServiceState.READY)
        await udouble.drop_all()
        await st.wait(ServiceState.RECONNECTING)
        await st.wait(ServiceState.READY, after=1)
        await udouble.push_chat("back")
        await wait_for(lambda: len(got) == 1)
        assert udouble.count("access_token") == 2  # a fresh token per connection


async def test_no_channel_is_not_configured():
    bus = EventBus()
    st = StatusLog(bus)
    src = ChzzkUnofficialChatSource(bus, channel_id="")
    await src.start(lambda m: None)
    assert st.current.state == ServiceState.NOT_CONFIGURED
    await src.stop()


def test_shard_index_in_range():
    assert all(1 <= ws_server_index(c) <= 9 for c in ("N1abcd", "x", "9f8e7d6c"))
    assert ws_server_index("a") == ord("a") % 9 + 1


async def test_stop_is_quick(udouble):
    bus = EventBus()
    src = make(udouble, bus)
    st = StatusLog(bus)
    await src.start(lambda m: None)
    await st.wait(ServiceState.READY)
    t = asyncio.get_running_loop().time()
    await src.stop()
    assert asyncio.get_running_loop().time() - t < 1.0


async def test_93102_dispatches_on_msg_type_code(udouble):
    """Subscriptions and system messages share cmd 93102 with donations: never a ₩0 donation."""
    from aischoco_gui.chat.models import KIND_DONATION, KIND_SUBSCRIPTION

    async with started(udouble) as (bus, st, got, src):
        await st.wait(ServiceState.READY)
        await udouble.push_system("누군가 구독권을 선물했어요")
        await udouble.push_subscription("구독자B", month=12, tier_no=2, tier_name="티어 2", text="1년째!")
        await udouble.push_paid(99, {"whatever": True})  # an unknown code: skipped, not a donation
        await udouble.push_donation("진짜 후원", 5000)
        await udouble.push_chat("끝")
        await wait_for(lambda: len(got) == 3)
        await asyncio.sleep(0.05)  # time is the subject: a negative check, nothing more may arrive
        assert [m.kind for m in got] == [KIND_SUBSCRIPTION, KIND_DONATION, "chat"]
        sub, don, _ = got
        assert not sub.is_donation and sub.donation_amount is None
        assert (sub.nickname, sub.subscription_months, sub.subscription_tier, sub.subscription_tier_name,
                sub.text) == ("구독자B", 12, 2, "티어 2", "1년째!")
        assert don.donation_amount == 5000 and don.is_donation
        assert [m for m in got if m.is_donation and not m.donation_amount] == []
        assert src.skipped == 2
