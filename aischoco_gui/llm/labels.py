"""UI strings for the LLM settings (the settings dialog labels fields via ``settings.<field>``)."""

from __future__ import annotations

from aischoco_gui.i18n import register

register({
    "llm.history_dropped": ("대화 기록이 {limit} 토큰을 넘어 오래된 {n}개를 버렸어요 (요약 실패: {error})",
                            "The conversation passed {limit} tokens; the {n} oldest turns were dropped "
                            "(summary failed: {error})"),
    "llm.summary_failed": ("대화 요약 실패: {error}", "Conversation summary failed: {error}"),
    "llm.summary_not_saved": ("history/summary.json를 저장하지 못했어요 ({error}); 요약은 메모리에 있고 다시 시도해요",
                              "history/summary.json could not be saved ({error}); the summary is kept in memory "
                              "and saving is retried"),
    "llm.summary_saved_again": ("history/summary.json 저장됨 (saved again)", "history/summary.json saved again"),
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
