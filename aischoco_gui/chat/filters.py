"""Chat filters: decide which messages reach the LLM (rejected ones are still shown, dimmed)."""

from __future__ import annotations

from aischoco_gui.chat.models import ChatMessage


class ChatFilter:
    """Minimal first version: empty text and the streamer's own chat. Extended by the chat issue."""

    def __init__(self, ignore_streamer: bool = True, min_length: int = 1) -> None:
        self.ignore_streamer = ignore_streamer
        self.min_length = min_length

    def check(self, msg: ChatMessage) -> str | None:
        """Return the reason the message is filtered, or None when it passes."""
        if self.ignore_streamer and msg.is_streamer:
            return "streamer"
        if len(msg.text.strip()) < self.min_length and not msg.is_donation:
            return "too_short"
        return None
