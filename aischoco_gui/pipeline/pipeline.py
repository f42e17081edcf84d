"""The live pipeline: chat → filter → batch → reply generator → approval gate → speaker + avatar.

Chats that arrive while a reply is being generated are merged into the next turn (as the PRD's
pipeline does). At most ``max_pending`` drafts wait for the streamer; generation pauses beyond
that (drafts held by the output filter wait in their own lane and do not count). Every stage emits
a timestamped event on the bus.

One gate to speech: every draft — chat replies, tarot readings, and anything later that wants the
avatar to speak — is created by :meth:`Pipeline.add_reply`, which runs the output filter, the length
cap and then the approval queue. Held (flagged) drafts are never pre-synthesised.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.i18n import register, tr
from aischoco_gui.models import ChatMessage
from aischoco_gui.pipeline.approval import ApprovalError, ApprovalQueue, Draft
from aischoco_gui.tasks import TaskGroup
from aischoco_gui.text import split_sentences

log = logging.getLogger(__name__)

register({
    "pipeline.notice.panic": ("긴급 정지: 말을 멈추고 대기열을 비우고 아바타를 기본 자세로 돌렸어요",
                              "panic: speech stopped, queue cleared, avatar neutral"),
})

Interceptor = Callable[[ChatMessage], bool]
DEFAULT_REPLY_MAX_CHARS = 300


def cap_text(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` at a sentence boundary (else a word boundary, marked "…")."""
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    out = ""
    for sent in split_sentences(text[: max_chars + 1])[:-1]:  # only the head (230 KB cost nothing); last is cut
        cand = f"{out} {sent}" if out else sent
        if len(cand) > max_chars:
            break
        out = cand
    if out:
        return out
    head = text[: max_chars - 1]
    cut = head.rfind(" ")
    return (head[:cut] if cut > max_chars // 2 else head).rstrip() + "…"


class Pipeline:
    def __init__(self, bus: EventBus, queue: ApprovalQueue, chat_filter: Any, generator: Any, speaker: Any,
                 avatar: Any, chat_source: Any = None, *, batch_max: int = 10, max_pending: int = 3,
                 backlog: int = 300, retry_backoff: tuple[float, float] = (1.0, 30.0),
                 output_filter: Any = None, reply_max_chars: int = DEFAULT_REPLY_MAX_CHARS) -> None:
        self.bus = bus
        self.queue = queue
        self.chat_filter = chat_filter
        self.generator = generator
        self.speaker = speaker
        self.avatar = avatar
        self.chat_source = chat_source
        self.batch_max = batch_max
        self.max_pending = max_pending
        self.retry_backoff = retry_backoff
        # The gate's output filter (``check(text) -> reason | None``): given, else the current reply
        # generator's own, looked up per draft so a rebuilt generator's new word list applies at once.
        self.output_filter = output_filter
        self.reply_max_chars = reply_max_chars
        self.backlog: deque[ChatMessage] = deque()
        self.backlog_max = backlog
        self.dropped = 0  # chat never answered because the backlog overflowed
        self.paused = False
        self.interceptors: list[Interceptor] = []
        self.tasks = TaskGroup("pipeline", bus)
        self._turns = itertools.count(1)
        self._wake = asyncio.Event()
        self._speak_wake = asyncio.Event()
        self._gen_task: asyncio.Task | None = None
        self._speaking: Draft | None = None
        self._running = False
        queue.listen(self._on_queue)

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._running = True
        self.tasks.spawn(self._generate_loop(), "generate")
        self.tasks.spawn(self._speak_loop(), "speak")
        self.tasks.spawn(self._tick_loop(), "auto-approve")
        if self.chat_source is not None:
            await self.chat_source.start(self.on_chat)

    async def stop(self) -> None:
        self._running = False
        if self.chat_source is not None:
            try:
                await self.chat_source.stop()
            except Exception:
                log.exception("chat source stop failed")
        await self.tasks.cancel_all()

    async def replace_chat_source(self, source: Any) -> None:
        """Switch chat sources at run time (settings change)."""
        if self.chat_source is not None:
            await self.chat_source.stop()
        self.chat_source = source
        if self._running and source is not None:
            await source.start(self.on_chat)

    # -- chat intake -----------------------------------------------------------------------
    def add_interceptor(self, fn: Interceptor) -> None:
        """``fn(msg) -> True`` consumes a message before batching (e.g. tarot commands)."""
        self.interceptors.append(fn)

    def on_chat(self, msg: ChatMessage) -> None:
        """Entry point for every chat message from the source (called on the loop)."""
        reason = None
        if self.chat_filter is not None:
            try:
                reason = self.chat_filter.check(msg)
            except Exception:
                log.exception("chat filter failed on message %s; letting it through", msg.id)
        msg.filtered_reason = reason
        self.bus.emit(EventKind.CHAT_RECEIVED, message=msg)
        if reason is not None:
            self.bus.emit(EventKind.CHAT_FILTERED, message=msg, reason=reason)
            return
        for fn in self.interceptors:
            try:
                if fn(msg):
                    return
            except Exception:
                log.exception("chat interceptor %r failed", fn)
        self._enqueue(msg)

    def answer_now(self, msg: ChatMessage) -> None:
        """Streamer's "answer this now": the message jumps the queue even if it was filtered."""
        msg.priority = True
        msg.filtered_reason = None
        try:
            self.backlog.remove(msg)
        except ValueError:
            pass
        self.backlog.appendleft(msg)
        self._wake.set()

    def add_streamer_speech(self, msg: ChatMessage) -> None:
        """A turn from the streamer's microphone (co-host mode): shown in the chat panel, answered ahead
        of queued chat and never dropped by an overflowing backlog. The chat filter and interceptors are
        not applied (it is the streamer's own voice); the output filter and approval still are (the gate)."""
        msg.priority = True
        self.bus.emit(EventKind.CHAT_RECEIVED, message=msg)
        self._enqueue(msg)

    def add_director_note(self, msg: ChatMessage) -> None:
        """A private director whisper: it rides with the next turn only (and starts one if nothing is queued).

        Never emitted as chat, so no panel list and no overlay sees it; the reply card shows it from the
        draft's batch, and the generator keeps it out of memory (saved history and summary)."""
        msg.priority = True
        self._enqueue(msg)

    def _enqueue(self, msg: ChatMessage) -> None:
        self.backlog.append(msg)
        while len(self.backlog) > self.backlog_max:
            victim = next((m for m in self.backlog if not m.priority), None)
            if victim is None:
                break
            self.backlog.remove(victim)
            self.dropped += 1
        self._wake.set()

    def take_batch(self) -> list[ChatMessage]:
        """Priority messages first, then the newest others, up to ``batch_max``; older ones are dropped."""
        if not self.backlog:
            return []
        prio = [m for m in self.backlog if m.priority][: self.batch_max]
        rest = [m for m in self.backlog if not m.priority]
        room = self.batch_max - len(prio)
        newest = rest[-room:] if room > 0 else []
        self.dropped += len(rest) - len(newest)
        self.backlog.clear()
        return prio + newest

    # -- generation ------------------------------------------------------------------------
    def _has_capacity(self) -> bool:
        """Room for another draft: held (flagged) drafts wait in their own lane and never block the rest."""
        return len(self.queue.waiting) + len(self.queue.approved) < self.max_pending

    async def _generate_loop(self) -> None:
        backoff = self.retry_backoff[0]
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self.paused or not self.backlog or not self._has_capacity():
                continue
            batch = self.take_batch()
            turn = next(self._turns)
            self.bus.emit(EventKind.BATCH_READY, turn=turn, messages=batch)
            try:
                reply = await self._generate(batch, turn)
            except asyncio.CancelledError:
                if not self._running:
                    raise
                continue  # panic cancelled this turn
            except Exception as e:
                log.warning("reply generation failed for turn %s: %s", turn, e)
                self.bus.emit(EventKind.LLM_FAILED, turn=turn, error=str(e))
                # Keep the chat: put it back and try again after a growing pause.
                for m in reversed(batch):
                    self.backlog.appendleft(m)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.retry_backoff[1])
                self._wake.set()
                continue
            backoff = self.retry_backoff[0]
            if reply is None or not reply.text.strip():
                self._commit(batch, None)
            else:
                self.add_reply(reply, batch, kind="chat", turn=turn)
            if self.backlog:
                self._wake.set()

    async def _generate(self, batch: list[ChatMessage], turn: int):
        task = asyncio.ensure_future(self.generator.generate(batch, turn))
        self._gen_task = task
        try:
            return await task
        finally:
            self._gen_task = None

    def add_reply(self, reply: Any, source_messages: list[ChatMessage] | None = None, *, kind: str = "reply",
                  turn: int | None = None) -> Draft:
        """The one gate to speech: output filter (flagging) → length cap → approval queue.

        Everything that wants the avatar to speak (chat replies, tarot readings, idle talk, …) comes
        through here, so no path skips the filter. ``kind`` names the source (for notes and logs).
        """
        text = reply.text or ""
        flt = self.output_filter if self.output_filter is not None else getattr(self.generator, "output_filter", None)
        if not reply.flagged and flt is not None:
            try:
                reply.flagged = flt.check(text)
            except Exception:
                log.exception("output filter failed; holding the %s draft for the streamer", kind)
                reply.flagged = "output filter failed"
            if reply.flagged:
                reply.notes.append(f"flagged: {reply.flagged}")
        trimmed = False
        capped = cap_text(text, self.reply_max_chars)
        if capped != text:
            trimmed = True
            log.info("%s reply trimmed from %d to %d characters", kind, len(text), len(capped))
            reply.text = capped
            reply.sentences = split_sentences(capped)
            reply.notes.append(f"trimmed: {len(text)} → {len(capped)} characters (REPLY_MAX_CHARS)")
        d = Draft(reply=reply, batch=list(source_messages or []), turn=next(self._turns) if turn is None else turn,
                  kind=kind, trimmed=trimmed)
        self.queue.add(d)
        return d

    def _commit(self, batch: list[ChatMessage], text: str | None) -> None:
        try:
            self.generator.commit(batch, text)
        except Exception:
            log.exception("could not record turn in conversation memory")

    # -- approval --------------------------------------------------------------------------
    def _on_queue(self, action: str, d: Draft) -> None:
        if action == "added":
            # Synthesis first, the GUI after: the bus's subscribers (bridge → panels) run synchronously,
            # so emitting first would make the TTS request wait for them.
            self._prepare(d)
            self.bus.emit(EventKind.DRAFT_CREATED, turn=d.turn, draft=d)
        elif action == "approved":
            self._speak_wake.set()
            self.bus.emit(EventKind.APPROVED, turn=d.turn, draft=d, auto=d.auto)
        elif action == "skipped":
            self.bus.emit(EventKind.SKIPPED, turn=d.turn, draft=d)
            self._discard(d)
            self._commit(d.batch, None)
            self._wake.set()
        elif action in ("edited", "moved"):
            if action == "edited":
                self._discard(d)
                self._prepare(d)
            self.bus.emit(EventKind.DRAFT_UPDATED, turn=d.turn, draft=d, action=action)
        elif action == "done":
            self._wake.set()

    def _prepare(self, d: Draft) -> None:
        if d.flagged:  # held text is not synthesised before a human approves it (speak() does it then)
            return
        try:
            self.speaker.prepare(d)
        except Exception:
            log.exception("pre-synthesis failed to start for draft %s", d.id)

    def _discard(self, d: Draft) -> None:
        try:
            self.speaker.discard(d)
        except Exception:
            log.exception("discard failed for draft %s", d.id)

    # convenience for the GUI: errors come back as ApprovalError with a message
    def approve(self, draft_id: int) -> Draft:
        return self.queue.approve(draft_id)

    def edit(self, draft_id: int, text: str, emotion: str | None = None) -> Draft:
        return self.queue.edit(draft_id, text, emotion)

    def skip(self, draft_id: int) -> Draft:
        return self.queue.skip(draft_id)

    def move(self, draft_id: int, index: int) -> Draft:
        return self.queue.move(draft_id, index)

    def drop_user(self, user_id: str) -> tuple[list[Draft], list[Draft]]:
        """Moderation: forget one viewer's queued chat and drafts.

        Their messages waiting to be batched are removed; drafts answering ONLY that viewer are
        skipped, pending or approved-but-not-yet-spoken (the one speaking now is left to finish; panic
        stops it). Drafts that also answer others are kept as they are (their text may answer both)
        and returned second, so the panel can say so. Returns ``(skipped, kept_mixed)``."""
        if not user_id:
            return [], []
        for m in [m for m in self.backlog if m.user_id == user_id]:
            self.backlog.remove(m)
        skipped: list[Draft] = []
        mixed: list[Draft] = []
        for d in [*self.queue.pending, *self.queue.approved]:
            users = {m.user_id for m in d.batch}
            if user_id not in users:
                continue
            if users == {user_id}:
                skipped.append(self.queue.skip(d.id) if d in self.queue.pending else self.queue.withdraw(d.id))
            else:
                mixed.append(d)
        return skipped, mixed

    def set_approval_mode(self, mode: str, auto_after_s: float | None = None) -> None:
        self.queue.set_mode(mode, auto_after_s)

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            try:
                self.queue.tick()
            except ApprovalError as e:
                log.debug("auto-approve: %s", e)

    # -- speech ----------------------------------------------------------------------------
    @property
    def speaking(self) -> Draft | None:
        return self._speaking

    async def _speak_loop(self) -> None:
        while True:
            d = self.queue.take_approved()
            if d is None:
                self._speak_wake.clear()
                await self._speak_wake.wait()
                continue
            self._speaking = d
            self.bus.emit(EventKind.SPEECH_STARTED, turn=d.turn, draft=d)
            self.bus.emit(EventKind.EMOTION, turn=d.turn, emotion=d.emotion)
            self._commit(d.batch, d.text)
            for m in d.batch:
                m.processed = True
            self._avatar("set_emotion", d.emotion)
            self._avatar("set_speaking", True)
            try:
                await self.speaker.speak(d)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is None or task.cancelling():  # the pipeline itself is stopping
                    raise
                # Not ours: the voice was shut down under this speech (a live TTS rebuild cancels its
                # synthesis). The speech is cut; the loop goes on with the new voice.
                log.info("speech of draft %s was cut: its voice was replaced", d.id)
                self.bus.emit(EventKind.PLAYBACK_END, turn=d.turn, draft=d, cancelled=True)
            except Exception as e:
                log.exception("speaking draft %s failed", d.id)
                self.bus.notice(f"TTS: {e}", level="error")
            finally:
                self._avatar("set_speaking", False)
                self._speaking = None
                self.queue.finish(d)

    def _avatar(self, method: str, *args: Any) -> None:
        try:
            getattr(self.avatar, method)(*args)
        except Exception:
            log.exception("avatar %s failed", method)

    # -- panic -----------------------------------------------------------------------------
    async def panic(self) -> None:
        """Stop speech, clear every queued draft and pending chat, return the avatar to neutral."""
        self.queue.clear()
        self.backlog.clear()
        if self._gen_task is not None and not self._gen_task.done():
            self._gen_task.cancel()
        try:
            await self.speaker.stop()
        except Exception:
            log.exception("speaker stop failed during panic")
        for _ in range(100):  # let the speak loop finish its draft (speaker.stop cuts it within a block)
            if self._speaking is None:
                break
            await asyncio.sleep(0.01)
        self._avatar("reset_neutral")
        self.bus.emit(EventKind.PANIC)
        self.bus.notice(tr("pipeline.notice.panic"), level="warning")
