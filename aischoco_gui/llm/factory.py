"""Plain constructor helper for the reply generator (provider chain, memory, persona, output filter).

It takes the adapter's own plain :class:`~aischoco_gui.llm.config.LlmConfig` (``service_config.llm_config``
builds it from ``Settings`` in the composition root), not the app's settings."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from aischoco_gui.events import EventBus
from aischoco_gui.i18n import register, tr
from aischoco_gui.llm import labels  # noqa: F401  (registers UI strings)
from aischoco_gui.llm.client import LLMClient
from aischoco_gui.llm.config import LlmConfig
from aischoco_gui.llm.generator import LLMReplyGenerator
from aischoco_gui.llm.memory import ConversationMemory
from aischoco_gui.llm.output_filter import OutputFilter
from aischoco_gui.llm.prompt import load_persona
from aischoco_gui.llm.providers import endpoints, primary_endpoint
from aischoco_gui.llm.tokens import TokenCounter
from aischoco_gui.models import DEFAULT_EMOTIONS
from aischoco_gui.wordfilter import WordFilter

log = logging.getLogger(__name__)

register({
    "llm.notice.memory_settings": (
        "대화 기억 설정이 맞지 않아요 (유지 {keep} < 요약 {threshold} <= 최대 {hard}) — 5000/7000/8000을 써요",
        "memory settings invalid (keep {keep} < threshold {threshold} <= max {hard}); using 5000/7000/8000"),
})


def configured_emotions(raw: str, config_dir: Path) -> tuple[str, ...]:
    """``LLM_EMOTIONS`` (``raw``) if set, else the emotions of ``config/pose_mapping.json``, else the default six."""
    if raw.strip():
        emos = tuple(dict.fromkeys(e.strip().lower() for e in raw.split(",") if e.strip()))
        if emos:
            return emos
    p = config_dir / "pose_mapping.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig")) if p.exists() else {}
        emos = tuple(str(k).lower() for k in (data.get("emotions") or {}))
        if emos:
            return emos if "neutral" in emos else (*emos, "neutral")
    except (OSError, ValueError, AttributeError) as e:
        log.warning("cannot read emotions from %s: %s", p, e)
    return DEFAULT_EMOTIONS


def make_reply_generator(cfg: LlmConfig, bus: EventBus, config_dir: Path, history_dir: Path,
                         word_filter: WordFilter | None = None) -> LLMReplyGenerator:
    """``word_filter``: the app's shared banned-word filter (else one is made from the config and files)."""
    try:
        chain = endpoints(cfg)
    except ValueError as e:  # a bad LLM_FALLBACKS entry must not stop the app
        bus.notice(tr("llm.notice.bad_fallbacks"), level="warning", detail=str(e))
        chain = [primary_endpoint(cfg)]
    client = LLMClient(chain, timeout_s=cfg.timeout_s, max_retries=cfg.max_retries, max_tokens=cfg.max_tokens,
                       temperature=cfg.temperature if cfg.temperature >= 0 else None,
                       backoff_s=cfg.retry_backoff_s)
    threshold, keep, hard = cfg.summary_threshold, cfg.keep_tokens, cfg.hard_limit
    if not (0 < keep < threshold <= hard):
        bus.notice(tr("llm.notice.memory_settings", keep=keep, threshold=threshold, hard=hard), level="warning")
        keep, threshold, hard = 5000, 7000, 8000
    memory = ConversationMemory(history_dir, TokenCounter(), threshold=threshold, keep=keep,
                                hard_limit=hard, notify=bus.notice)
    return LLMReplyGenerator(
        client, memory, bus,
        persona=load_persona(config_dir),
        emotions=configured_emotions(cfg.emotions, config_dir),
        mode=cfg.mode,
        output_filter=OutputFilter.from_config(cfg.banned_words, config_dir, word_filter=word_filter,
                                               allow=cfg.word_filter_allow, leet=cfg.word_filter_leet),
        persona_loader=None,
    )
