"""Builds and starts every service (Qt-free). The GUI and the benchmarks both use this."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from aischoco_gui.chat.models import ChatMessage
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.llm.models import Reply
from aischoco_gui.paths import UserDirs, install_defaults
from aischoco_gui.pipeline.approval import ApprovalQueue
from aischoco_gui.pipeline.fallbacks import NoAvatar, SilentSpeaker
from aischoco_gui.pipeline.pipeline import Pipeline
from aischoco_gui.services import Services
from aischoco_gui.settings import Settings
from aischoco_gui.text import split_sentences

log = logging.getLogger(__name__)


def _build(module: str, func: str, services: Services, status_name: str, fallback: Any) -> Any:
    """Call ``module.func(services)``; if the adapter cannot be built, report why and use the fallback."""
    try:
        return getattr(importlib.import_module(module), func)(services)
    except Exception as e:  # a broken optional stage must not stop the show
        log.exception("could not build %s", status_name)
        services.bus.set_status(status_name, ServiceState.ERROR, "failed to start", error=f"{type(e).__name__}: {e}")
        services.bus.notice(f"{status_name}: {e}", level="error")
        return fallback() if callable(fallback) else fallback


class _NoGenerator:
    """Used only if the LLM adapter itself fails to build."""

    name = "llm"

    def __init__(self, bus: EventBus, error: str = "LLM client unavailable") -> None:
        self.bus, self.error = bus, error

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def generate(self, batch, turn, on_sentence=None):
        raise RuntimeError(self.error)

    def commit(self, batch, spoken_text) -> None:
        pass

    async def aclose(self) -> None:
        pass


def build_services(settings: Settings, dirs: UserDirs, bus: EventBus | None = None,
                   overrides: dict[str, Any] | None = None) -> Services:
    """Create every service (not started). ``overrides`` replaces a stage (tests, benchmarks)."""
    overrides = overrides or {}
    bus = bus or EventBus()
    created = install_defaults(dirs)
    s = Services(settings=settings, dirs=dirs, bus=bus)
    s.extras["installed_defaults"] = created

    def pick(key: str, module: str, func: str, status: str, fallback: Any) -> Any:
        return overrides[key] if key in overrides else _build(module, func, s, status, fallback)

    s.chat_filter = pick("chat_filter", "aischoco_gui.chat.factory", "build_chat_filter", "chat", None)
    s.generator = pick("generator", "aischoco_gui.llm.factory", "build_reply_generator", "llm",
                       lambda: _NoGenerator(bus))
    s.speaker = pick("speaker", "aischoco_gui.tts.factory", "build_speaker", "tts", lambda: SilentSpeaker(bus))
    s.avatar = pick("avatar", "aischoco_gui.vts.factory", "build_avatar", "vts", lambda: NoAvatar(bus))
    queue = ApprovalQueue(settings.approval_mode, settings.auto_approve_seconds)
    s.pipeline = Pipeline(bus, queue, s.chat_filter, s.generator, s.speaker, s.avatar,
                          batch_max=settings.batch_max_messages, max_pending=settings.max_pending_drafts,
                          reply_max_chars=settings.reply_max_chars)
    s.chat = pick("chat", "aischoco_gui.chat.factory", "build_chat_source", "chat", None)
    s.pipeline.chat_source = s.chat
    s.overlay = pick("overlay", "aischoco_gui.overlay.factory", "build_overlay", "overlay", None)
    if hasattr(s.avatar, "set_mouth_source") and hasattr(s.speaker, "mouth_level"):
        s.avatar.set_mouth_source(s.speaker.mouth_level)
    bus.subscribe(lambda ev: _tarot_to_draft(s, ev))
    return s


def _tarot_to_draft(s: Services, ev) -> None:
    """A finished tarot reading becomes a reply draft, so the avatar can speak it (after approval)."""
    if ev.kind is not EventKind.OVERLAY or ev.data.get("what") != "tarot_result" or s.pipeline is None:
        return
    summary = str(ev.data.get("summary") or "").strip()
    if not summary:
        return
    user = str(ev.data.get("user") or "")
    asked = ChatMessage(nickname=user, text=f"!타로 {ev.data.get('question', '')}".strip(), source="tarot")
    reply = Reply(text=summary, emotion="excited", sentences=split_sentences(summary), provider="tarot",
                  notes=[f"tarot reading for {user}"])
    s.pipeline.add_reply(reply, [asked])


async def start_services(s: Services) -> None:
    """Start every service; one failing to start is reported and the others still start."""
    for svc in s.lifecycle():
        try:
            await svc.start()
        except Exception as e:
            name = getattr(svc, "name", type(svc).__name__)
            log.exception("%s failed to start", name)
            s.bus.set_status(name, ServiceState.ERROR, "failed to start", error=f"{type(e).__name__}: {e}")
    try:
        await s.pipeline.start()
    except Exception as e:
        log.exception("pipeline failed to start")
        s.bus.set_status("chat", ServiceState.ERROR, "failed to start", error=f"{type(e).__name__}: {e}")


async def stop_services(s: Services) -> None:
    """Clean shutdown: stop speech, stop chat and pipeline, release VTS, close clients."""
    try:
        await s.speaker.stop()
    except Exception:
        log.exception("speaker stop failed")
    if s.pipeline is not None:
        await s.pipeline.stop()
    for svc in reversed(s.lifecycle()):
        try:
            if svc is s.speaker and hasattr(svc, "shutdown"):
                await svc.shutdown()
            elif svc is s.generator:
                await svc.stop()
                await svc.aclose()
            elif svc is not s.speaker:
                await svc.stop()
        except Exception:
            log.exception("%s failed to stop", getattr(svc, "name", svc))


SERVICE_NAMES = ("chat", "llm", "tts", "vts", "overlay")


def all_reported(bus: EventBus, names: tuple[str, ...] = SERVICE_NAMES) -> bool:
    return all(n in bus.status and bus.status[n].settled for n in names)
