"""CHZZK Open API actions (chat/chzzk_api.py) against the strict loopback double."""

from __future__ import annotations

import logging

import pytest

from aischoco_gui.chat.backoff import Backoff
from aischoco_gui.chat.chzzk_api import (
    SLOW_MODE_SECONDS,
    ApiForbidden,
    ApiRateLimited,
    ApiUnauthorized,
    ChatSettings,
    ChzzkApi,
    ChzzkApiError,
    fit_message,
    missing_scopes,
    units,
)
from aischoco_gui.chat.chzzk_official import ChzzkOfficialChatSource
from aischoco_gui.chat.oauth import ChzzkAuth, MemoryTokenStore, TokenSet
from aischoco_gui.events import EventBus, ServiceState
from tests.chat_helpers import StatusLog, wait_for
from tests.doubles.chzzk_api_server import SCOPES, ChzzkApiDouble
from tests.doubles.chzzk_server import RecordingOrigin


@pytest.fixture
async def double():
    d = await ChzzkApiDouble(ping_interval_ms=300, ping_timeout_ms=300).start()
    yield d
    await d.stop()


def make_auth(d: ChzzkApiDouble, access: str = "user-token-1") -> ChzzkAuth:
    return ChzzkAuth(base_url=d.base_url, client_id=d.client_id, client_secret=d.client_secret,
                     store=MemoryTokenStore(TokenSet(access, "refresh-1", expires_at=0)))


@pytest.fixture
async def api(double):
    auth = make_auth(double)
    a = ChzzkApi(double.base_url, auth.access_token, refresh=auth.refresh)
    a.auth = auth
    yield a
    await a.aclose()


# -- the ≤ 100 character rule ------------------------------------------------------------------

LONG = ("오늘 방송에 와 주셔서 정말 고마워요! 이번 주 토요일 밤 9시에는 특별 게스트와 함께 합방을 할 예정이니 "
        "꼭 알림 설정해 주세요. 그리고 디스코드 서버에서 다음 방송 주제 투표도 하고 있어요. "
        "많이 참여해 주시면 좋겠어요~ 그럼 다음 방송에서 만나요!")


def test_split_keeps_sentences_and_words_whole():
    parts = fit_message(LONG, 100, "split")
    assert len(parts) > 1 and all(units(p) <= 100 for p in parts)
    words = LONG.split()
    assert " ".join(parts).split() == words  # nothing lost, no word cut in the middle
    assert all(p.split()[0] in words and p.split()[-1] in words for p in parts)
    assert parts[0].endswith(("!", ".", "~"))  # cut at a sentence end


def test_trim_ends_on_a_word_boundary():
    [one] = fit_message(LONG, 100, "trim")
    assert units(one) <= 100 and one.endswith("…")
    assert all(w in LONG.split() for w in one[:-1].split())


def test_emoji_counts_two_units_and_an_overlong_word_is_cut():
    assert units("😀") == 2
    parts = fit_message("😀" * 60, 100, "split")
    assert [units(p) for p in parts] == [100, 20]
    assert fit_message("짧은 말", 100) == ["짧은 말"]


# -- actions -------------------------------------------------------------------------------------

async def test_send_chat_splits_and_the_double_accepts_each_part(api, double, caplog):
    caplog.set_level(logging.INFO, logger="aischoco_gui.chat.chzzk_api")
    results = await api.send_chat(LONG)
    assert [r.content["messageId"] for r in results] == [c["messageId"] for c in double.sent_chats]
    assert " ".join(c["message"] for c in double.sent_chats).split() == LONG.split()
    assert all(r.code == 200 for r in results)
    assert "send_chat" in caplog.text and "user-token-1" not in caplog.text  # logged, token never
    [trimmed] = await api.send_chat(LONG, overflow="trim")
    assert double.sent_chats[-1]["message"].endswith("…")
    assert trimmed.content["messageId"] == double.sent_chats[-1]["messageId"]


async def test_double_refuses_more_than_100_characters(double):
    import httpx

    async with httpx.AsyncClient(base_url=double.base_url) as c:
        r = await c.post("/open/v1/chats/send", json={"message": "가" * 101},
                         headers={"Authorization": "Bearer user-token-1"})
    assert r.status_code == 400 and r.json()["code"] == 400 and double.sent_chats == []


async def test_notice_with_message_or_message_id(api, double):
    [sent] = await api.send_chat("공지로 올릴 말")
    await api.set_notice(message_id=sent.content["messageId"])
    await api.set_notice("새 공지")
    assert double.notices == [{"message": None, "messageId": "msg-1"}, {"message": "새 공지", "messageId": None}]
    with pytest.raises(ValueError):
        await api.set_notice("a", message_id="b")
    with pytest.raises(ChzzkApiError) as e:
        await api.set_notice(message_id="no-such-id")
    assert e.value.status == 404 and "MESSAGE_NOT_FOUND" in str(e.value)


async def test_chat_settings_get_change_and_validate(api, double):
    s = await api.get_chat_settings()
    assert s == ChatSettings()
    await api.update_chat_settings(chat_slow_mode_sec=5, chat_available_group="FOLLOWER", min_follower_minute=60)
    assert double.chat_settings["chatSlowModeSec"] == 5 and double.chat_settings["chatAvailableGroup"] == "FOLLOWER"
    assert double.settings_puts[-1]["minFollowerMinute"] == 60
    assert (await api.get_chat_settings()).chat_slow_mode_sec == 5  # reflects the real state
    for bad in ({"chat_slow_mode_sec": 7}, {"chat_available_group": "VIP"}, {"min_follower_minute": 3}):
        with pytest.raises(ValueError):
            await api.update_chat_settings(**bad)
    assert len(double.settings_puts) == 1  # nothing invalid was sent
    assert set(SLOW_MODE_SECONDS) == {0, 3, 5, 10, 30, 60, 120, 300}


async def test_double_refuses_a_slow_mode_chzzk_does_not_allow(api, double):
    bad = ChatSettings(chat_slow_mode_sec=7)
    with pytest.raises(ChzzkApiError) as e:
        await api._call("update_chat_settings", "PUT", "/open/v1/chats/settings", bad.to_api())
    assert e.value.status == 400


async def test_blind_a_received_message(double):
    """From a message the official source received (chatChannelId + messageTime + senderChannelId)."""
    bus = EventBus()
    st = StatusLog(bus)
    got = []
    auth = make_auth(double)
    src = ChzzkOfficialChatSource(bus, auth, base_url=double.base_url, client_id=double.client_id,
                                  client_secret=double.client_secret, backoff=Backoff(base_s=0.02, max_s=0.1),
                                  step_timeout_s=3.0)
    api = ChzzkApi(double.base_url, auth.access_token)
    await src.start(got.append)
    try:
        await st.wait(ServiceState.READY)
        await double.push_chat("나쁜 말", sender="troll-1", message_time=1_700_000_000_555)
        await wait_for(lambda: len(got) == 1)
        r = await api.blind(got[0])
        assert r.code == 200
        assert double.blinded == [("chat-chan-1", 1_700_000_000_555, "troll-1")]
        with pytest.raises(ChzzkApiError) as e:
            await api.blind_message("chat-chan-1", 1, "troll-1")  # no such message
        assert e.value.status == 404
    finally:
        await src.stop()
        await api.aclose()


async def test_restrict_unrestrict_and_temporary(api, double):
    await api.restrict("troll-1")
    assert double.restricted == {"troll-1"}
    await api.unrestrict("troll-1")
    assert double.restricted == set()
    await api.temporary_restrict("troll-2", "chat-chan-1")
    assert double.temp_restricted == [("troll-2", "chat-chan-1")]


async def test_revoke_token_logs_out(api, double):
    r = await api.revoke_token("user-token-1", client_id=double.client_id, client_secret=double.client_secret)
    assert r.code == 200 and "user-token-1" not in double.valid_access
    with pytest.raises(ApiUnauthorized):
        await api.revoke_token("x", client_id=double.client_id, client_secret="wrong")


# -- typed errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("action,scope_key", [
    (lambda a: a.send_chat("hi"), "send"),
    (lambda a: a.set_notice("hi"), "notice"),
    (lambda a: a.get_chat_settings(), "settings_get"),
    (lambda a: a.update_chat_settings(ChatSettings()), "settings_put"),
    (lambda a: a.blind_message("c", 1, "s"), "blind"),
    (lambda a: a.restrict("t"), "restrict"),
    (lambda a: a.temporary_restrict("t", "c"), "temp_restrict"),
])
async def test_missing_scope_is_a_forbidden_error_naming_it(api, double, action, scope_key):
    double.granted_scopes.discard(SCOPES[scope_key])
    with pytest.raises(ApiForbidden) as e:
        await action(api)
    assert e.value.status == 403 and e.value.scope == SCOPES[scope_key]  # the app's scope name matches


async def test_invalid_token_refreshes_once_then_is_unauthorized(api, double):
    double.valid_access.discard("user-token-1")
    [r] = await api.send_chat("after refresh")
    assert r.code == 200 and api.auth.refresh_count == 1
    double.valid_access.clear()
    double.refresh_works = False
    with pytest.raises(ApiUnauthorized):
        await api.send_chat("no token")


async def test_rate_limit_is_a_typed_error_with_retry_after(api, double):
    double.rate_limits["send"] = (2, 30.0)
    await api.send_chat("1")
    await api.send_chat("2")
    with pytest.raises(ApiRateLimited) as e:
        await api.send_chat("3")
    assert e.value.status == 429 and 1 <= e.value.retry_after_s <= 30
    assert [c["message"] for c in double.sent_chats] == ["1", "2"]


async def test_split_send_refused_midway_reports_what_was_sent(api, double):
    double.rate_limits["send"] = (1, 30.0)
    with pytest.raises(ApiRateLimited) as e:
        await api.send_chat(LONG)
    assert len(e.value.sent) == 1 and len(double.sent_chats) == 1


async def test_actions_never_follow_a_redirect_with_the_token(api, double):
    other = await RecordingOrigin().start()
    double.redirect_to = other.base_url
    try:
        with pytest.raises(ChzzkApiError) as e:
            await api.send_chat("hello")
        assert e.value.status == 307 and "redirect" in str(e.value)
        with pytest.raises(ChzzkApiError):
            await api.revoke_token("user-token-1", client_id=double.client_id, client_secret=double.client_secret)
        assert other.requests == []
        assert not other.saw("user-token-1") and not other.saw(double.client_secret)
    finally:
        await other.stop()


def test_missing_scopes_from_the_token_reply():
    granted = "채팅 메시지 조회 채팅 메시지 전송 후원 조회"
    assert missing_scopes(granted, "send_chat") == set()
    assert missing_scopes(granted, "send_chat", "blind_message", "restrict") == {"채팅 메시지 숨기기", "활동 제한"}


async def test_granted_scope_from_the_token_reply_tells_what_is_missing(double):
    double.granted_scopes = {"채팅 메시지 조회", "채팅 메시지 전송"}
    double.valid_codes.add("code-1")
    auth = ChzzkAuth(base_url=double.base_url, client_id=double.client_id, client_secret=double.client_secret,
                     store=MemoryTokenStore())
    await auth.exchange_code("code-1", "state-1")
    assert missing_scopes(auth.granted_scope, "send_chat") == set()
    assert missing_scopes(auth.granted_scope, "send_chat", "set_notice") == {"채팅 공지 등록"}
