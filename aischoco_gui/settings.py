"""Settings with the precedence of DESIGN.md §3 (later wins):

built-in defaults → ``settings.json`` in the user config dir → ``.env`` (config dir, data dir,
working dir) → process environment → values saved by the settings dialog
(``ui_settings.json``; secrets from the OS credential store).

Every field has an environment name (the AIsChoco names), so a user's existing ``.env`` works
unchanged. Add a setting by adding a field with :func:`opt`.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from dotenv import dotenv_values

from aischoco_gui.paths import UserDirs, atomic_write_text, user_dirs

log = logging.getLogger(__name__)

KEYRING_SERVICE = "aischoco"
UI_SETTINGS_FILE = "ui_settings.json"
USER_SETTINGS_FILE = "settings.json"


def opt(default: Any, env: str, *, secret: bool = False, choices: tuple[str, ...] | None = None,
        dialog: bool = False) -> Any:
    """Declare a setting: its default, environment name and how it is validated/stored."""
    meta = {"env": env, "secret": secret, "choices": choices, "dialog": dialog}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return field(default=default, metadata=meta)


CHAT_SOURCES = ("rehearsal", "chzzk", "chzzk-unofficial")
APPROVAL_MODES = ("manual", "auto")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
UI_LANGUAGES = ("ko", "en")


@dataclass
class Settings:
    # chat
    chat_source: str = opt("", "CHAT_SOURCE", choices=("",) + CHAT_SOURCES, dialog=True)
    chzzk_client_id: str = opt("", "CHZZK_CLIENT_ID", dialog=True)
    chzzk_client_secret: str = opt("", "CHZZK_CLIENT_SECRET", secret=True, dialog=True)
    chzzk_redirect_uri: str = opt("http://localhost:8080/callback", "CHZZK_REDIRECT_URI", dialog=True)
    chzzk_channel_id: str = opt("", "CHZZK_CHANNEL_ID", dialog=True)
    chzzk_access_token: str = opt("", "CHZZK_ACCESS_TOKEN", secret=True)
    chzzk_openapi_base: str = opt("https://openapi.chzzk.naver.com", "CHZZK_OPENAPI_BASE")
    chzzk_api_base: str = opt("https://api.chzzk.naver.com", "CHZZK_API_BASE")  # unofficial live-status
    chzzk_game_api_base: str = opt("https://comm-api.game.naver.com", "CHZZK_GAME_API_BASE")  # unofficial token
    chzzk_chat_ws_url: str = opt("wss://kr-ss{server}.chat.naver.com/chat", "CHZZK_CHAT_WS_URL")  # unofficial
    chzzk_live_poll_s: float = opt(30.0, "CHZZK_LIVE_POLL_SECONDS")
    chat_reconnect_base_s: float = opt(1.0, "CHAT_RECONNECT_BASE_SECONDS")
    chat_reconnect_max_s: float = opt(30.0, "CHAT_RECONNECT_MAX_SECONDS")
    chat_panel_max: int = opt(2000, "CHAT_PANEL_MAX_MESSAGES", dialog=True)
    chat_recent_size: int = opt(50, "CHAT_RECENT_SIZE")
    # llm
    groq_api_key: str = opt("", "GROQ_API_KEY", secret=True, dialog=True)
    groq_model: str = opt("openai/gpt-oss-120b", "GROQ_MODEL", dialog=True)
    llm_base_url: str = opt("https://api.groq.com/openai/v1", "LLM_BASE_URL", dialog=True)
    llm_timeout_s: float = opt(5.0, "LLM_TIMEOUT")
    llm_max_retries: int = opt(3, "LLM_MAX_RETRIES")
    llm_provider: str = opt("auto", "LLM_PROVIDER", dialog=True,
                            choices=("auto", "groq", "cerebras", "openai", "ollama", "llamacpp", "custom"))
    llm_mode: str = opt("auto", "LLM_MODE", choices=("auto", "json", "stream"), dialog=True)
    llm_fallbacks: str = opt("", "LLM_FALLBACKS", dialog=True)  # "cerebras, ollama=qwen2.5:7b, http://host/v1=m"
    cerebras_api_key: str = opt("", "CEREBRAS_API_KEY", secret=True, dialog=True)
    openai_api_key: str = opt("", "OPENAI_API_KEY", secret=True, dialog=True)
    llm_max_tokens: int = opt(1024, "LLM_MAX_TOKENS")
    llm_temperature: float = opt(-1.0, "LLM_TEMPERATURE")  # < 0 = provider default
    llm_retry_backoff_s: float = opt(0.5, "LLM_RETRY_BACKOFF")
    llm_emotions: str = opt("", "LLM_EMOTIONS")  # "" = pose_mapping.json emotions, else the default six
    llm_banned_words: str = opt("", "LLM_BANNED_WORDS", dialog=True)
    history_summary_threshold: int = opt(7000, "HISTORY_SUMMARY_THRESHOLD", dialog=True)
    history_keep_tokens: int = opt(5000, "HISTORY_KEEP_TOKENS", dialog=True)
    history_max_tokens: int = opt(8000, "HISTORY_MAX_TOKENS", dialog=True)
    # tts / audio
    tts_engine: str = opt("", "TTS_ENGINE", dialog=True)
    tts_remote_url: str = opt("", "TTS_REMOTE_URL", dialog=True)
    tts_remote_model: str = opt("tts-1", "TTS_REMOTE_MODEL")  # `model` for OpenAI-style /v1/audio/speech
    tts_remote_api_key: str = opt("", "TTS_REMOTE_API_KEY", secret=True)  # Bearer key for a hosted TTS server
    tts_output_device: str = opt("", "TTS_OUTPUT_DEVICE", dialog=True)
    tts_fallback: str = opt("system", "TTS_FALLBACK")  # engines tried after the primary, comma separated
    qwen_tts_model: str = opt("Qwen/Qwen3-TTS-12Hz-1.7B-Base", "QWEN_TTS_MODEL", dialog=True)  # or 0.6B / a folder
    qwen_tts_device: str = opt("cuda:0", "QWEN_TTS_DEVICE")
    tts_system_voice: str = opt("ko", "TTS_SYSTEM_VOICE")  # espeak-ng voice for the offline engine
    # avatar
    vts_url: str = opt("ws://localhost:8001", "VTS_URL", dialog=True)
    lipsync_mode: str = opt("envelope", "VTS_LIPSYNC_MODE", choices=("envelope", "vts-mic"), dialog=True)
    vts_idle_motion: bool = opt(True, "VTS_IDLE_MOTION", dialog=True)
    vts_face_found: bool = opt(True, "VTS_FACE_FOUND")  # off for streamers who run webcam tracking alongside
    # overlay
    overlay_host: str = opt("127.0.0.1", "OVERLAY_HOST")
    overlay_port: int = opt(8765, "OVERLAY_PORT", dialog=True)
    # pipeline
    approval_mode: str = opt("manual", "APPROVAL_MODE", choices=APPROVAL_MODES, dialog=True)
    auto_approve_seconds: float = opt(0.0, "AUTO_APPROVE_SECONDS", dialog=True)  # 0 = off
    max_pending_drafts: int = opt(3, "MAX_PENDING_DRAFTS")
    batch_max_messages: int = opt(10, "BATCH_MAX_MESSAGES")
    tarot_enabled: bool = opt(False, "TAROT_ENABLED")
    # ui / logging
    ui_language: str = opt("ko", "UI_LANGUAGE", choices=UI_LANGUAGES, dialog=True)
    log_console_level: str = opt("WARNING", "LOG_CONSOLE_LEVEL", choices=LOG_LEVELS)
    log_max_mb: float = opt(10.0, "LOG_MAX_MB")
    log_backup_count: int = opt(5, "LOG_BACKUP_COUNT")

    # not settings: where they came from
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:  # secrets never reach logs through repr
        parts = []
        for f in fields(self):
            if f.name == "sources":
                continue
            v = getattr(self, f.name)
            if f.metadata.get("secret") and v:
                v = "***"
            parts.append(f"{f.name}={v!r}")
        return f"Settings({', '.join(parts)})"

    # -- derived -------------------------------------------------------------------------
    @property
    def effective_chat_source(self) -> str:
        """``CHAT_SOURCE`` if set, else ``rehearsal`` (CHZZK must be chosen explicitly)."""
        return self.chat_source or "rehearsal"

    @property
    def effective_tts_engine(self) -> str:
        if self.tts_engine:
            return self.tts_engine
        if self.tts_remote_url:
            return "remote"
        return "auto"

    def secrets(self) -> list[str]:
        """Secret values currently set (for redaction)."""
        return [getattr(self, f.name) for f in fields(self) if f.metadata.get("secret") and getattr(self, f.name)]


class SettingsError(ValueError):
    """One or more settings are invalid; ``problems`` maps field name → message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


def setting_fields() -> list:
    return [f for f in fields(Settings) if f.name != "sources"]


def env_name(name: str) -> str:
    return {f.name: f.metadata["env"] for f in setting_fields()}[name]


def _coerce(f, raw: Any) -> Any:
    """Turn a raw (usually string) value into the field's type; raise ValueError with a clear message."""
    default = f.default
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        s = str(raw).strip().lower()
        if s in ("1", "true", "yes", "on"):
            return True
        if s in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"expected true/false, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a whole number, got {raw!r}") from None
    if isinstance(default, float):
        s = str(raw).strip()
        if s == "":
            return 0.0
        try:
            return float(s)
        except ValueError:
            raise ValueError(f"expected a number, got {raw!r}") from None
    return "" if raw is None else str(raw).strip()


def validate(s: Settings) -> dict[str, str]:
    """Return problems found (field → message); empty when valid."""
    problems: dict[str, str] = {}
    for f in setting_fields():
        choices = f.metadata.get("choices")
        v = getattr(s, f.name)
        if choices and v not in choices:
            problems[f.name] = f"must be one of {', '.join(c for c in choices if c)} (got {v!r})"
    for name in ("llm_base_url", "chzzk_openapi_base", "chzzk_redirect_uri"):
        v = getattr(s, name)
        u = urlparse(v)
        if v and (u.scheme not in ("http", "https") or not u.netloc):
            problems[name] = f"not an http(s) URL: {v!r}"
    if s.tts_remote_url:
        u = urlparse(s.tts_remote_url)
        if u.scheme not in ("http", "https") or not u.netloc:
            problems["tts_remote_url"] = f"not an http(s) URL: {s.tts_remote_url!r}"
    u = urlparse(s.vts_url)
    if u.scheme not in ("ws", "wss") or not u.netloc:
        problems["vts_url"] = f"not a ws:// URL: {s.vts_url!r}"
    if not (0 <= s.overlay_port <= 65535):  # 0 = any free port (tests, portable setups)
        problems["overlay_port"] = f"port must be 0–65535 (got {s.overlay_port})"
    if s.auto_approve_seconds < 0:
        problems["auto_approve_seconds"] = "must be 0 (off) or more"
    if s.llm_timeout_s <= 0:
        problems["llm_timeout_s"] = "must be more than 0"
    if s.max_pending_drafts < 1:
        problems["max_pending_drafts"] = "must be at least 1"
    dev = s.tts_output_device
    if dev.startswith("wav:") and len(dev) <= 4:
        problems["tts_output_device"] = "wav: needs a file path, e.g. wav:C:/out.wav"
    return problems


# -- credential store ----------------------------------------------------------------------

def _keyring():
    try:
        import keyring  # noqa: PLC0415 (optional backend probing is slow on some systems)

        return keyring
    except Exception:  # pragma: no cover - keyring missing
        return None


def keyring_get(name: str) -> str:
    kr = _keyring()
    if kr is None:
        return ""
    try:
        return kr.get_password(KEYRING_SERVICE, name) or ""
    except Exception as e:  # no backend (headless Linux), locked store, …
        log.debug("keyring unavailable for read: %s", type(e).__name__)
        return ""


def keyring_set(name: str, value: str) -> bool:
    """Store a secret; returns False (and logs why, without the value) when no store is available."""
    kr = _keyring()
    if kr is None:
        return False
    try:
        if value:
            kr.set_password(KEYRING_SERVICE, name, value)
            if kr.get_password(KEYRING_SERVICE, name) != value:  # e.g. the null backend accepts and drops
                log.warning("the OS credential store did not keep %s", name)
                return False
        else:
            try:
                kr.delete_password(KEYRING_SERVICE, name)
            except Exception:
                pass
        return True
    except Exception as e:
        log.warning("could not store %s in the OS credential store: %s", name, type(e).__name__)
        return False


# -- loading -------------------------------------------------------------------------------

def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data
    except (ValueError, OSError) as e:
        log.warning("ignoring unreadable settings file %s: %s", path, e)
        return {}


def load_settings(dirs: UserDirs | None = None, env: dict[str, str] | None = None,
                  cwd: Path | None = None, use_keyring: bool = True) -> Settings:
    """Build settings from all layers. Raises :class:`SettingsError` listing every bad value."""
    env = dict(os.environ) if env is None else env
    dirs = dirs or user_dirs(env)
    by_env = {f.metadata["env"]: f for f in setting_fields()}
    by_name = {f.name: f for f in setting_fields()}
    raw: dict[str, tuple[Any, str]] = {}

    def apply(values: dict[str, Any], source: str, keys: str) -> None:
        for k, v in values.items():
            f = by_env.get(k) if keys == "env" else (by_name.get(k) or by_env.get(k))
            if f is not None and v is not None:
                raw[f.name] = (v, source)

    apply(_read_json(dirs.config / USER_SETTINGS_FILE), str(dirs.config / USER_SETTINGS_FILE), "name")
    for p in dirs.env_files(cwd):
        if p.exists():
            apply({k: v for k, v in dotenv_values(p).items() if v is not None}, str(p), "env")
    apply(env, "environment", "env")
    ui = _read_json(dirs.config / UI_SETTINGS_FILE)
    apply({k: v for k, v in ui.items() if k in by_name and not by_name[k].metadata.get("secret")},
          "settings dialog", "name")
    if use_keyring:
        for f in setting_fields():
            if f.metadata.get("secret") and f.metadata.get("dialog"):
                v = keyring_get(f.metadata["env"])
                if v:
                    raw[f.name] = (v, "credential store")

    s = Settings()
    problems: dict[str, str] = {}
    for name, (v, source) in raw.items():
        try:
            setattr(s, name, _coerce(by_name[name], v))
            s.sources[name] = source
        except ValueError as e:
            problems[name] = f"{by_name[name].metadata['env']} ({source}): {e}"
    problems.update({k: v for k, v in validate(s).items() if k not in problems})
    if problems:
        raise SettingsError(problems)
    return s


def save_dialog_settings(dirs: UserDirs, values: dict[str, Any], use_keyring: bool = True) -> dict[str, str]:
    """Persist values edited in the settings dialog. Secrets go to the credential store only.

    Returns a map of secret field → warning for secrets that could not be stored.
    """
    by_name = {f.name: f for f in setting_fields()}
    current = _read_json(dirs.config / UI_SETTINGS_FILE)
    warnings: dict[str, str] = {}
    for name, v in values.items():
        f = by_name[name]
        if f.metadata.get("secret"):
            if not use_keyring or not keyring_set(f.metadata["env"], str(v)):
                warnings[name] = "no OS credential store available; set it in .env instead"
            continue
        current[name] = v
    dirs.config.mkdir(parents=True, exist_ok=True)
    atomic_write_text(dirs.config / UI_SETTINGS_FILE, json.dumps(current, ensure_ascii=False, indent=2))
    return warnings
