"""The chat message model now lives in :mod:`aischoco_gui.models` (kept here for the chat sources)."""

from aischoco_gui.models import ROLE_MANAGER, ROLE_STREAMER, ROLE_VIEWER, ChatMessage, next_id

__all__ = ["ROLE_MANAGER", "ROLE_STREAMER", "ROLE_VIEWER", "ChatMessage", "next_id"]
