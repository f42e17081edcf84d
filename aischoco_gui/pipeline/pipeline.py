"""The live pipeline: chat → filter → batch → reply generator → approval gate → speaker + avatar.

Chats that arrive while a reply is being generated are merged into the next turn (as the PRD's
pipeline does). At most ``max_pending`` drafts wait for the streamer; generation pauses beyond
that (drafts held by the output filter wait in their own lane and do not count). Every stage emits
a timestamped event on the bus.

Viewer memory (issue 24, optional): every message that passed the chat filter is counted on its
sender's card (``observe``); a turn's messages carry their viewers' cards to the generator
(``attach_cards``); a fact the LLM proposed is passed on only when neither filter held anything of it.

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

from aischoco_gui.events import EventBus, EventKind, origin
from aischoco_gui.i18n import register, tr
from aischoco_gui.models import ChatMessage, DraftState, FactProposal
from aischoco_gui.pipeline.approval import ApprovalError, ApprovalQueue, Draft
from aischoco_gui.protocols import ViewerMemory
from aischoco_gui.tasks import TaskGroup
from aischoco_gui.text import clean_nickname, split_sentences

log = logging.getLogger(__name__)

register({
    "pipeline.notice.panic": ("긴급 정지: 말을 멈추고 대기열을 비우고 아바타를 기본 자세로 돌렸어요",
                              "panic: speech stopped, queue cleared, avatar neutral"),
    "pipeline.notice.tts_failed": ("답변을 소리로 내지 못했어요. 설정 → 음성에서 엔진과 출력 장치를 확인하세요 "
                                   "(자세한 내용은 로그에 있어요)",
                                   "The reply could not be spoken. Check the engine and output device in "
                                   "Settings → Voice (details in the log)"),
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


class _Heard:
    """What of one draft was actually heard: the sentences whose end played (SENTENCE_SPOKEN), whether
    any audio played at all, and whether playback was cut (PLAYBACK_END cancelled; ``panic`` is set by
    :meth:`Pipeline.panic`)."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.sentences: list[str] = []
        self.audio = False
        self.cancelled = False
        self.panic = False

    def on_event(self, ev: Any) -> None:
        if ev.data.get("draft") is not self.draft:
            return
        elif ev.kind is EventKind.SENTENCE_SPOKEN:
            self.sentences.append(str(ev.data.get("text") or ""))
        elif ev.kind is EventKind.FIRST_AUDIO:
            self.audio = True
        elif ev.kind is EventKind.PLAYBACK_END:
            self.cancelled = self.cancelled or bool(ev.data.get("cancelled"))

    @property
    def cut(self) -> bool:
        """Cut while heard (or by a panic before a sound): not when there was no output at all (text only)."""
        return self.cancelled and (self.audio or self.panic)

    @property
    def text(self) -> str:
        return " ".join(s.strip() for s in self.sentences if s.strip())


class Pipeline:
    def __init__(self, bus: EventBus, queue: ApprovalQueue, chat_filter: Any, generator: Any, speaker: Any,
                 avatar: Any, chat_source: Any = None, *, batch_max: int = 10, max_pending: int = 3,
                 backlog: int = 300, retry_backoff: tuple[float, float] = (1.0, 30.0),
                 output_filter: Any = None, reply_max_chars: int = DEFAULT_REPLY_MAX_CHARS,
                 viewers: ViewerMemory | None = None) -> None:
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
        self.viewers = viewers  # per-viewer memory (None: VIEWER_MEMORY=off); replaced when rebuilt
        self._held_ids: deque[int] = deque(maxlen=1000)  # filtered messages the streamer had answered anyway
        self.backlog: deque[ChatMessage] = deque()
        self.backlog_max = backlog
        self.dropped = 0  # chat never answered because the backlog overflowed
        self.paused = False
        # lockdown: no new reply is generated or spoken until lifted; chat is still read and shown (set_hold)
        self.held = False
        self.interceptors: list[Interceptor] = []
        self.tasks = TaskGroup("pipeline", bus)
        self._turns = itertools.count(1)
        self._wake = asyncio.Event()
        self._speak_wake = asyncio.Event()
        self._retry_now = asyncio.Event()
        self._gen_task: asyncio.Task | None = None
        self._speaking: Draft | None = None
        self._heard: _Heard | None = None  # what of the speaking draft has been heard so far
        self._running = False
        self._skip_cause = ""  # why the drafts being dropped now are skipped (panic, moderation); "" = a person
        queue.listen(self._on_queue)
        self._tick_wake = asyncio.Event()  # a draft entered the queue: the auto-approve tick runs again
        queue.listen(lambda action, _d: self._tick_wake.set() if action == "added" else None)

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
            return  # a held message adds nothing to viewer memory either
        self._viewers("observe", msg)
        token = origin.set((msg.id,))  # an interceptor's task (a donation's thanks, a tarot reading) answers msg
        try:
            for fn in self.interceptors:
                try:
                    if fn(msg):
                        return
                except Exception:
                    log.exception("chat interceptor %r failed", fn)
        finally:
            origin.reset(token)
        self._enqueue(msg)

    def answer_now(self, msg: ChatMessage) -> None:
        """Streamer's "answer this now": the message jumps the queue even if it was filtered."""
        msg.priority = True
        if msg.filtered_reason is not None:
            self._held_ids.append(msg.id)  # answered, but nothing of it goes into viewer memory
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
        if self.held:  # lockdown: shown (CHAT_RECEIVED) but never answered, not even after the lift
            return
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
            if self.paused or self.held or not self.backlog or not self._has_capacity():
                continue
            batch = self.take_batch()
            turn = next(self._turns)
            token = origin.set(tuple(m.id for m in batch))  # this turn's events and LLM call answer the batch
            try:
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
                    # Keep the chat: put it back and try again after a growing pause, or at once when a new
                    # reply generator comes in (a key entered in the settings: the waiting chat is answered now).
                    for m in reversed(batch):
                        self.backlog.appendleft(m)
                    self._retry_now.clear()
                    try:
                        await asyncio.wait_for(self._retry_now.wait(), backoff)
                        backoff = self.retry_backoff[0]
                    except TimeoutError:
                        backoff = min(backoff * 2, self.retry_backoff[1])
                    self._wake.set()
                    continue
                backoff = self.retry_backoff[0]
                if reply is None or not reply.text.strip():
                    self._commit(batch, None)
                else:
                    fact = getattr(reply, "fact", None)
                    d = self.add_reply(reply, batch, kind="chat", turn=turn)
                    if fact is not None:
                        self._propose_fact(fact, d)
            finally:
                origin.reset(token)
            if self.backlog:
                self._wake.set()

    @property
    def generating(self) -> bool:
        """A reply is being generated now."""
        return self._gen_task is not None

    async def _generate(self, batch: list[ChatMessage], turn: int):
        self._viewers("attach_cards", [m for m in batch if m.id not in self._held_ids])
        task = asyncio.ensure_future(self.generator.generate(batch, turn))
        self._gen_task = task
        try:
            return await task
        finally:
            self._gen_task = None

    def retry_now(self) -> None:
        """The reply generator was replaced (live settings): a turn waiting out a failure's backoff is
        tried again at once, and the backoff starts over."""
        self._retry_now.set()
        self._wake.set()

    def add_reply(self, reply: Any, source_messages: list[ChatMessage] | None = None, *, kind: str = "reply",
                  turn: int | None = None) -> Draft:
        """The one gate to speech: output filter (flagging) → length cap → approval queue.

        Everything that wants the avatar to speak (chat replies, tarot readings, idle talk, …) comes
        through here, so no path skips the filter. ``kind`` names the source (for notes and logs).
        """
        if self.held:  # lockdown: nothing new reaches the queue (tarot, show tools, mic turns alike)
            log.info("lockdown: %s reply not queued", kind)
            reply.notes.append("not queued: lockdown")
            return Draft(reply=reply, batch=list(source_messages or []), turn=next(self._turns) if turn is None
                         else turn, kind=kind, state=DraftState.SKIPPED)
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

    def _viewers(self, method: str, *args: Any) -> None:
        vm = self.viewers
        if vm is None:
            return
        try:
            getattr(vm, method)(*args)
        except Exception:  # memory is a nicety: it never stops the show
            log.exception("viewer memory %s failed", method)

    def _output_flag(self, text: str) -> str | None:
        flt = self.output_filter if self.output_filter is not None else getattr(self.generator, "output_filter", None)
        try:
            return flt.check(text) if flt is not None else None
        except Exception:
            log.exception("output filter failed on a proposed fact")
            return "output filter failed"

    def _propose_fact(self, fact: FactProposal, d: Draft) -> None:
        """Pass a proposed fact on — unless the draft was held by the output filter, the fact itself hits it,
        or it names no viewer of this turn whose message passed the chat filter."""
        if d.flagged:
            log.info("fact proposal dropped: its reply was held (%s)", d.flagged)
            return
        if self._output_flag(fact.text):
            log.info("fact proposal dropped: the output filter holds its text")
            return
        nick = clean_nickname(fact.nick.strip())  # the prompt showed each nickname cleaned like this
        src = next((m for m in reversed(d.batch) if clean_nickname(m.nickname) == nick and not m.is_director
                    and not m.is_voice and not m.is_streamer and m.id not in self._held_ids
                    and m.filtered_reason is None), None)
        if src is None:
            log.info("fact proposal dropped: %r is not a viewer this turn answered", nick[:40])
            return
        self._viewers("propose", src, fact.text)

    def _commit(self, batch: list[ChatMessage], text: str | None, emotion: str | None = None) -> None:
        try:
            if emotion is None:
                self.generator.commit(batch, text)
            else:
                self.generator.commit(batch, text, emotion=emotion)
        except Exception:
            log.exception("could not record turn in conversation memory")

    def _mark_cut(self, d: Draft, heard: str) -> None:
        """Speech was cut (panic, stop): memory keeps only what was heard, marked as cut."""
        mark = getattr(self.generator, "mark_cut", None)
        if mark is None:
            return
        try:
            mark(d.batch, heard)
        except Exception:
            log.exception("could not mark the cut reply in conversation memory")

    # -- approval --------------------------------------------------------------------------
    def _on_queue(self, action: str, d: Draft) -> None:
        if action == "added":
            # Synthesis first, the GUI after: the bus's subscribers (bridge → panels) run synchronously,
            # so emitting first would make the TTS request wait for them.
            self._prepare(d)
            self.bus.emit(EventKind.DRAFT_CREATED, turn=d.turn, draft=d)
        elif action == "approved":
            self._speak_wake.set()
            self.bus.emit(EventKind.APPROVED, turn=d.turn, draft=d, auto=d.auto, by="auto" if d.auto else "human")
        elif action == "skipped":
            self.bus.emit(EventKind.SKIPPED, turn=d.turn, draft=d, by=self._skip_cause or "human")
            self._discard(d)
            self._commit(d.batch, None)
            self._wake.set()
        elif action in ("edited", "moved"):
            if action == "edited":
                self._discard(d)
                self._prepare(d)
            self.bus.emit(EventKind.DRAFT_UPDATED, turn=d.turn, draft=d, action=action, by="human")
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
    def approve(self, draft_id: int, *, auto: bool = False) -> Draft:
        """``auto``: approved by a rule (auto mode, the thanks policy), not by a person; never a flagged draft."""
        return self.queue.approve(draft_id, auto=auto)

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
        self._skip_cause = "moderation"
        try:
            for d in [*self.queue.pending, *self.queue.approved]:
                users = {m.user_id for m in d.batch}
                if user_id not in users:
                    continue
                if users == {user_id}:
                    skipped.append(self.queue.skip(d.id) if d in self.queue.pending else self.queue.withdraw(d.id))
                else:
                    mixed.append(d)
        finally:
            self._skip_cause = ""
        return skipped, mixed

    def set_approval_mode(self, mode: str, auto_after_s: float | None = None) -> None:
        self.queue.set_mode(mode, auto_after_s)

    async def _tick_loop(self) -> None:
        while True:
            if not self.queue.waiting:  # nothing a timer could approve: sleep until a draft comes (issue 27)
                self._tick_wake.clear()
                await self._tick_wake.wait()
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
            d = None if self.held else self.queue.take_approved()
            if d is None:
                self._speak_wake.clear()
                await self._speak_wake.wait()
                # one loop turn: the approved draft's TTS request (started by prepare, queued on the loop just
                # before this wake-up) goes out before this speech's bookkeeping and GUI events (issue 27)
                await asyncio.sleep(0)
                continue
            self._speaking = d
            self.bus.emit(EventKind.SPEECH_STARTED, turn=d.turn, draft=d)
            self.bus.emit(EventKind.EMOTION, turn=d.turn, emotion=d.emotion)
            # memory gets the turn now (the next reply may be generated while this one plays), with the
            # emotion the streamer saw and approved; a cut below amends it to what was heard
            self._commit(d.batch, d.text, d.emotion)
            for m in d.batch:
                m.processed = True
            self._avatar("set_emotion", d.emotion)
            self._avatar("set_speaking", True)
            heard = self._heard = _Heard(d)
            unsubscribe = self.bus.subscribe(heard.on_event)
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
                self.bus.notice(tr("pipeline.notice.tts_failed"), level="error", detail=f"{type(e).__name__}: {e}")
                heard.cancelled = heard.cancelled or heard.audio
            finally:
                unsubscribe()
                self._avatar("set_speaking", False)
                self._speaking = self._heard = None
                self.queue.finish(d)
            if heard.cut:
                self._mark_cut(d, heard.text)

    def _avatar(self, method: str, *args: Any) -> None:
        try:
            getattr(self.avatar, method)(*args)
        except Exception:
            log.exception("avatar %s failed", method)

    # -- lockdown --------------------------------------------------------------------------
    def set_hold(self, on: bool) -> None:
        """Lockdown's hold: while on, chat is shown but not queued, nothing is generated, no draft enters the
        queue and nothing is spoken. Off resumes (chat received during the hold is not answered)."""
        self.held = bool(on)
        if self.held:
            self.backlog.clear()
            if self._gen_task is not None and not self._gen_task.done():
                self._gen_task.cancel()
        else:
            self._wake.set()
            self._speak_wake.set()

    # -- panic -----------------------------------------------------------------------------
    async def panic(self) -> None:
        """Stop speech, clear every queued draft and pending chat, return the avatar to neutral."""
        self._skip_cause = "panic"
        if self._heard is not None:
            self._heard.panic = True
        try:
            self.queue.clear()
        finally:
            self._skip_cause = ""
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
        self.bus.emit(EventKind.PANIC, by="human")
        self.bus.notice(tr("pipeline.notice.panic"), level="warning")
