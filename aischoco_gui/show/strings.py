"""UI strings of the show tools (Korean first, English too)."""

from __future__ import annotations

from aischoco_gui.i18n import register

register({
    # settings dialog labels (the dialog looks up "settings.<field>")
    "settings.chzzk_chat_echo": ("채팅으로 답장 올리기", "Post replies to chat"),
    "settings.chat_echo_mode": ("긴 답장 채팅 처리 (split=나눠 보내기, trim=줄이기)",
                                "Long replies in chat (split / trim)"),
    "settings.idle_talk_seconds": ("채팅이 조용하면 잡담 제안 (초, 0=끔)", "Idle talk after quiet chat (s, 0=off)"),
    "settings.thanks_donation_levels": ("후원 감사 단계 (₩:지시;…)", "Donation thanks levels (₩:instruction;…)"),
    "settings.thanks_subscription_levels": ("구독 감사 단계 (개월:지시;…)", "Subscription thanks levels (months:…)"),
    "settings.thanks_auto_approve": ("감사 멘트 자동 승인 (필터에 걸린 것은 대기)",
                                     "Auto-approve thanks (flagged ones still wait)"),
    "settings.run_sheet_enabled": ("진행표 사용", "Use the run sheet"),
    "show.kind.thanks": ("감사", "Thanks"),
    "show.kind.idle_talk": ("잡담", "Idle talk"),
    "show.kind.run_sheet": ("진행표", "Run sheet"),
    "show.idle.failed": ("잡담 제안 실패: {error}", "Idle talk failed: {error}"),
    "show.thanks.failed": ("감사 멘트 생성 실패: {error} — 기본 감사 인사를 대신 넣었어요",
                           "Thanks generation failed: {error} — a plain thank-you was queued instead"),
    "show.run_sheet.llm_failed": ("진행표 멘트 생성 실패: {error} — 적어 둔 문장을 그대로 넣었어요",
                                  "Run sheet phrasing failed: {error} — the cue text was queued as written"),
    "show.run_sheet.corrupt": ("진행표 파일 {name}을(를) 읽을 수 없어 {aside}(으)로 옮겼어요: {error}",
                               "Run sheet {name} was unreadable ({error}); moved aside to {aside}"),
    "show.run_sheet.unmovable": ("진행표 파일 {name}을(를) 읽을 수 없고 옮기지도 못했어요: {error}",
                                 "Run sheet {name} is unreadable ({error}) and could not be moved aside"),
    "show.run_sheet.bad_cue": ("진행표 {n}번 항목을 건너뛰었어요: {error}", "Run sheet cue {n} skipped: {error}"),
    "show.run_sheet.too_many": ("진행표는 앞의 {n}개 항목만 사용해요", "Run sheet: only the first {n} cues are used"),
    "show.echo.failed": ("채팅 전송 실패: {error} (메시지: {message})",
                         "Chat echo failed: {error} (message: {message})"),
})
