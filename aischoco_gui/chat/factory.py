"""Builds the chat source named by CHAT_SOURCE."""

from __future__ import annotations

from aischoco_gui.services import Services


def build_chat_filter(services: Services):
    from aischoco_gui.chat.filters import ChatFilter

    return ChatFilter()


def build_chat_source(services: Services):
    from aischoco_gui.chat.rehearsal import RehearsalChatSource

    src = services.settings.effective_chat_source
    if src == "rehearsal":
        return RehearsalChatSource(services.bus)
    # Real CHZZK sources arrive with the chat issue; until then say so and fall back.
    services.bus.notice(f"CHAT_SOURCE={src} is not available in this build; using rehearsal chat", "warning")
    return RehearsalChatSource(services.bus)
