"""OpenAI-compatible providers: presets, what each accepts, and the fallback chain from the LLM config.

What a provider rejects is decided here, once, so the request builder never sends it:
Groq rejects ``logprobs``, ``logit_bias``, ``n>1``, ``messages[].name`` and ``reasoning*`` fields in
history; JSON modes do not stream on Groq; ``include_reasoning`` is Groq-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from aischoco_gui.llm.config import LlmConfig


@dataclass(frozen=True)
class Preset:
    name: str
    base_url: str
    default_model: str
    key_field: str  # the setting holding the API key (LlmConfig.api_keys key; "" = no key needed)
    json_schema: str  # "always" | "gpt-oss" (only for gpt-oss models) | "never"
    streams_json: bool  # can stream while in a JSON response_format
    max_tokens_field: str  # "max_completion_tokens" | "max_tokens"
    include_reasoning_flag: bool  # Groq's include_reasoning
    local: bool = False


PRESETS: dict[str, Preset] = {
    "groq": Preset("groq", "https://api.groq.com/openai/v1", "openai/gpt-oss-120b", "groq_api_key",
                   "gpt-oss", False, "max_completion_tokens", True),
    "cerebras": Preset("cerebras", "https://api.cerebras.ai/v1", "gpt-oss-120b", "cerebras_api_key",
                       "always", False, "max_completion_tokens", False),
    "openai": Preset("openai", "https://api.openai.com/v1", "gpt-4o-mini", "openai_api_key",
                     "always", True, "max_completion_tokens", False),
    "ollama": Preset("ollama", "http://localhost:11434/v1", "qwen2.5:7b", "", "never", True, "max_tokens",
                     False, local=True),
    "llamacpp": Preset("llamacpp", "http://localhost:8080/v1", "local", "", "always", True, "max_tokens",
                       False, local=True),
    "custom": Preset("custom", "", "", "groq_api_key", "gpt-oss", False, "max_completion_tokens", False),
}
PROVIDER_NAMES = ("auto",) + tuple(PRESETS)


@dataclass(frozen=True)
class Endpoint:
    """One concrete provider to call: preset capabilities + URL, model and key."""

    preset: Preset
    base_url: str
    model: str
    api_key: str

    @property
    def name(self) -> str:
        return self.preset.name

    @property
    def is_gpt_oss(self) -> bool:
        return "gpt-oss" in self.model.lower()

    @property
    def is_local(self) -> bool:
        return is_local_url(self.base_url)

    @property
    def uses_json_schema(self) -> bool:
        mode = self.preset.json_schema
        return mode == "always" or (mode == "gpt-oss" and self.is_gpt_oss)

    @property
    def configured(self) -> bool:
        """A key is set, or the server is local (local servers need none)."""
        return bool(self.api_key) or self.is_local or not self.preset.key_field

    def describe(self) -> str:
        return f"{self.name} · {self.model}"


def is_local_url(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


def preset_for_url(url: str) -> Preset:
    """Guess the preset from a base URL (``auto`` provider)."""
    u = urlparse(url)
    host = (u.hostname or "").lower()
    if host.endswith("groq.com"):
        return PRESETS["groq"]
    if host.endswith("cerebras.ai"):
        return PRESETS["cerebras"]
    if host.endswith("openai.com"):
        return PRESETS["openai"]
    if is_local_url(url) and u.port == 11434:
        return PRESETS["ollama"]
    return PRESETS["custom"]


def _key(cfg: LlmConfig, preset: Preset) -> str:
    return cfg.key(preset.key_field)


def primary_endpoint(cfg: LlmConfig) -> Endpoint:
    provider = cfg.provider or "auto"
    if provider == "auto":
        preset = preset_for_url(cfg.base_url)
        return Endpoint(preset, cfg.base_url.rstrip("/"), cfg.model or preset.default_model, _key(cfg, preset))
    preset = PRESETS[provider]
    url = cfg.base_url if (cfg.base_url_set or provider == "custom" or not preset.base_url) else preset.base_url
    model = cfg.model if (cfg.model_set or provider in ("groq", "custom")) else preset.default_model
    return Endpoint(preset, url.rstrip("/"), model or preset.default_model, _key(cfg, preset))


def parse_fallbacks(cfg: LlmConfig) -> list[Endpoint]:
    """``LLM_FALLBACKS``: comma-separated ``preset``, ``preset=model`` or ``http://url/v1=model``."""
    out: list[Endpoint] = []
    for item in (x.strip() for x in (cfg.fallbacks or "").split(",")):
        if not item:
            continue
        target, _, model = item.partition("=") if not item.startswith("http") else _split_url_model(item)
        target, model = target.strip(), model.strip()
        if target.startswith(("http://", "https://")):
            preset = preset_for_url(target)
            out.append(Endpoint(preset, target.rstrip("/"), model or cfg.model, _key(cfg, preset)))
        elif target.lower() in PRESETS and target.lower() != "custom":
            preset = PRESETS[target.lower()]
            out.append(Endpoint(preset, preset.base_url, model or preset.default_model, _key(cfg, preset)))
        else:
            raise ValueError(f"LLM_FALLBACKS: unknown provider {target!r} "
                             f"(use one of {', '.join(p for p in PRESETS if p != 'custom')} or a URL)")
    return out


def _split_url_model(item: str) -> tuple[str, str, str]:
    # the model follows the last "=" (URLs in this setting do not carry query strings)
    if "=" in item:
        url, _, model = item.rpartition("=")
        return url, "=", model
    return item, "", ""


def endpoints(cfg: LlmConfig) -> list[Endpoint]:
    """The primary endpoint followed by the fallback chain (duplicates removed)."""
    chain = [primary_endpoint(cfg), *parse_fallbacks(cfg)]
    seen: set[tuple[str, str]] = set()
    out = []
    for e in chain:
        if (e.base_url, e.model) not in seen:
            seen.add((e.base_url, e.model))
            out.append(e)
    return out
