"""The tarot corner's state machine (DESIGN.md §4.6), independent of the LLM and the web page.

Chat protocol (documented in docs/overlay.md):

* ``!타로 <질문>`` or ``!tarot <question>`` asks for a reading. One reading runs at a time; later
  requests wait in a short queue (their place is shown on the overlay) or are turned away when it is full.
* The backend shuffles the 78 cards onto the numbers 1–78. The requester then picks
  ``picks`` numbers by sending them in chat (``7 23 61``, one or several per message, or
  ``!타로 7 23 61``). Only the requester's numbers count; numbers outside 1–78 and repeats are
  rejected with a message on the overlay. Nobody else's chat is consumed.
* ``!타로 취소`` / ``!tarot cancel`` cancels your own reading or leaves the queue.
* No complete pick within ``pick_timeout_s`` cancels the reading. The chosen cards go to the
  injected ``interpret(request) -> dict`` (the LLM in production); its answer is repaired and
  shown for ``result_s`` seconds, then the next request in the queue starts.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aischoco_gui.i18n import register, tr
from aischoco_gui.models import ChatMessage
from aischoco_gui.tarot.cards import DECK, Card
from aischoco_gui.tarot.reading import repair_reading
from aischoco_gui.tarot.request import POSITIONS, DrawnCard, TarotRequest
from aischoco_gui.tasks import TaskGroup
from aischoco_gui.text import clean_display_text, clean_nickname
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)

# Shown on the tarot overlay (viewers) and in the status bar; Korean first.
register({
    "tarot.default_question": ("오늘의 운세", "Today's fortune"),
    "tarot.already": ("{nick}님의 타로는 이미 진행 중이거나 대기 중이에요.",
                      "{nick}, your reading is already running or waiting."),
    "tarot.queue_full": ("{nick}님, 대기열이 가득 찼어요. 잠시 후 다시 신청해 주세요.",
                         "{nick}, the queue is full. Please ask again in a moment."),
    "tarot.queued": ("{nick}님, 지금 다른 분의 타로가 진행 중이에요. 대기 {n}번째!",
                     "{nick}, another reading is running. You are number {n} in the queue!"),
    "tarot.cancelled_by_user": ("{nick}님이 타로를 취소했어요.", "{nick} cancelled the reading."),
    "tarot.left_queue": ("{nick}님이 대기열에서 빠졌어요.", "{nick} left the queue."),
    "tarot.cancelled": ("타로가 취소되었어요.", "The reading was cancelled."),
    "tarot.pick": ("{nick}님, 1~78 중 숫자 {n}개를 채팅으로 골라주세요!",
                   "{nick}, pick {n} numbers from 1–78 in chat!"),
    "tarot.out_of_range": ("(범위 밖)", " (out of range)"),
    "tarot.duplicate": ("(중복)", " (repeated)"),
    "tarot.bad_numbers": ("1~78 사이의 서로 다른 숫자만 고를 수 있어요: ", "Only different numbers from 1–78 count: "),
    "tarot.pick_more": ("{nick}님, {n}장 더 골라주세요.", "{nick}, pick {n} more."),
    "tarot.interpreting": ("카드를 해석하는 중…", "Reading the cards…"),
    "tarot.failed": ("타로 해석 실패: {error}", "Tarot reading failed: {error}"),
    "tarot.failed_overlay": ("해석을 불러오지 못했어요. 다음에 다시 신청해 주세요.",
                             "The reading could not be loaded. Please ask again later."),
    "tarot.result": ("{nick}님의 타로 결과", "{nick}'s reading"),
    "tarot.timeout": ("{nick}님, 시간이 지나 타로가 취소되었어요.",
                      "{nick}, time ran out and the reading was cancelled."),
})

COMMANDS = ("!타로", "!tarot")
CANCEL_WORDS = ("취소", "cancel")
_NUMBERS_ONLY = re.compile(r"^[\d\s,./·]+$")
_INT = re.compile(r"\d+")


class TarotPhase(enum.StrEnum):
    IDLE = "idle"
    PICKING = "picking"
    INTERPRETING = "interpreting"
    RESULT = "result"


Interpret = Callable[[TarotRequest], Awaitable[dict[str, Any]]]


class TarotEngine:
    """Runs readings one at a time; ``handle`` is the pipeline interceptor."""

    def __init__(self, interpret: Interpret, *, picks: int = 3, pick_timeout_s: float = 90.0,
                 interpret_timeout_s: float = 30.0, result_s: float = 60.0, error_s: float = 8.0,
                 queue_max: int = 5, rng: random.Random | None = None,
                 on_change: Callable[[], None] | None = None, bus: Any = None,
                 on_result: Callable[[TarotRequest, dict[str, Any]], None] | None = None) -> None:
        if not 1 <= picks <= len(POSITIONS):
            raise ValueError(f"picks must be 1–{len(POSITIONS)}")
        self.interpret = interpret
        self.picks = picks
        self.pick_timeout_s = pick_timeout_s
        self.interpret_timeout_s = interpret_timeout_s
        self.result_s = result_s
        self.error_s = error_s
        self.queue_max = queue_max
        self.rng = rng or random.Random()
        self.on_change = on_change
        self.on_result = on_result  # a finished reading (the feature hands it to the speech gate)
        self.bus = bus
        self.enabled = True
        self.phase = TarotPhase.IDLE
        self.current: TarotRequest | None = None
        self.queue: deque[TarotRequest] = deque()
        self.reading: dict[str, Any] | None = None
        self.error: str = ""
        self.notice: str = ""
        self.expires_at: float | None = None  # wall-clock end of the current phase (pick deadline / display)
        self.completed = 0
        self._numbers: list[tuple[Card, bool]] = []  # index n-1 → card on number n
        self._timer: asyncio.Task | None = None
        self._work: asyncio.Task | None = None
        self.tasks = TaskGroup("tarot", bus)

    # -- chat interceptor -----------------------------------------------------------------
    def handle(self, msg: ChatMessage) -> bool:
        """Pipeline interceptor: True when the message was a tarot command or the requester's pick."""
        if not self.enabled:
            return False
        text = clean_display_text(msg.text or "").strip()
        key = msg.user_id or msg.nickname
        cmd = _command(text)
        if cmd is not None:
            arg = text[len(cmd):].strip()
            if arg.lower() in CANCEL_WORDS:
                self.cancel_by(key)
            elif self._is_requester(key) and self.phase == TarotPhase.PICKING and _NUMBERS_ONLY.match(arg or "x"):
                self._pick(arg)
            else:
                self.request(key, msg.nickname, arg)
            return True
        if self._is_requester(key) and self.phase == TarotPhase.PICKING and _NUMBERS_ONLY.match(text):
            self._pick(text)
            return True
        return False

    def _is_requester(self, key: str) -> bool:
        return self.current is not None and self.current.user_key == key

    # -- requests and queue ---------------------------------------------------------------
    def request(self, user_key: str, nickname: str, question: str) -> str:
        """Start or queue a reading; returns ``started`` | ``queued`` | ``duplicate`` | ``full``."""
        nick = clean_nickname(nickname)
        question = clean_display_text(question, 120).replace("\n", " ").strip() or tr("tarot.default_question")
        if self._is_requester(user_key) or any(r.user_key == user_key for r in self.queue):
            self._set_notice(tr("tarot.already", nick=nick))
            return "duplicate"
        req = TarotRequest(user_key=user_key, nickname=nick, question=question)
        if self.phase == TarotPhase.IDLE and self.current is None:
            self._start(req)
            return "started"
        if len(self.queue) >= self.queue_max:
            self._set_notice(tr("tarot.queue_full", nick=nick))
            return "full"
        self.queue.append(req)
        self._set_notice(tr("tarot.queued", nick=nick, n=len(self.queue)))
        return "queued"

    def cancel_by(self, user_key: str) -> bool:
        if self._is_requester(user_key) and self.phase == TarotPhase.PICKING:
            self._end(tr("tarot.cancelled_by_user", nick=self.current.nickname))
            return True
        for r in list(self.queue):
            if r.user_key == user_key:
                self.queue.remove(r)
                self._set_notice(tr("tarot.left_queue", nick=r.nickname))
                return True
        return False

    def cancel(self, reason: str | None = None) -> None:
        """Cancel the current reading (panic, streamer button); the queue goes on."""
        if self.current is not None:
            self._end(tr("tarot.cancelled") if reason is None else reason)

    def _start(self, req: TarotRequest) -> None:
        order = self.rng.sample(range(len(DECK)), len(DECK))
        self._numbers = [(DECK[i], self.rng.random() < 0.3) for i in order]
        self.current = req
        self.reading = None
        self.error = ""
        self.phase = TarotPhase.PICKING
        self.expires_at = time.time() + self.pick_timeout_s
        self.notice = tr("tarot.pick", nick=req.nickname, n=self.picks)
        self._restart_timer(self.pick_timeout_s, self._pick_timeout)
        self._changed()

    def _pick(self, text: str) -> None:
        req = self.current
        assert req is not None
        rejected: list[str] = []
        for tok in _INT.findall(text):
            if len(req.cards) >= self.picks:
                break
            n = int(tok) if len(tok) <= 4 else 0
            if not 1 <= n <= len(DECK):
                rejected.append(tok + tr("tarot.out_of_range"))
                continue
            if any(c.number == n for c in req.cards):
                rejected.append(f"{n}" + tr("tarot.duplicate"))
                continue
            card, rev = self._numbers[n - 1]
            pos_ko, pos_en = POSITIONS[len(req.cards)] if self.picks > 1 else ("결과", "outcome")
            req.cards.append(DrawnCard(n, card, rev, pos_ko, pos_en))
        self.error = (tr("tarot.bad_numbers") + ", ".join(rejected)) if rejected else ""
        left = self.picks - len(req.cards)
        if left > 0:
            self.notice = tr("tarot.pick_more", nick=req.nickname, n=left)
            self._changed()
            return
        self._cancel_timer()
        self.phase = TarotPhase.INTERPRETING
        self.expires_at = None
        self.notice = tr("tarot.interpreting")
        self._changed()
        self._work = self.tasks.spawn(self._interpret(req), "interpret")

    async def _interpret(self, req: TarotRequest) -> None:
        try:
            raw = await asyncio.wait_for(self.interpret(req), self.interpret_timeout_s)
            reading = repair_reading(raw, req)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # the LLM failed: say so on the overlay, keep the queue moving
            log.warning("tarot interpretation failed: %s", e)
            if self.bus is not None:
                self.bus.notice(tr("tarot.failed", error=explain(e)), level="warning",
                                detail=f"{type(e).__name__}: {e}")
            if self.current is not req:
                return
            self.phase = TarotPhase.RESULT
            self.error = tr("tarot.failed_overlay")
            self.expires_at = time.time() + self.error_s
            self._restart_timer(self.error_s, self._display_done)
            self._changed()
            return
        if self.current is not req:
            return
        self.reading = reading
        self.phase = TarotPhase.RESULT
        self.completed += 1
        self.notice = tr("tarot.result", nick=req.nickname)
        self.expires_at = time.time() + self.result_s
        self._restart_timer(self.result_s, self._display_done)
        self._changed()
        if self.on_result is not None:
            try:
                self.on_result(req, reading)
            except Exception:
                log.exception("tarot result listener failed")

    # -- timers ---------------------------------------------------------------------------
    def _restart_timer(self, delay: float, then: Callable[[], None]) -> None:
        self._cancel_timer()

        async def wait() -> None:
            await asyncio.sleep(delay)
            self._timer = None
            then()

        self._timer = self.tasks.spawn(wait(), "timer")

    def _cancel_timer(self) -> None:
        if self._timer is not None and not self._timer.done() and self._timer is not asyncio.current_task():
            self._timer.cancel()
        self._timer = None

    def _pick_timeout(self) -> None:
        if self.current is not None and self.phase == TarotPhase.PICKING:
            self._end(tr("tarot.timeout", nick=self.current.nickname))

    def _display_done(self) -> None:
        self._end("")

    def _end(self, notice: str) -> None:
        self._cancel_timer()
        if self._work is not None and not self._work.done():
            self._work.cancel()
        self._work = None
        self.current = None
        self.reading = None
        self.error = ""
        self._numbers = []
        self.phase = TarotPhase.IDLE
        self.expires_at = None
        self.notice = notice
        if self.queue:
            self._start(self.queue.popleft())
        else:
            self._changed()

    def _set_notice(self, text: str) -> None:
        self.notice = text
        if self.bus is not None:
            self.bus.notice(text, level="info")
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change()
            except Exception:
                log.exception("tarot change listener failed")

    async def stop(self) -> None:
        self._cancel_timer()
        await self.tasks.cancel_all()

    # -- view -----------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        req = self.current
        return {
            "enabled": self.enabled,
            "phase": self.phase.value,
            "command": COMMANDS[0],
            "picks_needed": self.picks,
            "user": req.nickname if req else "",
            "question": req.question if req else "",
            "picked": [c.to_json() for c in req.cards] if req else [],
            "expires_at": self.expires_at,
            "queue": [r.nickname for r in self.queue],
            "notice": self.notice,
            "error": self.error,
            "reading": self.reading,
        }


def _command(text: str) -> str | None:
    low = text.lower()
    for c in COMMANDS:
        if low == c or low.startswith(c + " "):
            return text[: len(c)]
    return None
