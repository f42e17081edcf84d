"""UI strings for the LLM settings (the settings dialog labels fields via ``settings.<field>``)."""

from __future__ import annotations

from aischoco_gui.i18n import register

register({
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
