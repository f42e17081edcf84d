"""What to tell the streamer about a CHZZK action's answer (Korean first, English too).

401 → log in again; 403 → the scope that is missing, by name; 429 → when to try again; any other
refusal → CHZZK's own message. Used next to the action (chat panel, reply panel, chat settings,
chat echo), so nothing the API says is silently dropped.
"""

from __future__ import annotations

from aischoco_gui.chat.chzzk_api import (
    ACTION_SCOPES,
    ApiForbidden,
    ApiRateLimited,
    ApiUnauthorized,
    ChzzkApiError,
    missing_scopes,
)
from aischoco_gui.i18n import register, tr

register({
    "api.ok": ("완료: {action}", "Done: {action}"),
    "api.unauthorized": ("{action} 실패: CHZZK 로그인이 만료됐거나 잘못됐어요 (401). 다시 로그인하세요.",
                         "{action} failed: the CHZZK login is invalid or expired (401). Log in again."),
    "api.forbidden": ("{action} 실패: 권한 '{scope}'이(가) 허용되지 않았어요 (403). CHZZK 개발자 센터에서 "
                      "앱에 이 권한을 추가하고 다시 로그인하세요.",
                      "{action} failed: the scope '{scope}' was not granted (403). Add it to the app in "
                      "CHZZK's developer center and log in again."),
    "api.forbidden_plain": ("{action} 실패: CHZZK가 거부했어요 (403 {message})",
                            "{action} failed: CHZZK refused it (403 {message})"),
    "api.rate_limited": ("{action} 실패: 요청이 너무 많아요 (429). {s:.0f}초 뒤에 다시 해 보세요.",
                         "{action} failed: too many requests (429). Try again in {s:.0f}s."),
    "api.failed": ("{action} 실패: {status} {message}", "{action} failed: {status} {message}"),
    "api.other": ("{action} 실패: {error}", "{action} failed: {error}"),
    "api.action.send_chat": ("채팅 전송", "Send chat"),
    "api.action.set_notice": ("공지 등록", "Pin notice"),
    "api.action.get_chat_settings": ("채팅 설정 읽기", "Read chat settings"),
    "api.action.update_chat_settings": ("채팅 설정 변경", "Change chat settings"),
    "api.action.blind_message": ("메시지 숨기기", "Hide message"),
    "api.action.temporary_restrict": ("임시 제한", "Temporary restriction"),
    "api.action.restrict": ("활동 제한", "Restrict (ban)"),
    "api.action.unrestrict": ("활동 제한 해제", "Lift restriction"),
    "api.action.revoke_token": ("로그아웃(토큰 취소)", "Log out (revoke token)"),
    "scopes.all": ("CHZZK 권한: 모두 허용됨", "CHZZK scopes: all granted"),
    "scopes.missing": ("CHZZK 권한 없음: {scopes}", "CHZZK scopes missing: {scopes}"),
    "scopes.unknown": ("CHZZK 권한: 알 수 없음 (토큰 응답에 scope가 없어요 — 각 동작의 결과로 확인)",
                       "CHZZK scopes: unknown (the token reply named none — each action's answer will tell)"),
    "scopes.no_login": ("CHZZK 권한: 로그인 전", "CHZZK scopes: not logged in"),
})


def scope_summary(auth: object) -> str:
    """One line: which action scopes the login lacks (``oauth.granted_scope`` against every action)."""
    if not getattr(auth, "has_user_token", False):
        return tr("scopes.no_login")
    granted = str(getattr(auth, "granted_scope", "") or "")
    if not granted:
        return tr("scopes.unknown")
    missing = missing_scopes(granted, *[a for a, s in ACTION_SCOPES.items() if s])
    return tr("scopes.all") if not missing else tr("scopes.missing", scopes=", ".join(sorted(missing)))


def action_label(action: str) -> str:
    return tr(f"api.action.{action}")


def describe_api_error(action: str, e: BaseException) -> str:
    """One line for the streamer about why ``action`` failed."""
    label = action_label(action)
    if isinstance(e, ApiUnauthorized):
        return tr("api.unauthorized", action=label)
    if isinstance(e, ApiForbidden):
        if e.scope:
            return tr("api.forbidden", action=label, scope=e.scope)
        return tr("api.forbidden_plain", action=label, message=e.api_message)
    if isinstance(e, ApiRateLimited):
        return tr("api.rate_limited", action=label, s=max(1.0, e.retry_after_s))
    if isinstance(e, ChzzkApiError):
        return tr("api.failed", action=label, status=e.status or "", message=e.api_message)
    return tr("api.other", action=label, error=str(e) or type(e).__name__)


def describe_ok(action: str) -> str:
    return tr("api.ok", action=action_label(action))
