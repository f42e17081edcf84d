"""Chat echo: after an approved reply has been SPOKEN, post it to CHZZK chat (opt-in).

CHZZK's send endpoint takes at most 100 characters. ``split`` mode packs whole sentences into
messages of at most 100 characters (a sentence that is too long is split between words); ``trim``
mode sends one message cut at a sentence or word boundary, ending with "…". Length is counted in
UTF-16 code units (what a JavaScript server counts), never less than Python's ``len``.

Sending is rate-limited by a token bucket (one message per ``min_interval_s``, bursts up to
``burst``) and runs as one background loop; a send error is reported through ``on_error`` with
the message, and the rest of that reply's parts are dropped (never half a reply out of order).
Every message passes ``screen`` (the app's banned-word mask) first: a reply the streamer approved
although it was held is still posted with its banned words masked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aischoco_gui.events import Event, EventKind
from aischoco_gui.i18n import tr
from aischoco_gui.show import strings as _strings  # noqa: F401  (registers the UI strings)
from aischoco_gui.show.base import Clock
from aischoco_gui.text import clean_display_text, split_sentences
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)

CHAT_LIMIT = 100
ELLIPSIS = "…"
MAX_QUEUED_REPLIES = 10


def chat_len(s: str) -> int:
    """Length as CHZZK's server counts it (UTF-16 code units; emoji outside the BMP count 2)."""
    return len(s.encode("utf-16-le")) // 2


def _cut_words(text: str, limit: int) -> list[str]:
    """Split ``text`` between words into pieces of at most ``limit``; a single word longer than
    the limit (a long URL, a run without spaces) is the only thing ever cut inside."""
    out: list[str] = []
    cur = ""
    for word in text.split():
        while chat_len(word) > limit:  # no boundary to use: hard cut, as a last resort
            if cur:
                out.append(cur)
                cur = ""
            n = limit
            while chat_len(word[:n]) > limit:
                n -= 1
            out.append(word[:n])
            word = word[n:]
        cand = f"{cur} {word}" if cur else word
        if chat_len(cand) <= limit:
            cur = cand
            continue
        head, rest = _clause_break(cur)
        tail = f"{rest} {word}" if rest else word
        if head and chat_len(tail) <= limit:  # end the message after a comma rather than mid-clause
            out.append(head)
            cur = tail
        else:
            out.append(cur)
            cur = word
    if cur:
        out.append(cur)
    return out


def _clause_break(s: str) -> tuple[str, str]:
    """Split ``s`` after its last clause comma in the second half (``("", s)`` when there is none)."""
    for i in range(len(s) - 1, len(s) // 2, -1):
        if s[i] == " " and s[i - 1] in ",，、;":
            return s[:i], s[i + 1:]
    return "", s


def _clean(text: str) -> str:
    return " ".join(clean_display_text(text or "").split())


def split_for_chat(text: str, limit: int = CHAT_LIMIT) -> list[str]:
    """Messages of at most ``limit``: whole sentences packed together, long sentences split between words."""
    out: list[str] = []
    cur = ""
    for sentence in split_sentences(_clean(text)):
        sentence = " ".join(sentence.split())
        if chat_len(sentence) > limit:
            if cur:
                out.append(cur)
                cur = ""
            out.extend(_cut_words(sentence, limit))
            continue
        cand = f"{cur} {sentence}" if cur else sentence
        if chat_len(cand) <= limit:
            cur = cand
        else:
            out.append(cur)
            cur = sentence
    if cur:
        out.append(cur)
    return out


def trim_for_chat(text: str, limit: int = CHAT_LIMIT) -> str:
    """One message of at most ``limit``: whole sentences that fit, else whole words, then "…"."""
    text = _clean(text)
    if chat_len(text) <= limit:
        return text
    room = limit - chat_len(ELLIPSIS)
    kept = ""
    for sentence in split_sentences(text):
        cand = f"{kept} {sentence}" if kept else sentence
        if chat_len(cand) > room:
            break
        kept = cand
    if not kept:
        kept = _cut_words(text, room)[0]
    return kept.rstrip(" ,.") + ELLIPSIS


class TokenBucket:
    """``burst`` tokens, one more every ``interval_s``; ``wait_time`` says how long until one is free."""

    def __init__(self, interval_s: float, burst: int, clock: Clock = time.monotonic) -> None:
        self.interval_s = max(0.0, float(interval_s))
        self.burst = max(1, int(burst))
        self.clock = clock
        self.tokens = float(self.burst)
        self._t = clock()

    def _refill(self) -> None:
        now = self.clock()
        if self.interval_s <= 0:
            self.tokens = float(self.burst)
        else:
            self.tokens = min(float(self.burst), self.tokens + (now - self._t) / self.interval_s)
        self._t = now

    def wait_time(self) -> float:
        self._refill()
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) * self.interval_s

    def take(self) -> bool:
        self._refill()
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass(frozen=True)
class EchoError:
    message: str  # the chat message that was not posted
    error: str  # the API's answer / exception text
    shown: str = ""  # what it means for the streamer (UI language); else explained from ``error``

    def describe(self) -> str:
        """The text to show the streamer next to the echo toggle."""
        return tr("show.echo.failed", error=self.shown or explain(self.error), message=self.message)


class ChatEcho:
    """Posts spoken replies to chat. Feed it bus events (:meth:`on_event`) and run :meth:`run`."""

    def __init__(self, send: Callable[[str], Awaitable[object]], *, enabled: bool = False, mode: str = "split",
                 min_interval_s: float = 2.0, burst: int = 2, clock: Clock = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
                 on_error: Callable[[EchoError], None] | None = None,
                 on_sent: Callable[[str], None] | None = None,
                 screen: Callable[[str], str] | None = None) -> None:
        if mode not in ("split", "trim"):
            raise ValueError(f"CHAT_ECHO_MODE must be split or trim (got {mode!r})")
        self.send = send
        self.enabled = enabled
        self.mode = mode
        self.bucket = TokenBucket(min_interval_s, burst, clock)
        self.sleep = sleep
        self.on_error = on_error
        self.on_sent = on_sent
        self.screen = screen
        self.sent: list[str] = []
        self.errors: list[EchoError] = []
        self.dropped = 0  # replies not echoed because the queue was full
        self._queue: deque[list[str]] = deque()
        self._wake = asyncio.Event()

    def messages_for(self, text: str) -> list[str]:
        if self.screen is not None:
            text = self.screen(text)
        if self.mode == "trim":
            m = trim_for_chat(text)
            return [m] if m else []
        return split_for_chat(text)

    def on_spoken(self, text: str) -> list[str]:
        """Queue the chat messages for one spoken reply; returns them."""
        if not self.enabled:
            return []
        msgs = self.messages_for(text)
        if not msgs:
            return []
        if len(self._queue) >= MAX_QUEUED_REPLIES:
            self._queue.popleft()
            self.dropped += 1
            log.warning("chat echo queue full: dropped the oldest reply")
        self._queue.append(msgs)
        self._wake.set()
        return msgs

    def on_event(self, ev: Event) -> None:
        """Bus subscriber: a reply whose playback ended normally (not cut by panic/skip) is echoed."""
        if ev.kind == EventKind.PLAYBACK_END and not ev.data.get("cancelled"):
            draft = ev.data.get("draft")
            text = getattr(draft, "text", "")
            if text:
                self.on_spoken(text)

    @property
    def queued(self) -> int:
        return sum(len(m) for m in self._queue)

    async def drain_one(self) -> bool:
        """Send the next queued reply's messages at the allowed rate; False when there was none."""
        if not self._queue:
            return False
        msgs = self._queue.popleft()
        for i, m in enumerate(msgs):
            while (w := self.bucket.wait_time()) > 0:
                await self.sleep(w)
            self.bucket.take()
            try:
                await self.send(m)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                err = EchoError(m, str(e) or type(e).__name__, explain(e))
                self.errors.append(err)
                log.warning("chat echo failed: %s (%d part(s) not sent)", err.error, len(msgs) - i)
                if self.on_error is not None:
                    self.on_error(err)
                return True
            self.sent.append(m)
            if self.on_sent is not None:
                self.on_sent(m)
        return True

    async def run(self) -> None:
        """The background loop (a named task of the owner)."""
        while True:
            if not await self.drain_one():
                self._wake.clear()
                await self._wake.wait()
