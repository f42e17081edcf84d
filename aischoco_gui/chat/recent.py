"""Recent chat kept for the LLM batch (PRD §2.1): the last N messages, whether answered or not,
so a reply can refer to what was just said even when it was not in the batch."""

from __future__ import annotations

from collections import deque

from aischoco_gui.chat.models import ChatMessage
from aischoco_gui.chat.parse import plain_text
from aischoco_gui.events import Event, EventBus, EventKind


class RecentChat:
    def __init__(self, size: int = 50, include_filtered: bool = False) -> None:
        self.messages: deque[ChatMessage] = deque(maxlen=max(1, size))
        self.include_filtered = include_filtered

    def add(self, msg: ChatMessage) -> None:
        if msg.filtered_reason and not self.include_filtered:
            return
        self.messages.append(msg)

    def attach(self, bus: EventBus) -> None:
        """Follow ``CHAT_RECEIVED`` (filter already applied by the pipeline)."""

        def on(ev: Event) -> None:
            if ev.kind is EventKind.CHAT_RECEIVED:
                self.add(ev.data["message"])

        bus.subscribe(on)

    def last(self, n: int | None = None, exclude: list[ChatMessage] | None = None) -> list[ChatMessage]:
        skip = {m.id for m in exclude or ()}
        items = [m for m in self.messages if m.id not in skip]
        return items if n is None else items[-n:]

    def as_prompt_lines(self, n: int | None = None, exclude: list[ChatMessage] | None = None,
                        max_chars: int = 200) -> list[str]:
        """``nickname: text`` lines (emoji placeholders removed, long text cut) for the LLM prompt."""
        out = []
        for m in self.last(n, exclude):
            t = plain_text(m.text)
            if len(t) > max_chars:
                t = t[: max_chars - 1] + "…"
            prefix = f"[후원 {m.donation_amount}] " if m.is_donation else ""
            out.append(f"{prefix}{m.nickname}: {t}")
        return out
