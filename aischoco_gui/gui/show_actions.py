"""The CHZZK show actions (issue 17) as a plain object: moderation, notice, chat settings, log out.

No Qt here: :class:`~aischoco_gui.gui.controller.AppController` calls these coroutines from its
``@asyncSlot`` boundary and hands the :class:`ActionResult` to the panel that asked, which shows it
next to the action. Every answer of the API (401, 403 with the missing scope, 429 with retry-after,
any other 4xx with CHZZK's message) becomes a line for the streamer; nothing is dropped silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aischoco_gui.chat.api_text import describe_api_error, describe_ok, scope_summary
from aischoco_gui.chat.chzzk_api import ChatSettings
from aischoco_gui.i18n import register, tr
from aischoco_gui.models import ChatMessage

log = logging.getLogger(__name__)

MODERATION = ("blind_message", "temporary_restrict", "restrict", "unrestrict")
DROPS_DRAFTS = ("blind_message", "temporary_restrict", "restrict")

register({
    "mod.blind_message": ("메시지 숨기기", "Hide message"),
    "mod.temporary_restrict": ("임시 제한", "Temporary restriction"),
    "mod.restrict": ("활동 제한 (밴)", "Restrict (ban)"),
    "mod.unrestrict": ("활동 제한 해제", "Lift restriction"),
    "mod.menu": ("CHZZK 관리: {nick}", "CHZZK moderation: {nick}"),
    "mod.confirm": ("{nick}님에게 '{action}'을(를) 할까요?\n메시지: {text}",
                    "{action} for {nick}?\nMessage: {text}"),
    "mod.unavailable": ("비공식·리허설 채팅 소스로는 CHZZK에서 관리할 수 없어요. 이 앱의 무시 목록(이 사용자 무시)을 "
                        "쓰세요. 공식 CHZZK API(CHAT_SOURCE=chzzk)에서만 쓸 수 있어요.",
                        "The unofficial / rehearsal chat source cannot moderate on CHZZK; the app's local ignore "
                        "list (Ignore this user) is used instead. Needs the official Open API (CHAT_SOURCE=chzzk)."),
    "mod.no_ids": ("이 메시지에는 CHZZK 식별 정보(chatChannelId·messageTime)가 없어요",
                   "This message has no CHZZK ids (chatChannelId, messageTime)"),
    "mod.dropped": (" · 이 사용자만 답하는 초안 {n}개를 뺐어요", " · removed {n} draft(s) answering only this user"),
    "mod.mixed": (" · 다른 채팅도 함께 답하는 초안 {n}개는 그대로 두었어요 (직접 확인하세요)",
                  " · kept {n} draft(s) that also answer others (check them yourself)"),
    "notice.pin": ("공지로 고정", "Pin as notice"),
    "notice.masked": (" · 금칙어를 가려서 올렸어요", " · banned words were masked"),
    "notice.all_banned": ("금칙어뿐이라 공지로 올리지 않았어요", "Only banned words: not pinned"),
    "notice.confirm": ("이 문장을 채팅 공지로 올릴까요?\n{text}", "Pin this as the chat notice?\n{text}"),
    "logout.done": ("로그아웃했어요: 토큰을 취소하고 저장된 토큰을 지웠어요", "Logged out: token revoked and removed"),
    "logout.revoke_failed": ("토큰 취소 실패({error}) — 저장된 토큰은 지웠어요",
                             "Revoking the token failed ({error}); the stored token was removed anyway"),
    "logout.nothing": ("로그인된 CHZZK 토큰이 없어요", "No CHZZK token to log out"),
})


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    text: str
    value: Any = None  # e.g. the ChatSettings read


def scope_status(services: Any) -> str:
    """One line: which action scopes the current login lacks (oauth ``granted_scope`` vs the actions)."""
    return scope_summary(services.auth())


class ShowActions:
    """CHZZK Open API actions on the services' shared login (``services.api()``)."""

    def __init__(self, services: Any) -> None:
        self.services = services

    async def moderate(self, action: str, msg: ChatMessage) -> ActionResult:
        if action not in MODERATION:
            raise ValueError(f"unknown moderation action {action!r}")
        if not self.services.can_moderate:
            return ActionResult(False, tr("mod.unavailable"))
        api = self.services.api()
        try:
            if action == "blind_message":
                if not (msg.chat_channel_id and msg.message_time_ms is not None and msg.user_id):
                    return ActionResult(False, tr("mod.no_ids"))
                await api.blind(msg)
            elif action == "temporary_restrict":
                if not msg.chat_channel_id:
                    return ActionResult(False, tr("mod.no_ids"))
                await api.temporary_restrict(msg.user_id, msg.chat_channel_id)
            elif action == "restrict":
                await api.restrict(msg.user_id)
            else:
                await api.unrestrict(msg.user_id)
        except Exception as e:
            log.warning("moderation %s failed: %s", action, e)
            return ActionResult(False, describe_api_error(action, e))
        text = describe_ok(action) + f" ({msg.nickname})"
        if action in DROPS_DRAFTS:
            skipped, mixed = self.services.pipeline.drop_user(msg.user_id)
            if skipped:
                text += tr("mod.dropped", n=len(skipped))
            if mixed:
                text += tr("mod.mixed", n=len(mixed))
        self.services.bus.notice(text)
        return ActionResult(True, text)

    async def pin_notice(self, text: str) -> ActionResult:
        """Pin ``text`` as the chat notice, with banned words masked (the same filter as everywhere)."""
        if not self.services.can_moderate:
            return ActionResult(False, tr("mod.unavailable"))
        masked = self.services.word_filter.mask(text)
        if not masked.strip("* "):
            return ActionResult(False, tr("notice.all_banned"))
        try:
            await self.services.api().set_notice(message=masked)
        except Exception as e:
            return ActionResult(False, describe_api_error("set_notice", e))
        done = describe_ok("set_notice")
        return ActionResult(True, done + (tr("notice.masked") if masked != text else ""))

    async def read_chat_settings(self) -> ActionResult:
        try:
            cs = await self.services.api().get_chat_settings()
        except Exception as e:
            return ActionResult(False, describe_api_error("get_chat_settings", e))
        return ActionResult(True, describe_ok("get_chat_settings"), cs)

    async def change_chat_settings(self, changes: dict[str, Any]) -> ActionResult:
        """GET the current settings, apply ``changes``, PUT; then read back what CHZZK now has."""
        api = self.services.api()
        try:
            await api.update_chat_settings(**changes)
            cs: ChatSettings = await api.get_chat_settings()
        except Exception as e:
            return ActionResult(False, describe_api_error("update_chat_settings", e))
        return ActionResult(True, describe_ok("update_chat_settings"), cs)

    async def logout(self) -> ActionResult:
        """Revoke the token at CHZZK (``/auth/v1/token/revoke``) and clear it from the credential store."""
        auth = self.services.auth()
        tokens = auth.tokens
        token = tokens.access_token if tokens else auth.static_token
        if not token:
            return ActionResult(False, tr("logout.nothing"))
        error = ""
        try:
            await self.services.api().revoke_token(token, client_id=auth.client_id, client_secret=auth.client_secret)
            if tokens is not None and tokens.refresh_token:
                await self.services.api().revoke_token(tokens.refresh_token, client_id=auth.client_id,
                                                       client_secret=auth.client_secret,
                                                       token_type_hint="refresh_token")
        except Exception as e:
            error = describe_api_error("revoke_token", e)
        auth.logout()  # cleared from keyring even if CHZZK could not be reached
        auth.static_token = ""
        if error:
            return ActionResult(False, tr("logout.revoke_failed", error=error))
        return ActionResult(True, tr("logout.done"))
