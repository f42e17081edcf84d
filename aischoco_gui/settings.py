"""Settings with the precedence of DESIGN.md §3 (later wins):

built-in defaults → ``settings.json`` in the user config dir → ``.env`` (config dir, data dir,
working dir) → process environment → values saved by the settings dialog
(``ui_settings.json``; secrets from the OS credential store).

Every field has an environment name (the AIsChoco names), so a user's existing ``.env`` works
unchanged. Add a setting by adding a field with :func:`opt`.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from dotenv import dotenv_values

from aischoco_gui import settings_text  # noqa: F401  (registers the human labels of every field)
from aischoco_gui.hotkeys import combo_spec, key_problems
from aischoco_gui.i18n import tr
from aischoco_gui.lockdown_spec import parse_lockdown_chat
from aischoco_gui.paths import UserDirs, atomic_write_text, user_dirs
from aischoco_gui.wordfilter.allow import DEFAULT_ALLOW

log = logging.getLogger(__name__)

KEYRING_SERVICE = "aischoco"
UI_SETTINGS_FILE = "ui_settings.json"
USER_SETTINGS_FILE = "settings.json"
SECRETS_FILE = "secrets.env"  # plain-text fallback for secrets, only when the user chooses it (0600)
SESSION_SOURCE = "this session only"


def opt(default: Any, env: str, *, secret: bool = False, choices: tuple[str, ...] | None = None,
        dialog: bool = True, restart: bool = True) -> Any:
    """Declare a setting: its default, environment name and how it is validated/stored.

    ``restart``: the running app picks a change up only after a restart (the dialog says so next to
    the field); ``False`` once the composition root applies the field live. ``dialog``: shown in the
    settings dialog — every setting is (issue 23: a value the banner flags must be fixable there), the
    rarely used ones on the 고급 (advanced) tab.
    """
    meta = {"env": env, "secret": secret, "choices": choices, "dialog": dialog, "restart": restart}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return field(default=default, metadata=meta)


CHAT_SOURCES = ("rehearsal", "chzzk", "chzzk-unofficial")
APPROVAL_MODES = ("manual", "auto")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
UI_LANGUAGES = ("ko", "en")
UI_THEMES = ("system", "light", "dark")
OBS_DEFAULT_URL = "ws://127.0.0.1:4455"


@dataclass
class Settings:
    # chat
    chat_source: str = opt("", "CHAT_SOURCE", choices=("",) + CHAT_SOURCES, dialog=True, restart=False)
    chzzk_client_id: str = opt("", "CHZZK_CLIENT_ID", dialog=True, restart=False)
    chzzk_client_secret: str = opt("", "CHZZK_CLIENT_SECRET", secret=True, dialog=True, restart=False)
    chzzk_redirect_uri: str = opt("http://localhost:8080/callback", "CHZZK_REDIRECT_URI", dialog=True, restart=False)
    chzzk_channel_id: str = opt("", "CHZZK_CHANNEL_ID", dialog=True, restart=False)
    chzzk_access_token: str = opt("", "CHZZK_ACCESS_TOKEN", secret=True, restart=False)
    chzzk_openapi_base: str = opt("https://openapi.chzzk.naver.com", "CHZZK_OPENAPI_BASE", restart=False)
    chzzk_api_base: str = opt("https://api.chzzk.naver.com", "CHZZK_API_BASE", restart=False)  # unofficial live-status
    # unofficial token
    chzzk_game_api_base: str = opt("https://comm-api.game.naver.com", "CHZZK_GAME_API_BASE", restart=False)
    # unofficial
    chzzk_chat_ws_url: str = opt("wss://kr-ss{server}.chat.naver.com/chat", "CHZZK_CHAT_WS_URL", restart=False)
    chzzk_live_poll_s: float = opt(30.0, "CHZZK_LIVE_POLL_SECONDS", restart=False)
    chat_reconnect_base_s: float = opt(1.0, "CHAT_RECONNECT_BASE_SECONDS", restart=False)
    chat_reconnect_max_s: float = opt(30.0, "CHAT_RECONNECT_MAX_SECONDS", dialog=True, restart=False)
    chat_panel_max: int = opt(2000, "CHAT_PANEL_MAX_MESSAGES", dialog=True, restart=False)
    # llm
    groq_api_key: str = opt("", "GROQ_API_KEY", secret=True, dialog=True, restart=False)
    groq_model: str = opt("openai/gpt-oss-120b", "GROQ_MODEL", dialog=True, restart=False)
    llm_base_url: str = opt("https://api.groq.com/openai/v1", "LLM_BASE_URL", dialog=True, restart=False)
    llm_timeout_s: float = opt(5.0, "LLM_TIMEOUT", dialog=True, restart=False)
    llm_max_retries: int = opt(3, "LLM_MAX_RETRIES", dialog=True, restart=False)
    llm_provider: str = opt("auto", "LLM_PROVIDER", dialog=True, restart=False,
                            choices=("auto", "groq", "cerebras", "openai", "ollama", "llamacpp", "custom"))
    llm_mode: str = opt("auto", "LLM_MODE", choices=("auto", "json", "stream"), dialog=True, restart=False)
    # "cerebras, ollama=qwen2.5:7b, http://host/v1=m"
    llm_fallbacks: str = opt("", "LLM_FALLBACKS", dialog=True, restart=False)
    cerebras_api_key: str = opt("", "CEREBRAS_API_KEY", secret=True, dialog=True, restart=False)
    openai_api_key: str = opt("", "OPENAI_API_KEY", secret=True, dialog=True, restart=False)
    llm_max_tokens: int = opt(1024, "LLM_MAX_TOKENS", restart=False)
    llm_temperature: float = opt(-1.0, "LLM_TEMPERATURE", restart=False)  # < 0 = provider default
    llm_retry_backoff_s: float = opt(0.5, "LLM_RETRY_BACKOFF", restart=False)
    llm_emotions: str = opt("", "LLM_EMOTIONS", restart=False)  # "" = pose_mapping.json emotions, else the default six
    llm_banned_words: str = opt("", "LLM_BANNED_WORDS", dialog=True, restart=False)
    # the word filter (issue 22): innocent words that contain a banned one, leetspeak for every word
    word_filter_allow: str = opt(", ".join(DEFAULT_ALLOW), "WORD_FILTER_ALLOW", dialog=True, restart=False)
    word_filter_leet: bool = opt(False, "WORD_FILTER_LEET", dialog=True, restart=False)
    history_summary_threshold: int = opt(7000, "HISTORY_SUMMARY_THRESHOLD", dialog=True, restart=False)
    history_keep_tokens: int = opt(5000, "HISTORY_KEEP_TOKENS", dialog=True, restart=False)
    history_max_tokens: int = opt(8000, "HISTORY_MAX_TOKENS", dialog=True, restart=False)
    # tts / audio
    tts_engine: str = opt("", "TTS_ENGINE", dialog=True, restart=False)
    tts_remote_url: str = opt("", "TTS_REMOTE_URL", dialog=True, restart=False)
    # `model` for OpenAI-style /v1/audio/speech; Bearer key for a hosted TTS server
    tts_remote_model: str = opt("tts-1", "TTS_REMOTE_MODEL", restart=False)
    tts_remote_api_key: str = opt("", "TTS_REMOTE_API_KEY", secret=True, restart=False)
    tts_output_device: str = opt("", "TTS_OUTPUT_DEVICE", dialog=True, restart=False)
    # engines tried after the primary, comma separated
    tts_fallback: str = opt("system", "TTS_FALLBACK", dialog=True, restart=False)
    # or 0.6B / a folder
    qwen_tts_model: str = opt("Qwen/Qwen3-TTS-12Hz-1.7B-Base", "QWEN_TTS_MODEL", dialog=True, restart=False)
    qwen_tts_device: str = opt("cuda:0", "QWEN_TTS_DEVICE", dialog=True, restart=False)
    # espeak-ng voice for the offline engine
    # longest text sent to the TTS engine at once: longer sentences are split at a comma or space
    tts_sentence_max_chars: int = opt(200, "TTS_SENTENCE_MAX_CHARS", restart=False)
    tts_system_voice: str = opt("ko", "TTS_SYSTEM_VOICE", dialog=True, restart=False)
    # avatar
    vts_url: str = opt("ws://localhost:8001", "VTS_URL", dialog=True, restart=False)
    lipsync_mode: str = opt("envelope", "VTS_LIPSYNC_MODE", choices=("envelope", "vts-mic"), dialog=True, restart=False)
    vts_idle_motion: bool = opt(True, "VTS_IDLE_MOTION", dialog=True, restart=False)
    # off for streamers who run webcam tracking alongside
    vts_face_found: bool = opt(True, "VTS_FACE_FOUND", restart=False)
    # frame rate while only the idle motion moves (30 while speaking or moving)
    vts_idle_hz: float = opt(15.0, "VTS_IDLE_HZ", restart=False)
    # the VTS client and its 30 Hz frames on their own thread (off: on the GUI loop, as before issue 18)
    vts_thread: bool = opt(True, "VTS_THREAD", restart=False)
    # overlay
    overlay_host: str = opt("127.0.0.1", "OVERLAY_HOST", restart=False)
    overlay_port: int = opt(8765, "OVERLAY_PORT", dialog=True, restart=False)
    # pipeline
    approval_mode: str = opt("manual", "APPROVAL_MODE", choices=APPROVAL_MODES, dialog=True, restart=False)
    auto_approve_seconds: float = opt(0.0, "AUTO_APPROVE_SECONDS", dialog=True, restart=False)  # 0 = off
    max_pending_drafts: int = opt(3, "MAX_PENDING_DRAFTS", dialog=True, restart=False)
    batch_max_messages: int = opt(10, "BATCH_MAX_MESSAGES", dialog=True, restart=False)
    tarot_enabled: bool = opt(False, "TAROT_ENABLED", dialog=True)
    # ui / logging
    ui_language: str = opt("ko", "UI_LANGUAGE", choices=UI_LANGUAGES, dialog=True)
    ui_theme: str = opt("system", "UI_THEME", choices=UI_THEMES, dialog=True, restart=False)  # applied live
    log_console_level: str = opt("WARNING", "LOG_CONSOLE_LEVEL", choices=LOG_LEVELS, dialog=True)
    log_max_mb: float = opt(10.0, "LOG_MAX_MB", dialog=True)
    log_backup_count: int = opt(5, "LOG_BACKUP_COUNT", dialog=True)
    # safety (issue 13)
    # every draft is cut to this at a sentence boundary
    reply_max_chars: int = opt(300, "REPLY_MAX_CHARS", restart=False)
    # show tools (aischoco_gui/show/; README "Show tools")
    chzzk_chat_echo: str = opt("off", "CHZZK_CHAT_ECHO", choices=("off", "on"), dialog=True, restart=False)
    chat_echo_mode: str = opt("split", "CHAT_ECHO_MODE", choices=("split", "trim"), dialog=True, restart=False)
    chat_echo_min_interval_s: float = opt(2.0, "CHAT_ECHO_MIN_INTERVAL_SECONDS", restart=False)
    chat_echo_burst: int = opt(2, "CHAT_ECHO_BURST", restart=False)
    idle_talk_seconds: float = opt(0.0, "IDLE_TALK_SECONDS", dialog=True, restart=False)  # 0 = off
    thanks_donation_levels: str = opt("", "THANKS_DONATION_LEVELS", dialog=True, restart=False)  # "" = Korean defaults
    thanks_subscription_levels: str = opt("", "THANKS_SUBSCRIPTION_LEVELS", dialog=True, restart=False)  # "" = defaults
    thanks_auto_approve: bool = opt(False, "THANKS_AUTO_APPROVE", dialog=True, restart=False)
    run_sheet_enabled: bool = opt(False, "RUN_SHEET_ENABLED", dialog=True, restart=False)
    # show recording for replay (aischoco_gui/record/; README "Show recording and replay", DESIGN.md §4.10)
    show_record: str = opt("on", "SHOW_RECORD", choices=("on", "off"), dialog=True, restart=False)
    show_record_rotate_mb: float = opt(50.0, "SHOW_RECORD_ROTATE_MB", restart=False)  # next part beyond this size
    show_record_keep_days: int = opt(30, "SHOW_RECORD_KEEP_DAYS", dialog=True, restart=False)  # 0 = keep all
    # co-host microphone / speech-to-text (DESIGN.md §4.7)
    mic_mode: str = opt("off", "MIC_MODE", choices=("off", "cohost", "ptt"), dialog=True, restart=False)
    stt_input_device: str = opt("off", "STT_INPUT_DEVICE", dialog=True, restart=False)  # name, index, wav:PATH, off
    stt_engine: str = opt("remote", "STT_ENGINE", choices=("remote", "local"), dialog=True, restart=False)
    stt_base_url: str = opt("", "STT_BASE_URL", dialog=True, restart=False)  # "" = LLM_BASE_URL
    stt_api_key: str = opt("", "STT_API_KEY", secret=True, dialog=True, restart=False)  # "" = GROQ_API_KEY
    stt_model: str = opt("whisper-large-v3-turbo", "STT_MODEL", dialog=True, restart=False)
    stt_language: str = opt("ko", "STT_LANGUAGE", dialog=True, restart=False)
    stt_timeout_s: float = opt(15.0, "STT_TIMEOUT", restart=False)
    stt_vad_threshold: float = opt(0.5, "STT_VAD_THRESHOLD", restart=False)
    stt_vad_hangover_ms: int = opt(500, "STT_VAD_HANGOVER_MS", dialog=True, restart=False)
    stt_vad_min_ms: int = opt(250, "STT_VAD_MIN_MS", restart=False)
    stt_vad_preroll_ms: int = opt(300, "STT_VAD_PREROLL_MS", restart=False)
    stt_vad_max_s: float = opt(20.0, "STT_VAD_MAX_SECONDS", restart=False)
    barge_in: str = opt("off", "BARGE_IN", choices=("off", "duck", "stop"), dialog=True, restart=False)
    barge_in_duck_gain: float = opt(0.2, "BARGE_IN_DUCK_GAIN", restart=False)
    stt_local_model: str = opt("large-v3-turbo", "STT_LOCAL_MODEL", dialog=True, restart=False)
    mic_ptt_key: str = opt("F8", "MIC_PTT_KEY", dialog=True)  # held: push-to-talk (global on Windows)
    mic_director_key: str = opt("F9", "MIC_DIRECTOR_KEY", dialog=True)  # held: director whisper
    # OBS Studio over obs-websocket v5 (DESIGN.md §4.8; README "OBS"): off unless configured (obs_configured)
    obs_enabled: str = opt("auto", "OBS_ENABLED", choices=("auto", "on", "off"), dialog=True, restart=False)
    obs_ws_url: str = opt("ws://127.0.0.1:4455", "OBS_WS_URL", dialog=True, restart=False)
    obs_ws_password: str = opt("", "OBS_WS_PASSWORD", secret=True, dialog=True, restart=False)
    obs_brb_scene: str = opt("", "OBS_BRB_SCENE", dialog=True, restart=False)
    # lockdown (README "Lockdown"): what it does to CHZZK chat, and its key (pressed, not held)
    lockdown_chat: str = opt("slow:30", "LOCKDOWN_CHAT", dialog=True, restart=False)
    lockdown_key: str = opt("Ctrl+Shift+F12", "LOCKDOWN_KEY", dialog=True)
    # viewer memory (aischoco_gui/viewers/; README "Viewer memory", DESIGN.md §4.9)
    viewer_memory: str = opt("on", "VIEWER_MEMORY", choices=("on", "off"), dialog=True, restart=False)
    viewer_card_tokens: int = opt(120, "VIEWER_CARD_TOKENS", dialog=True, restart=False)  # per viewer card in a turn
    viewer_facts_auto_accept: bool = opt(False, "VIEWER_FACTS_AUTO_ACCEPT", dialog=True, restart=False)

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

    @property
    def obs_configured(self) -> bool:
        """OBS is touched only when configured: ``OBS_ENABLED=on``, or (``auto``) a password, a BRB scene or
        an address other than the default was set. ``OBS_ENABLED=off`` keeps it off whatever else is set."""
        if self.obs_enabled != "auto":
            return self.obs_enabled == "on"
        return bool(self.obs_ws_password or self.obs_brb_scene or self.obs_ws_url != OBS_DEFAULT_URL)

    @property
    def effective_stt_base_url(self) -> str:
        """``STT_BASE_URL``, else the LLM base URL (Groq serves Whisper there too)."""
        return self.stt_base_url or self.llm_base_url

    @property
    def effective_stt_api_key(self) -> str:
        """``STT_API_KEY``, else the LLM key."""
        return self.stt_api_key or self.groq_api_key


class SettingsError(ValueError):
    """One or more settings are invalid; ``problems`` maps field name → message.

    ``settings`` holds what start-up uses instead: every valid value kept, each bad field fallen
    back on its own; ``report`` lists the problems for the window's banner.
    """

    def __init__(self, problems: dict[str, str], settings: Settings | None = None,
                 report: list[SettingProblem] | None = None):
        self.problems = problems
        self.settings = settings
        self.report = report or []
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


@dataclass(frozen=True)
class SettingProblem:
    """One bad value: where it came from and what is used instead (secrets are masked)."""

    field: str  # "" for a whole file that could not be read
    env: str
    source: str
    value: str
    used: str
    used_source: str  # "default" or the layer whose value is used
    message: str

    @property
    def label(self) -> str:
        """The field's human label in the current UI language."""
        return field_label(self.field) if self.field else tr("setting.file_unreadable")

    def describe(self) -> str:
        """One line for the user: label (ENV), bad value, source, and the value used instead."""
        if not self.field:
            return tr("setting.problem_file", source=self.source, message=self.message)  # OS/JSON text
        used = self.used if self.used != "" else tr("setting.empty")
        key = "setting.problem_default" if self.used_source == "default" else "setting.problem_fallback"
        st = settings_text
        return tr(key, label=self.label, env=self.env, value=self.value, source=st.source_text(self.source),
                  used=used, used_source=st.source_text(self.used_source), message=st.localize_problem(self.message))


def field_label(name: str) -> str:
    """Human label of a field (never its raw name when a label is registered)."""
    from aischoco_gui.i18n import all_keys  # noqa: PLC0415

    key = f"setting.{name}"
    return tr(key) if key in all_keys() else name


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
    if s.reply_max_chars < 20:
        problems["reply_max_chars"] = "must be at least 20"
    # show tools
    if s.idle_talk_seconds < 0:
        problems["idle_talk_seconds"] = "must be 0 (off) or more"
    if s.chat_echo_min_interval_s < 0:
        problems["chat_echo_min_interval_s"] = "must be 0 or more"
    if s.chat_echo_burst < 1:
        problems["chat_echo_burst"] = "must be at least 1"
    if s.show_record_rotate_mb < 1:
        problems["show_record_rotate_mb"] = "must be at least 1 (MB)"
    if s.show_record_keep_days < 0:
        problems["show_record_keep_days"] = "must be 0 (keep every show) or more"
    dev = s.tts_output_device
    if dev.startswith("wav:") and len(dev) <= 4:
        problems["tts_output_device"] = "wav: needs a file path, e.g. wav:C:/out.wav"
    if s.stt_base_url:
        u = urlparse(s.stt_base_url)
        if u.scheme not in ("http", "https") or not u.netloc:
            problems["stt_base_url"] = f"not an http(s) URL: {s.stt_base_url!r}"
    if s.stt_input_device.lower().startswith("wav:") and not s.stt_input_device[4:].strip():
        problems["stt_input_device"] = "wav: needs a file path, e.g. wav:C:/voice.wav"
    for name in ("stt_vad_hangover_ms", "stt_vad_min_ms", "stt_vad_preroll_ms"):
        if getattr(s, name) < 0:
            problems[name] = "must be 0 or more"
    if not 0.0 < s.stt_vad_threshold < 1.0:
        problems["stt_vad_threshold"] = "must be between 0 and 1"
    if s.stt_vad_max_s <= 0:
        problems["stt_vad_max_s"] = "must be more than 0"
    if not 0.0 <= s.barge_in_duck_gain <= 1.0:
        problems["barge_in_duck_gain"] = "must be between 0 and 1"
    if not 30 <= s.viewer_card_tokens <= 1000:
        problems["viewer_card_tokens"] = f"must be between 30 and 1000 (got {s.viewer_card_tokens})"
    problems.update(key_problems(s.mic_ptt_key, s.mic_director_key))
    u = urlparse(s.obs_ws_url)
    if u.scheme not in ("ws", "wss") or not u.netloc:
        problems["obs_ws_url"] = f"not a ws:// URL: {s.obs_ws_url!r}"
    try:
        parse_lockdown_chat(s.lockdown_chat)
    except ValueError as e:
        problems["lockdown_chat"] = str(e)
    try:
        combo_spec(s.lockdown_key)
    except ValueError as e:
        problems["lockdown_key"] = str(e)
    return problems


# -- credential store ----------------------------------------------------------------------

def _no_store_possible() -> bool:
    """Linux without a D-Bus session (headless, CI, containers): Secret Service and KWallet cannot
    answer, so importing keyring (~0.1 s) would only find out the same thing."""
    return (sys.platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS")
            and not os.environ.get("PYTHON_KEYRING_BACKEND"))


def _platform_backend(kr: Any) -> Any:
    """The OS credential store for this platform, chosen directly: keyring's own discovery imports
    and probes every backend (the macOS one included, on Linux and Windows too) on first use."""
    try:
        if sys.platform == "win32":
            from keyring.backends.Windows import WinVaultKeyring  # noqa: PLC0415

            return WinVaultKeyring()
        if sys.platform == "darwin":
            from keyring.backends.macOS import Keyring as MacKeyring  # noqa: PLC0415

            return MacKeyring()
        from keyring.backends import SecretService, kwallet  # noqa: PLC0415

        for cls in (SecretService.Keyring, kwallet.DBusKeyring):
            try:
                cls.priority  # noqa: B018 (raises when this store is not usable here)
            except Exception:
                continue
            return cls()
    except Exception as e:  # unexpected keyring layout: let keyring discover
        log.debug("keyring backend choice failed: %s", type(e).__name__)
    return None


@functools.cache
def _load_keyring() -> Any:
    try:
        import keyring  # noqa: PLC0415 (off the import path of the app; see _platform_backend)
        import keyring.core  # noqa: PLC0415
    except Exception:  # pragma: no cover - keyring missing
        return None
    configured = getattr(keyring.core, "_keyring_backend", None) is not None
    if not configured and not os.environ.get("PYTHON_KEYRING_BACKEND"):
        try:
            chosen = keyring.core.load_config()  # the user's keyringrc.cfg wins
        except Exception:
            chosen = None
        chosen = chosen or _platform_backend(keyring)
        if chosen is not None:
            keyring.core.set_keyring(chosen)
    return keyring


def _keyring() -> Any:
    if "keyring" not in sys.modules and _no_store_possible():
        return None
    return _load_keyring()


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

def _read_json(path: Path, problems: list[SettingProblem] | None = None) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data
    except (ValueError, OSError) as e:
        log.warning("ignoring unreadable settings file %s: %s", path, e)
        if problems is not None:
            problems.append(SettingProblem("", "", str(path), "", "", "", str(e)))
        return {}


# Secrets typed in the dialog when the user chose "keep only for this session": never written anywhere.
_session_secrets: dict[str, str] = {}


def keep_secret_for_session(name: str, value: str) -> None:
    """Keep a secret (field name) in memory for this run only; later loads in this process see it."""
    if value:
        _session_secrets[name] = value
    else:
        _session_secrets.pop(name, None)


def secrets_file(dirs: UserDirs) -> Path:
    return dirs.config / SECRETS_FILE


def store_secret_in_file(dirs: UserDirs, name: str, value: str) -> Path:
    """Write a secret (field name) to ``secrets.env`` in the config dir, readable by the owner only.

    The user chose this when no OS credential store was available. Written atomically; the file is
    created with mode 0600 (on Windows the per-user config folder is what protects it).
    """
    env = {f.name: f.metadata["env"] for f in setting_fields()}[name]
    path = secrets_file(dirs)
    current = {k: v for k, v in dotenv_values(path).items() if v is not None} if path.exists() else {}
    if value:
        current[env] = value
    else:
        current.pop(env, None)
    lines = ["# aischoco secrets in plain text (chosen in the settings dialog: no OS credential store).",
             "# Anyone who can read this file can use these keys. Delete it to forget them."]
    for k, v in current.items():
        lines.append(f'{k}="' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def secret_location(dirs: UserDirs, name: str, use_keyring: bool = True) -> str | None:
    """Where the dialog-kept value of secret field ``name`` lives now: :data:`SESSION_SOURCE`,
    ``"credential store"``, the path of ``secrets.env``, or None (not kept by the app)."""
    env = {f.name: f.metadata["env"] for f in setting_fields()}[name]
    if _session_secrets.get(name):
        return SESSION_SOURCE
    if use_keyring and keyring_get(env):
        return "credential store"
    path = secrets_file(dirs)
    if path.exists() and dotenv_values(path).get(env):
        return str(path)
    return None


def keyring_available() -> bool:
    """False when keyring is missing or its backend is the null/fail one (nothing would be kept)."""
    kr = _keyring()
    if kr is None:
        return False
    try:
        mod = type(kr.get_keyring()).__module__
    except Exception:
        return False
    return not mod.startswith(("keyring.backends.null", "keyring.backends.fail"))


def _field_ok(f, raw: Any) -> tuple[Any, str | None]:
    """Coerce and validate one field on its own: (value, None) or (None, message)."""
    try:
        value = _coerce(f, raw)
    except ValueError as e:
        return None, str(e)
    probe = Settings()
    setattr(probe, f.name, value)
    msg = validate(probe).get(f.name)
    return (None, msg) if msg else (value, None)


def _shown(f, v: Any) -> str:
    if f.metadata.get("secret") and v not in (None, ""):
        return "***"
    return str(v)


def load_settings_report(dirs: UserDirs | None = None, env: dict[str, str] | None = None,
                         cwd: Path | None = None, use_keyring: bool = True) -> tuple[Settings, list[SettingProblem]]:
    """Build settings from all layers, validating each field on its own.

    A bad value never costs the others: the field falls back to the next lower layer that has a
    valid value, else its default, and the problem is reported. Nothing is written.
    """
    env = dict(os.environ) if env is None else env
    dirs = dirs or user_dirs(env)
    by_env = {f.metadata["env"]: f for f in setting_fields()}
    by_name = {f.name: f for f in setting_fields()}
    layers: dict[str, list[tuple[Any, str]]] = {}  # field → [(raw, source)], lowest layer first
    report: list[SettingProblem] = []

    def apply(values: dict[str, Any], source: str, keys: str) -> None:
        for k, v in values.items():
            f = by_env.get(k) if keys == "env" else (by_name.get(k) or by_env.get(k))
            if f is not None and v is not None:
                layers.setdefault(f.name, []).append((v, source))

    user_json = dirs.config / USER_SETTINGS_FILE
    apply(_read_json(user_json, report), str(user_json), "name")
    for p in dirs.env_files(cwd):
        if p.exists():
            apply({k: v for k, v in dotenv_values(p).items() if v is not None}, str(p), "env")
    apply(env, "environment", "env")
    ui = _read_json(dirs.config / UI_SETTINGS_FILE, report)
    apply({k: v for k, v in ui.items() if k in by_name and not by_name[k].metadata.get("secret")},
          "settings dialog", "name")
    sf = secrets_file(dirs)
    if sf.exists():
        apply({k: v for k, v in dotenv_values(sf).items()
               if v and k in by_env and by_env[k].metadata.get("secret")}, str(sf), "env")
    if use_keyring:
        for f in setting_fields():
            if f.metadata.get("secret") and f.metadata.get("dialog"):
                v = keyring_get(f.metadata["env"])
                if v:
                    layers.setdefault(f.name, []).append((v, "credential store"))
    for name, v in _session_secrets.items():
        layers.setdefault(name, []).append((v, SESSION_SOURCE))

    s = Settings()
    for name, candidates in layers.items():
        f = by_name[name]
        bad: list[tuple[Any, str, str]] = []
        for raw, source in reversed(candidates):
            value, msg = _field_ok(f, raw)
            if msg is None:
                setattr(s, name, value)
                s.sources[name] = source
                break
            bad.append((raw, source, msg))
        used, used_source = getattr(s, name), s.sources.get(name, "default")
        for raw, source, msg in bad:
            report.append(SettingProblem(name, f.metadata["env"], source, _shown(f, raw), _shown(f, used),
                                         used_source, msg))
    for p in report:
        if p.field:
            log.warning("setting %s (%s) from %s is invalid (%s); using %r from %s",
                        p.field, p.env, p.source, p.message, p.used, p.used_source)
    return s, report


def load_settings(dirs: UserDirs | None = None, env: dict[str, str] | None = None,
                  cwd: Path | None = None, use_keyring: bool = True) -> Settings:
    """Build settings from all layers. Raises :class:`SettingsError` listing every bad value
    (its ``settings`` are the per-field fallbacks to use instead)."""
    s, report = load_settings_report(dirs, env, cwd, use_keyring)
    field_problems = [p for p in report if p.field]
    if field_problems:
        problems: dict[str, str] = {}
        for p in field_problems:
            line = f"{p.env} ({p.source}): {p.message}"
            problems[p.field] = problems[p.field] + "; " + line if p.field in problems else line
        raise SettingsError(problems, s, report)
    return s


def save_dialog_settings(dirs: UserDirs, values: dict[str, Any], use_keyring: bool = True) -> dict[str, str]:
    """Persist values edited in the settings dialog: only the given (changed) fields are written,
    every other entry of ``ui_settings.json`` stays as it was, valid or not.
    Secrets go to the credential store only.

    Returns a map of secret field → warning for secrets that could not be stored; the caller asks
    the user what to do with them (:func:`keep_secret_for_session`, :func:`store_secret_in_file`).
    """
    by_name = {f.name: f for f in setting_fields()}
    path = dirs.config / UI_SETTINGS_FILE
    unreadable: list[SettingProblem] = []
    current = _read_json(path, unreadable)
    if unreadable:  # never replace a file we could not read: keep it aside for the user
        backup = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
        os.replace(path, backup)
        log.warning("kept the unreadable %s as %s", path, backup)
    warnings: dict[str, str] = {}
    for name, v in values.items():
        f = by_name[name]
        if f.metadata.get("secret"):
            if not use_keyring or not keyring_set(f.metadata["env"], str(v)):
                warnings[name] = "no OS credential store available"
            continue
        current[name] = v
    dirs.config.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(current, ensure_ascii=False, indent=2))
    return warnings
