"""Rehearsal chat: the streamer types viewer messages, or replays a JSON-lines chat log.

Log format, one object per line (extra keys ignored)::

    {"t": 0.0, "nickname": "초코팬", "text": "안녕하세요!", "role": "viewer", "donation": 1000}

``t`` is seconds from the start of the log; replay honours the gaps divided by ``speed``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from aischoco_gui.chat.models import ROLE_MANAGER, ROLE_STREAMER, ROLE_VIEWER, ChatMessage, next_id
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import register, tr
from aischoco_gui.tasks import TaskGroup
from aischoco_gui.text import clean_display_text, clean_nickname

log = logging.getLogger(__name__)

register({
    "chat.status.rehearsal": ("리허설 (직접 입력)", "rehearsal (typed chat)"),
    "replay.not_json": ("{n}번째 줄이 JSON이 아니에요", "line {n}: not JSON"),
    "replay.no_text": ("{n}번째 줄에 \"text\" 글이 없어요", "line {n}: needs a \"text\" string"),
    "replay.not_numbers": ("{n}번째 줄의 \"t\"와 \"donation\"은 숫자여야 해요",
                           "line {n}: \"t\" and \"donation\" must be numbers"),
    "chat.notice.replay_done": ("채팅 로그 재생이 끝났어요 ({n}개)", "replay finished ({n} messages)"),
})

MAX_TEXT = 2000


class ReplayError(ValueError):
    pass


def parse_log_line(line: str, lineno: int = 0) -> tuple[float, ChatMessage] | None:
    """Parse one log line; None for blank/comment lines; ReplayError with the line number otherwise."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        raise ReplayError(tr("replay.not_json", n=lineno)) from None
    if not isinstance(obj, dict) or not isinstance(obj.get("text", obj.get("message")), str):
        raise ReplayError(tr("replay.no_text", n=lineno))
    role = obj.get("role", ROLE_VIEWER)
    if role not in (ROLE_VIEWER, ROLE_MANAGER, ROLE_STREAMER):
        role = ROLE_VIEWER
    donation = obj.get("donation")
    try:
        t = float(obj.get("t", 0.0))
        donation = int(donation) if donation is not None else None
    except (TypeError, ValueError):
        raise ReplayError(tr("replay.not_numbers", n=lineno)) from None
    nick = clean_nickname(str(obj.get("nickname", obj.get("user", "시청자"))))
    msg = ChatMessage(nickname=nick, text=clean_display_text(obj.get("text", obj.get("message")), MAX_TEXT),
                      user_id=str(obj.get("user_id", nick)), role=role, donation_amount=donation,
                      donation_type="CHAT" if donation is not None else "", source="rehearsal",
                      priority=donation is not None)
    return t, msg


def load_log(path: Path) -> list[tuple[float, ChatMessage]]:
    """Read a whole log; raises ReplayError naming the first bad line."""
    out = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            item = parse_log_line(line, i)
            if item:
                out.append(item)
    return out


class RehearsalChatSource:
    """Local chat for rehearsals (the default until CHZZK is configured)."""

    name = "chat"
    label = "rehearsal"

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self._on_message: Callable[[ChatMessage], None] | None = None
        self.tasks = TaskGroup("rehearsal", bus)
        self._replay: asyncio.Task | None = None

    async def start(self, on_message: Callable[[ChatMessage], None]) -> None:
        self._on_message = on_message
        self.bus.set_status("chat", ServiceState.READY, tr("chat.status.rehearsal"))

    async def stop(self) -> None:
        await self.tasks.cancel_all()
        self._on_message = None
        self.bus.set_status("chat", ServiceState.OFF, tr("chat.status.rehearsal"))

    def send(self, nickname: str, text: str, role: str = ROLE_VIEWER, donation: int | None = None) -> ChatMessage:
        """Inject one typed message as if a viewer had sent it."""
        if self._on_message is None:
            raise RuntimeError("rehearsal chat is not running")
        msg = ChatMessage(nickname=clean_nickname(nickname or "시청자"), text=clean_display_text(text, MAX_TEXT),
                          user_id=clean_nickname(nickname or "시청자"), role=role, donation_amount=donation,
                          donation_type="CHAT" if donation is not None else "", source="rehearsal",
                          priority=donation is not None)
        self._on_message(msg)
        return msg

    @property
    def replaying(self) -> bool:
        return self._replay is not None and not self._replay.done()

    def replay(self, path: Path, speed: float = 1.0) -> int:
        """Start replaying a log in the background; returns the number of messages queued."""
        items = load_log(path)
        self.stop_replay()
        self._replay = self.tasks.spawn(self._run_replay(items, max(speed, 0.01)), "replay")
        return len(items)

    def stop_replay(self) -> None:
        if self._replay is not None and not self._replay.done():
            self._replay.cancel()

    async def _run_replay(self, items: list[tuple[float, ChatMessage]], speed: float) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for t, msg in items:
            delay = start + t / speed - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if self._on_message is None:
                return
            self._on_message(dataclasses.replace(msg, id=next_id(), received_at=time.monotonic()))
        self.bus.notice(tr("chat.notice.replay_done", n=len(items)))
