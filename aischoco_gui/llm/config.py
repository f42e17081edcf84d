"""The LLM adapter's plain configuration (built from ``Settings`` by ``aischoco_gui.service_config``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LlmConfig:
    provider: str = "auto"  # LLM_PROVIDER: auto | a preset name (providers.PRESETS)
    base_url: str = "https://api.groq.com/openai/v1"
    model: str = "openai/gpt-oss-120b"  # GROQ_MODEL
    base_url_set: bool = False  # LLM_BASE_URL / GROQ_MODEL were set by the user (not defaults):
    model_set: bool = False  # a preset then keeps them instead of its own
    api_keys: Mapping[str, str] = field(default_factory=dict)  # preset key field (e.g. "groq_api_key") → key
    fallbacks: str = ""  # LLM_FALLBACKS
    timeout_s: float = 5.0
    max_retries: int = 3
    max_tokens: int = 1024
    temperature: float = -1.0  # < 0: the provider's default
    retry_backoff_s: float = 0.5
    mode: str = "auto"  # LLM_MODE: auto | json | stream
    emotions: str = ""  # LLM_EMOTIONS ("" = from pose_mapping.json)
    banned_words: str = ""  # LLM_BANNED_WORDS (used only when no shared word filter is given)
    word_filter_allow: str = ""  # WORD_FILTER_ALLOW
    word_filter_leet: bool = False  # WORD_FILTER_LEET
    summary_threshold: int = 7000
    keep_tokens: int = 5000
    hard_limit: int = 8000

    def key(self, key_field: str) -> str:
        return str(self.api_keys.get(key_field, "") or "") if key_field else ""

    def __hash__(self) -> int:  # api_keys is a dict: hash by identity (never used as a key anyway)
        return id(self)
