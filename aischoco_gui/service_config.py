"""``Settings`` → each adapter's (and service's) own small, frozen config (they never see the app's settings).

The composition root (and the first-run checks) call these; the adapter factories take the result.
Adding a setting an adapter needs: a field in the adapter's config dataclass and one line here. The
services above the adapters that compose builds from settings (viewer memory, the show recorder) get
their plain configs here too.
"""

from __future__ import annotations

from pathlib import Path

from aischoco_gui.chat.factory import ChatConfig
from aischoco_gui.llm.config import LlmConfig
from aischoco_gui.llm.providers import PRESETS
from aischoco_gui.obs.factory import ObsConfig
from aischoco_gui.overlay.factory import OverlayConfig
from aischoco_gui.record.recorder import RecorderConfig
from aischoco_gui.settings import Settings
from aischoco_gui.tts.factory import TtsConfig
from aischoco_gui.viewers.memory import MemoryConfig
from aischoco_gui.vts.factory import VtsConfig


def chat_config(s: Settings) -> ChatConfig:
    return ChatConfig(source=s.effective_chat_source, openapi_base=s.chzzk_openapi_base, client_id=s.chzzk_client_id,
                      client_secret=s.chzzk_client_secret, channel_id=s.chzzk_channel_id, api_base=s.chzzk_api_base,
                      game_api_base=s.chzzk_game_api_base, ws_url=s.chzzk_chat_ws_url, live_poll_s=s.chzzk_live_poll_s,
                      reconnect_base_s=s.chat_reconnect_base_s, reconnect_max_s=s.chat_reconnect_max_s)


def llm_config(s: Settings) -> LlmConfig:
    key_fields = {p.key_field for p in PRESETS.values() if p.key_field}
    return LlmConfig(provider=getattr(s, "llm_provider", "auto") or "auto", base_url=s.llm_base_url,
                     model=s.groq_model, base_url_set="llm_base_url" in s.sources, model_set="groq_model" in s.sources,
                     api_keys={f: str(getattr(s, f, "") or "") for f in key_fields}, fallbacks=s.llm_fallbacks,
                     timeout_s=s.llm_timeout_s, max_retries=s.llm_max_retries, max_tokens=s.llm_max_tokens,
                     temperature=s.llm_temperature, retry_backoff_s=s.llm_retry_backoff_s, mode=s.llm_mode,
                     emotions=s.llm_emotions, banned_words=s.llm_banned_words,
                     word_filter_allow=s.word_filter_allow, word_filter_leet=s.word_filter_leet,
                     summary_threshold=s.history_summary_threshold, keep_tokens=s.history_keep_tokens,
                     hard_limit=s.history_max_tokens)


def tts_config(s: Settings) -> TtsConfig:
    return TtsConfig(engine=s.effective_tts_engine, fallback=s.tts_fallback, remote_url=s.tts_remote_url,
                     remote_model=s.tts_remote_model, remote_api_key=s.tts_remote_api_key,
                     system_voice=s.tts_system_voice, qwen_model=s.qwen_tts_model, qwen_device=s.qwen_tts_device,
                     output_device=s.tts_output_device, sentence_max_chars=s.tts_sentence_max_chars)


def vts_config(s: Settings) -> VtsConfig:
    return VtsConfig(url=s.vts_url, lipsync_mode=s.lipsync_mode, idle_motion=s.vts_idle_motion,
                     face_found=s.vts_face_found, idle_hz=s.vts_idle_hz, thread=s.vts_thread)


def overlay_config(s: Settings) -> OverlayConfig:
    return OverlayConfig(host=s.overlay_host, port=s.overlay_port)


def obs_config(s: Settings) -> ObsConfig:
    return ObsConfig(configured=s.obs_configured, url=s.obs_ws_url, password=s.obs_ws_password,
                     brb_scene=s.obs_brb_scene)


def viewers_config(s: Settings) -> MemoryConfig:
    """Viewer memory's tunables (``VIEWER_MEMORY`` itself decides whether compose builds it at all)."""
    return MemoryConfig(card_tokens=s.viewer_card_tokens, auto_accept=s.viewer_facts_auto_accept)


def record_config(s: Settings, history_dir: Path) -> RecorderConfig:
    return RecorderConfig.from_values(s.show_record, history_dir, s.show_record_rotate_mb, s.show_record_keep_days)
