"""UI strings shared by the chat sources (Korean first, English second)."""

from __future__ import annotations

from aischoco_gui.i18n import register

register({
    "chat.status.connecting": ("CHZZK 연결 중", "connecting to CHZZK"),
    "chat.status.live": ("실시간 채팅 수신 중", "live"),
    "chat.status.live_unofficial": ("실시간 채팅 수신 중 (비공식)", "live (unofficial)"),
    "chat.status.reconnecting": ("CHZZK 재연결 대기 ({delay:.0f}초)", "reconnecting to CHZZK in {delay:.0f}s"),
    "chat.status.login": ("CHZZK 로그인이 필요합니다", "CHZZK login needed"),
    "chat.status.revoked": ("CHZZK 권한이 취소되었습니다. 다시 로그인하세요",
                            "CHZZK revoked the permission; log in again"),
    "chat.status.offline": ("방송이 꺼져 있어요 (방송 시작을 기다리는 중)",
                            "channel offline (waiting for the broadcast)"),
    "chat.not_configured": ("CHZZK 설정 필요: CLIENT_ID/SECRET와 로그인(또는 CHZZK_ACCESS_TOKEN)",
                            "CHZZK needs CHZZK_CLIENT_ID/SECRET and a login (or CHZZK_ACCESS_TOKEN)"),
    "chat.notice.unknown_system": ("CHZZK에서 알 수 없는 SYSTEM 메시지: {type}",
                                   "CHZZK sent an unknown SYSTEM type: {type}"),
    "chat.notice.donation_refused": ("후원 구독 권한 없음 — 채팅만 받습니다",
                                     "No permission for donation events — receiving chat only"),
    "chat.notice.subscription_refused": ("구독 이벤트 권한 없음 — 구독 알림 없이 계속합니다",
                                         "No permission for subscription events — continuing without them"),
    "chat.notice.event_refused": ("{event} 구독 권한 없음 — 채팅은 계속 받습니다",
                                  "No permission for {event} events — chat continues"),
    "chat.unofficial_warning": (
        "비공식 채팅 읽기(chzzk-unofficial)를 사용 중입니다. CHZZK가 허용하지 않는 방식이며 언제든 막힐 수 있어요. "
        "가능하면 공식 Open API(CHAT_SOURCE=chzzk)를 쓰세요.",
        "Using the unofficial read-only chat (chzzk-unofficial). CHZZK does not allow it and it may stop "
        "working at any time; prefer the official Open API (CHAT_SOURCE=chzzk)."),
    "chat.unofficial_no_channel": ("CHZZK_CHANNEL_ID가 필요합니다", "CHZZK_CHANNEL_ID is needed"),
})
