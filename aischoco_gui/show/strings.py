"""UI strings of the show tools (Korean first, English too)."""

from __future__ import annotations

from aischoco_gui.i18n import register

register({
    "cue.bad_kind": ("종류는 {kinds} 중 하나여야 해요 (입력: {got})", "kind must be one of {kinds} (got {got})"),
    "show.alert_failed": ("후원·구독 알림을 오버레이에 띄우지 못했어요 (채팅과 감사 멘트는 계속돼요). "
                          "자세한 내용은 로그에 있어요",
                          "The donation/subscription alert could not be shown on the overlay (chat and thanks go "
                          "on). Details in the log"),
    "cue.empty": ("문장이 비어 있어요", "the text is empty"),
    "cue.too_long": ("문장이 {n}자보다 길어요", "the text is longer than {n} characters"),
    "cue.bad_time": ("시각은 HH:MM 형식이어야 해요 (입력: {got})", "the time must be HH:MM (got {got})"),
    "cue.bad_minutes": ("분은 0보다 크고 1440 이하여야 해요 (입력: {got})",
                        "minutes must be more than 0 and at most 1440 (got {got})"),
    "cue.not_object": ("항목 형식이 올바르지 않아요", "the cue is not an object"),
    "cue.bad_value": ("항목의 값을 읽을 수 없어요 (숫자 칸을 확인하세요)",
                      "a value of the cue cannot be read (check the numbers)"),
    "show.kind.thanks": ("감사", "Thanks"),
    "show.kind.idle_talk": ("잡담", "Idle talk"),
    "show.kind.run_sheet": ("진행표", "Run sheet"),
    "show.thanks.default_levels": ("기본 단계", "the default levels"),
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
