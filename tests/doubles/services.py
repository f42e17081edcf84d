"""A typed ``compose.Services`` for tests that need only a few real stages (the rest honest stand-ins)."""

from __future__ import annotations

from typing import Any

from aischoco_gui.chat.filters import ChatFilter
from aischoco_gui.compose import NoGenerator, Services
from aischoco_gui.events import EventBus
from aischoco_gui.paths import UserDirs, user_dirs
from aischoco_gui.pipeline.approval import ApprovalQueue
from aischoco_gui.pipeline.pipeline import Pipeline
from aischoco_gui.settings import Settings
from aischoco_gui.tts.silent import SilentSpeaker
from aischoco_gui.vts.noavatar import NoAvatar


def bare_services(settings: Settings | None = None, dirs: UserDirs | None = None, bus: EventBus | None = None,
                  **stages: Any) -> Services:
    """Services with stand-ins for every stage not given in ``stages`` (``avatar=…``, ``generator=…``)."""
    bus = bus or EventBus()
    settings = settings or Settings()
    dirs = dirs or user_dirs()
    chat_filter = stages.pop("chat_filter", None) or ChatFilter()
    generator = stages.pop("generator", None) or NoGenerator()
    speaker = stages.pop("speaker", None) or SilentSpeaker(bus)
    avatar = stages.pop("avatar", None) or NoAvatar(bus)
    pipeline = stages.pop("pipeline", None) or Pipeline(bus, ApprovalQueue("manual", 0), chat_filter, generator,
                                                        speaker, avatar)
    return Services(settings=settings, dirs=dirs, bus=bus, chat_filter=chat_filter, generator=generator,
                    speaker=speaker, avatar=avatar, pipeline=pipeline, chat=stages.pop("chat", None),
                    overlay=stages.pop("overlay", None), **stages)
