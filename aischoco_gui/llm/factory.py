"""Build the reply generator from settings (provider chain, memory, persona, output filter)."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from aischoco_gui.llm import labels  # noqa: F401  (registers UI strings)
from aischoco_gui.llm.client import LLMClient
from aischoco_gui.llm.generator import LLMReplyGenerator
from aischoco_gui.llm.memory import ConversationMemory
from aischoco_gui.llm.models import DEFAULT_EMOTIONS
from aischoco_gui.llm.output_filter import OutputFilter
from aischoco_gui.llm.prompt import load_persona
from aischoco_gui.llm.providers import endpoints, primary_endpoint
from aischoco_gui.llm.tokens import TokenCounter

if TYPE_CHECKING:
    from aischoco_gui.services import Services

log = logging.getLogger(__name__)


def configured_emotions(services: Services) -> tuple[str, ...]:
    """``LLM_EMOTIONS`` if set, else the emotions of ``config/pose_mapping.json``, else the default six."""
    raw = getattr(services.settings, "llm_emotions", "") or ""
    if raw.strip():
        emos = tuple(dict.fromkeys(e.strip().lower() for e in raw.split(",") if e.strip()))
        if emos:
            return emos
    p = services.dirs.config / "pose_mapping.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig")) if p.exists() else {}
        emos = tuple(str(k).lower() for k in (data.get("emotions") or {}))
        if emos:
            return emos if "neutral" in emos else (*emos, "neutral")
    except (OSError, ValueError, AttributeError) as e:
        log.warning("cannot read emotions from %s: %s", p, e)
    return DEFAULT_EMOTIONS


def build_reply_generator(services: Services) -> LLMReplyGenerator:
    s = services.settings
    try:
        chain = endpoints(s)
    except ValueError as e:  # a bad LLM_FALLBACKS entry must not stop the app
        services.bus.notice(str(e), level="warning")
        chain = [primary_endpoint(s)]
    client = LLMClient(chain, timeout_s=s.llm_timeout_s, max_retries=s.llm_max_retries,
                       max_tokens=getattr(s, "llm_max_tokens", 1024),
                       temperature=s.llm_temperature if getattr(s, "llm_temperature", -1.0) >= 0 else None,
                       backoff_s=getattr(s, "llm_retry_backoff_s", 0.5))
    threshold = getattr(s, "history_summary_threshold", 7000)
    keep = getattr(s, "history_keep_tokens", 5000)
    hard = getattr(s, "history_max_tokens", 8000)
    if not (0 < keep < threshold <= hard):
        services.bus.notice(f"memory settings invalid (keep {keep} < threshold {threshold} <= max {hard}); "
                            "using 5000/7000/8000", level="warning")
        keep, threshold, hard = 5000, 7000, 8000
    memory = ConversationMemory(services.dirs.history, TokenCounter(), threshold=threshold, keep=keep,
                                hard_limit=hard, notify=lambda text, level: services.bus.notice(text, level))
    config_dir = services.dirs.config
    return LLMReplyGenerator(
        client, memory, services.bus,
        persona=load_persona(config_dir),
        emotions=configured_emotions(services),
        mode=getattr(s, "llm_mode", "auto"),
        output_filter=OutputFilter.from_config(getattr(s, "llm_banned_words", ""), config_dir),
        persona_loader=None,
    )
