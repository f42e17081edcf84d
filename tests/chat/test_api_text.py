"""What the streamer is told about CHZZK actions: the missing scope by name, retry-after, login state."""

from __future__ import annotations

import dataclasses

from aischoco_gui.chat.api_text import describe_api_error, scope_summary
from aischoco_gui.chat.chzzk_api import ApiForbidden, ApiRateLimited, ApiUnauthorized, ChzzkApiError
from aischoco_gui.chat.oauth import ChzzkAuth, MemoryTokenStore, TokenSet
from aischoco_gui.firstrun import check_chat
from aischoco_gui.i18n import tr
from aischoco_gui.settings import Settings


def auth(scope: str | None) -> ChzzkAuth:
    tokens = None if scope is None else TokenSet("tok", "ref", scope=scope)
    return ChzzkAuth(base_url="http://127.0.0.1:9", client_id="c", client_secret="s", store=MemoryTokenStore(tokens))


def test_errors_name_the_scope_and_the_wait():
    assert "활동 제한" in describe_api_error("restrict", ApiForbidden("restrict", 403, "FORBIDDEN"))
    assert "401" in describe_api_error("set_notice", ApiUnauthorized("set_notice", 401, "INVALID_TOKEN"))
    msg = describe_api_error("blind_message", ApiRateLimited("blind_message", 429, "TOO_MANY", retry_after_s=12))
    assert "429" in msg and "12" in msg
    assert "해당 메시지를 찾을 수 없습니다" in describe_api_error(
        "blind_message", ChzzkApiError("blind_message", 404, "해당 메시지를 찾을 수 없습니다."))


def test_scope_summary_lists_what_is_missing():
    assert scope_summary(auth(None)) == tr("scopes.no_login")
    assert scope_summary(auth("")) == tr("scopes.unknown")
    line = scope_summary(auth("채팅 메시지 조회 채팅 메시지 전송 채팅 공지 등록"))
    assert "활동 제한" in line and "채팅 메시지 숨기기" in line and "채팅 메시지 전송" not in line


async def test_setup_check_shows_the_granted_scopes():
    s = dataclasses.replace(Settings(), chat_source="chzzk", chzzk_client_id="c", chzzk_client_secret="s")
    res = await check_chat(s, auth("채팅 메시지 조회"))
    assert res.ok and tr("firstrun.chat.ok") in res.message and "활동 제한" in res.message
