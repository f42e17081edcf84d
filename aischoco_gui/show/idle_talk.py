"""Idle talk: when chat has been quiet for ``IDLE_TALK_SECONDS``, propose ONE small-talk draft.

The line comes from the LLM, given a topic from the streamer's list (``config/idle_topics.txt``,
one per line, ``#`` comments) and the conversation summary, both as user-role data. It goes
through the same gate as every reply (filters, then the approval queue), marked ``idle_talk``.

Never more often than the interval, never while chat flows (usable chat resets the timer, and
a line that was being generated when chat arrived is dropped), never while a draft is pending
or speech is playing. Time comes from an injectable clock, so tests need no real waiting.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aischoco_gui.events import Event, EventKind
from aischoco_gui.i18n import tr
from aischoco_gui.paths import shipped_path
from aischoco_gui.show import strings as _strings  # noqa: F401  (registers the UI strings)
from aischoco_gui.show.base import Clock, LineGenerator, ShowLine, Submit, data_block
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)

TOPICS_FILE = "idle_topics.txt"
KIND = "idle_talk"
MAX_TOPICS = 500
INSTRUCTION = ("채팅이 한동안 조용합니다. 주제를 참고해 시청자에게 가볍게 말을 거는 잡담 한두 문장을 "
               "캐릭터 말투로 말하고, 대답하고 싶어지는 질문으로 끝내기. 요약은 지금까지의 흐름을 참고만 하기.")


def parse_topics(text: str) -> list[str]:
    """One topic per line; blank lines and ``#`` comments skipped; duplicates dropped."""
    out: list[str] = []
    for line in text.splitlines():
        t = line.strip()
        if t and not t.startswith("#") and t not in out:
            out.append(t[:200])
    return out[:MAX_TOPICS]


def load_topics(config_dir: Path | None) -> list[str]:
    """The user's ``idle_topics.txt``, else the shipped default (read each time: the streamer may edit it)."""
    paths = ([config_dir / TOPICS_FILE] if config_dir is not None else []) + [shipped_path("config", TOPICS_FILE)]
    for p in paths:
        try:
            if p.exists():
                return parse_topics(p.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as e:
            log.warning("cannot read idle topics %s: %s", p, e)
    return []


def render_prompt(topic: str, summary: str) -> str:
    return data_block("잡담 제안", INSTRUCTION, {"topic": topic, "summary": summary or "(없음)"})


class IdleTalk:
    """Proposes small talk after quiet chat. Feed it bus events (:meth:`on_event`), run :meth:`run`."""

    def __init__(self, *, interval_s: float, generate: LineGenerator, submit: Submit,
                 topics: Callable[[], list[str]], summary: Callable[[], str] = lambda: "",
                 draft_pending: Callable[[], bool] = lambda: False, speaking: Callable[[], bool] = lambda: False,
                 clock: Clock = time.monotonic, rng: random.Random | None = None,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.interval_s = float(interval_s)
        self.generate = generate
        self.submit = submit
        self.topics = topics
        self.summary = summary
        self.draft_pending = draft_pending
        self.speaking = speaking
        self.clock = clock
        self.rng = rng or random.Random()
        self.on_error = on_error
        self.last_activity = clock()  # last usable chat, speech end or proposal
        self.proposals = 0
        self._generating = False
        self._bag: list[str] = []
        self._activity_seq = 0

    @property
    def enabled(self) -> bool:
        return self.interval_s > 0

    def activity(self) -> None:
        """Usable chat (or speech) happened: the quiet period starts again."""
        self.last_activity = self.clock()
        self._activity_seq += 1

    def on_event(self, ev: Event) -> None:
        """Bus subscriber: usable chat and finished speech reset the timer."""
        if ev.kind == EventKind.CHAT_RECEIVED:
            msg = ev.data.get("message")
            if msg is not None and getattr(msg, "filtered_reason", None) is None:
                self.activity()
        elif ev.kind in (EventKind.PLAYBACK_END, EventKind.BATCH_READY):
            self.activity()

    def due_in(self) -> float:
        """Seconds until a proposal may be made (0 = now), ignoring the pending/speaking checks."""
        return max(0.0, self.last_activity + self.interval_s - self.clock())

    def _next_topic(self) -> str | None:
        topics = self.topics()
        if not topics:
            return None
        self._bag = [t for t in self._bag if t in topics]
        if not self._bag:  # each topic once before any repeats
            self._bag = list(topics)
            self.rng.shuffle(self._bag)
        return self._bag.pop()

    async def poll(self) -> ShowLine | None:
        """Propose a line if one is due now; returns what was submitted (None otherwise)."""
        if not self.enabled or self._generating or self.due_in() > 0:
            return None
        if self.draft_pending() or self.speaking():
            return None
        topic = self._next_topic()
        if topic is None:
            return None
        seq = self._activity_seq
        self.last_activity = self.clock()  # one proposal per interval, even if this one fails
        self._generating = True
        try:
            line = await self.generate(render_prompt(topic, self.summary()))
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning("idle talk generation failed: %s", e)
            if self.on_error is not None:
                self.on_error(tr("show.idle.failed", error=explain(e)))
            return None
        finally:
            self._generating = False
        if line is None or not line.text.strip():
            return None
        if self._activity_seq != seq:
            log.info("idle talk dropped: chat arrived while it was generated")
            return None
        if self.draft_pending() or self.speaking():
            return None
        self.submit(line.text, line.emotion, KIND)
        self.proposals += 1
        return line

    async def run(self, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep, tick_s: float = 1.0) -> None:
        """The background loop (a named task of the owner): checks once per ``tick_s``."""
        while True:
            await self.poll()
            await sleep(tick_s)
