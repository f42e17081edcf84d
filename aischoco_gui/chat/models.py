"""The chat message model now lives in :mod:`aischoco_gui.models` (kept here for the chat sources)."""

from aischoco_gui.models import (
    KIND_CHAT,
    KIND_DONATION,
    KIND_SUBSCRIPTION,
    ROLE_MANAGER,
    ROLE_STREAMER,
    ROLE_VIEWER,
    ChatMessage,
    next_id,
)

__all__ = ["KIND_CHAT", "KIND_DONATION", "KIND_SUBSCRIPTION", "ROLE_MANAGER", "ROLE_STREAMER", "ROLE_VIEWER",
           "ChatMessage", "next_id"]
