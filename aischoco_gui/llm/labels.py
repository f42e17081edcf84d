"""UI strings for the LLM settings (the settings dialog labels fields via ``settings.<field>``)."""

from __future__ import annotations

from aischoco_gui.i18n import register

register({
    "llm.history_dropped": ("대화 기록이 {limit} 토큰을 넘어 오래된 {n}개를 버렸어요 (요약이 안 됐어요: {error})",
                            "The conversation passed {limit} tokens; the {n} oldest turns were dropped "
                            "(the summary failed: {error})"),
    "llm.summary_failed": ("대화 요약이 안 됐어요 (나중에 다시 시도해요). {error}",
                           "The conversation summary failed (it tries again later). {error}"),
    "llm.summary_not_saved": ("history/summary.json을 저장하지 못했어요: 요약은 메모리에 있고 다시 시도해요. {error}",
                              "history/summary.json could not be saved: the summary is kept in memory and saving "
                              "is retried. {error}"),
    "llm.summary_saved_again": ("history/summary.json을 다시 저장했어요", "history/summary.json saved again"),
    "llm.summary_unreadable": ("history/summary.json을 읽을 수 없어서 {aside}(으)로 옮겨 두고 요약 없이 시작해요",
                               "history/summary.json was unreadable; moved to {aside}; starting without a summary"),
    "llm.summary_unreadable_kept": ("history/summary.json을 읽을 수 없어서 요약 없이 시작해요 (파일은 그대로 둠)",
                                    "history/summary.json was unreadable; starting without a summary (file left "
                                    "as it is)"),
    "llm.summary_trimmed": ("history/summary.json이 너무 길어 ({before}자) 최근 {after}자만 남겼어요; "
                            "원본은 history/backups/{backup}",
                            "history/summary.json was too long ({before} characters); kept the newest {after}; "
                            "the original is history/backups/{backup}"),
    "llm.summary_trimmed_nobackup": ("history/summary.json이 너무 길어 ({before}자) 앞부분을 빼고 {after}자만 써요; "
                                     "원본은 그대로 두었어요 (백업을 만들 수 없었어요)",
                                     "history/summary.json was too long ({before} characters); using the newest "
                                     "{after}; the original is left as it is (no backup could be made)"),
    "llm.status.no_key": ("API 키가 없어요 — 설정 → AI에서 넣으세요", "no API key — open Settings → AI"),
    "llm.status.retry": ("{endpoint}: {attempt}번째 다시 시도 중", "{endpoint}: retry {attempt}"),
    "llm.status.failed": ("요청 실패. {why}", "request failed. {why}"),
    "llm.status.fallback": ("대체 LLM 사용 중: {endpoint}", "fallback: {endpoint}"),
    "llm.status.history_not_saved": ("대화 요약을 저장하지 못했어요 (디스크 공간과 폴더 권한을 확인하세요)",
                                     "the summary is not saved (check the disk space and the folder's permissions)"),
    "llm.notice.bad_fallbacks": ("대체 LLM 설정(LLM_FALLBACKS)을 읽을 수 없어 첫 서버만 써요. 설정 → AI에서 고치세요",
                                 "The fallback LLMs (LLM_FALLBACKS) could not be read; using the first server only. "
                                 "Fix them in Settings → AI"),
    "settings.llm_provider": ("LLM 제공자", "LLM provider"),
    "settings.llm_mode": ("응답 방식 (auto / json / stream)", "Reply mode (auto / json / stream)"),
    "settings.llm_fallbacks": ("대체 제공자 (쉼표로 구분, 예: cerebras, ollama=qwen2.5:7b)",
                               "Fallback providers (comma-separated, e.g. cerebras, ollama=qwen2.5:7b)"),
    "settings.cerebras_api_key": ("Cerebras API 키", "Cerebras API key"),
    "settings.openai_api_key": ("OpenAI API 키", "OpenAI API key"),
    "settings.llm_banned_words": ("금지어 (쉼표로 구분, 걸리면 자동 발화 안 함)",
                                  "Banned words (comma-separated; a hit is never spoken automatically)"),
    "settings.history_summary_threshold": ("요약 시작 토큰 수", "Summarize at (tokens)"),
    "settings.history_keep_tokens": ("요약 후 남길 최근 토큰 수", "Recent tokens kept after a summary"),
    "settings.history_max_tokens": ("대화 기록 최대 토큰 수", "History hard limit (tokens)"),
})
