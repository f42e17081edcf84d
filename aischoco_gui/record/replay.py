"""Replay a recorded show through today's pipeline, headless, against the LLM configured now.

The recorded chat (chat, donations, subscriptions, the streamer's voice turns and director whispers,
each as the source delivered it) is fed, in order, into a pipeline built by the composition root
(``compose.build_services``: today's chat filter, batching, persona, memory, prompt, thanks lane,
tarot) with no chat source, a silent speaker, no avatar and no overlay, in a throw-away folder that
starts with the recorded conversation summary. The recorded spacing is kept, compressed ``speed``×
(the chat filter's clock runs on the recorded time, so its spam windows behave as they did live);
``speed`` 0 feeds one recorded turn at a time and waits for its answer (no clock: turns line up 1:1).

Each new draft gets the decision the streamer made on the recorded one (approved → approved,
skipped → skipped; a draft the output filter holds now is skipped unless the recorded one was held
and approved too), so memory grows as it did. Nothing is spoken, nothing reaches VTS, OBS or chat.

Cancelling the task (Ctrl+C, the window's Stop) ends the replay cleanly and returns what was done.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aischoco_gui import __version__, compose
from aischoco_gui.chat.filters import FILTERS_FILE, ChatFilter
from aischoco_gui.events import Event, EventBus, EventKind, origin
from aischoco_gui.i18n import tr
from aischoco_gui.models import ChatMessage, Draft
from aischoco_gui.paths import UserDirs
from aischoco_gui.pipeline.approval import ApprovalError
from aischoco_gui.record import strings as _strings  # noqa: F401  (registers the UI text)
from aischoco_gui.record.format import Recording, RecordingError, encode_event
from aischoco_gui.record.report import REPORT_FORMAT, REPORT_VERSION
from aischoco_gui.record.turns import Turn, compare, summarize, turns_from_events
from aischoco_gui.settings import Settings
from aischoco_gui.tts.silent import SilentSpeaker
from aischoco_gui.vts.noavatar import NoAvatar

log = logging.getLogger(__name__)

_MESSAGE_FIELDS = {f.name for f in dataclasses.fields(ChatMessage)}
# what the comparison reads; the rest of the replay's own events are not kept
_KEEP = frozenset({"chat_received", "batch_ready", "llm_reply_received", "llm_failed", "llm_exchange",
                   "draft_created", "draft_updated", "approved", "skipped"})
SETTLE_S = 0.006  # the pipeline must look idle this long before the next turn (speed 0) or the end
POLL_S = 0.002


class ReplayError(RuntimeError):
    """The replay cannot start or had to stop; the message says why (UI language)."""


@dataclass(frozen=True)
class ReplayOptions:
    speed: float = 1.0  # recorded spacing compressed this many times; 0 = turn by turn, no clock
    concurrency: int = 2  # LLM requests in flight at most (thanks, tarot and summaries run beside a turn)
    max_failures: int = 3  # consecutive failed LLM turns before the replay gives up


@dataclass(frozen=True)
class ReplayProgress:
    fed: int
    total: int
    answered: int
    elapsed_s: float


@dataclass
class Input:
    t: float  # recording clock
    how: str  # chat | voice | director
    message: dict[str, Any]
    group: int  # the recorded turn it went into (speed 0 feeds one group at a time)


def replay_inputs(rec: Recording) -> list[Input]:
    """The recorded chat to send again, in order (each message once)."""
    batch_of: dict[int, int] = {}
    batch_t: dict[int, float] = {}
    chat_t: dict[int, float] = {}
    for ev in rec.events:
        if ev.get("k") == "batch_ready" and isinstance(ev.get("turn"), int):
            for m in (ev.get("d") or {}).get("messages") or []:
                if isinstance(m.get("id"), int):
                    batch_of.setdefault(m["id"], ev["turn"])
            batch_t.setdefault(ev["turn"], float(ev.get("t") or 0.0))
    out: list[Input] = []
    seen: set[int] = set()
    solo = -1
    for ev in rec.events:
        k, d = ev.get("k"), ev.get("d") or {}
        if k == "chat_received":
            m = d.get("message") or {}
            mid = m.get("id")
            if not isinstance(mid, int) or mid in seen:
                continue
            seen.add(mid)
            chat_t[mid] = float(ev.get("t") or 0.0)
            group = batch_of.get(mid)
            if group is None:
                group, solo = solo, solo - 1
            out.append(Input(chat_t[mid], "voice" if m.get("kind") == "voice" else "chat", m, group))
        elif k == "batch_ready":
            msgs = d.get("messages") or []
            for m in msgs:
                mid = m.get("id")
                if m.get("kind") != "director" or not isinstance(mid, int) or mid in seen:
                    continue
                seen.add(mid)
                # it reached the pipeline before this batch formed: with the batch's latest chat
                others = [chat_t[o["id"]] for o in msgs if o.get("id") in chat_t]
                out.append(Input(max(others, default=float(ev.get("t") or 0.0)), "director", m, ev.get("turn") or 0))
    out.sort(key=lambda i: i.t)
    return out


def message_from(d: dict[str, Any]) -> ChatMessage:
    """A recorded message as a new ChatMessage with the same id (today's filter and pipeline decide again)."""
    kw = {k: v for k, v in d.items() if k in _MESSAGE_FIELDS}
    kw.update(filtered_reason=None, processed=False, priority=False, received_at=time.monotonic())
    kw["badges"] = list(kw.get("badges") or [])
    kw["emojis"] = dict(kw.get("emojis") or {})
    return ChatMessage(**kw)


def replay_settings(s: Settings) -> Settings:
    """The user's settings with everything that reaches outside the LLM switched off (OBS included: a replay
    never connects to the streamer's OBS). The tarot corner too: a reading waits for the viewer to pick cards
    in chat, which a recording cannot answer again (its commands go through as ordinary chat)."""
    return dataclasses.replace(
        s, chat_source="rehearsal", mic_mode="off", stt_input_device="off", idle_talk_seconds=0.0,
        run_sheet_enabled=False, chzzk_chat_echo="off", approval_mode="manual", auto_approve_seconds=0.0,
        thanks_auto_approve=False, show_record="off", overlay_port=0, tts_output_device="null", tarot_enabled=False,
        obs_enabled="off")


def _copy_config(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    if not src.is_dir():
        return
    for p in src.iterdir():  # persona, filters, pose mapping, topics (no secrets, no tokens)
        if p.is_file() and p.name not in ("secrets.env", "vts_token.txt", "ui_settings.json") and \
                p.stat().st_size < 5_000_000:
            try:
                shutil.copyfile(p, dst / p.name)
            except OSError as e:
                log.warning("replay: could not copy %s: %s", p, e)


class Replayer:
    """One replay of one recording (``await run()``; cancel the task to stop early)."""

    def __init__(self, rec: Recording, settings: Settings, config_dir: Path, options: ReplayOptions = ReplayOptions(),
                 progress: Callable[[ReplayProgress], None] | None = None) -> None:
        self.rec = rec
        self.settings = replay_settings(settings)
        self.config_dir = config_dir
        self.options = options
        self.progress = progress
        self.inputs = replay_inputs(rec)
        self.old_turns: list[Turn] = turns_from_events(rec.events)
        self._old_by_msg: dict[int, Turn] = {}
        for t in self.old_turns:
            for mid in t.key:
                self._old_by_msg.setdefault(mid, t)
        self.events: list[dict[str, Any]] = []
        self.fed = 0
        self.answered = 0
        self.interrupted = False
        self.error = ""
        self.services: Any = None
        self._vt = 0.0  # the recording clock the chat filter sees
        self._failures = 0
        self._last_error = ""
        self._decisions = 0
        self._decided: dict[int, str] = {}  # new draft id → what the replay did with it
        self._t0 = 0.0
        self._last_progress = 0.0

    # -- the run --------------------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        if not self.inputs:
            raise RecordingError(tr("record.error.empty", path=self.rec.path))
        self._t0 = time.monotonic()
        work = Path(tempfile.mkdtemp(prefix="aischoco-replay-"))
        try:
            self._build(work)
            client = getattr(self.services.generator, "client", None)
            if client is None or not client.configured_endpoints:
                raise ReplayError(getattr(self.services.generator, "error", "") or tr("replay.error.no_llm"))
            client.limit = asyncio.Semaphore(max(1, self.options.concurrency))
            await compose.start_services(self.services)
            # the first turn as fast as the tenth (else the early chat piles up behind a cold start): the
            # connection open and the token counter loaded (its load holds the interpreter for a moment)
            await client.preconnect()
            counter = getattr(getattr(self.services.generator, "memory", None), "counter", None)
            if counter is not None:
                await counter.load_async()
            self._seed_memory()
            await self._feed()
            await self._drain()
        except asyncio.CancelledError:
            self.interrupted = True
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # handled: the caller gets what was done so far
        except _Abort as e:
            self.error = str(e)
        finally:
            await self._stop()
            shutil.rmtree(work, ignore_errors=True)
        self._report_progress(force=True)
        return self.result()

    def _build(self, work: Path) -> None:
        dirs = UserDirs(config=work / "config", data=work / "data", logs=work / "logs", home=work)
        _copy_config(self.config_dir, dirs.config)
        dirs.ensure()
        memory = self.rec.header.get("memory") or {}
        if memory.get("summary"):
            (dirs.history / "summary.json").write_text(json.dumps(
                {"summary": memory["summary"], "timestamp": "", "message_count": 0}, ensure_ascii=False),
                encoding="utf-8")
        bus = EventBus(history=64)
        chat_filter = ChatFilter.load(dirs.config / FILTERS_FILE, clock=lambda: self._vt)
        self.services = compose.build_services(self.settings, dirs, bus, overrides={
            "chat_filter": chat_filter, "chat": None, "speaker": SilentSpeaker(bus, "replay", seconds_per_char=0.0),
            "avatar": NoAvatar(bus), "overlay": None})
        self.services.pipeline.retry_backoff = (0.05, 0.5)
        bus.subscribe(self._on_event)

    def _seed_memory(self) -> None:
        memory = getattr(self.services.generator, "memory", None)
        for item in (self.rec.header.get("memory") or {}).get("turns") or []:
            if memory is not None and isinstance(item, list | tuple) and len(item) == 2:
                memory.add(str(item[0]), str(item[1]))

    async def _feed(self) -> None:
        speed = self.options.speed
        loop = asyncio.get_running_loop()
        t_rec0 = self.inputs[0].t
        start = loop.time()
        group = None
        for inp in self.inputs:
            if speed > 0:
                delay = start + (inp.t - t_rec0) / speed - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif inp.group != group:
                await self._drain()  # turn by turn: the previous recorded turn is answered first
                group = inp.group
            self._check()
            self._vt = inp.t
            self._send(inp)
            self.fed += 1
            self._report_progress()
            if speed > 0:
                await asyncio.sleep(0)

    def _send(self, inp: Input) -> None:
        msg = message_from(inp.message)
        p = self.services.pipeline
        if inp.how == "voice":
            p.add_streamer_speech(msg)
        elif inp.how == "director":
            p.add_director_note(msg)
        else:
            p.on_chat(msg)

    def _idle(self) -> bool:
        s = self.services
        p = s.pipeline
        if p.backlog or p.generating or p.queue.pending or p.queue.approved or p.speaking is not None:
            return False
        if self._decisions:
            return False
        client = getattr(s.generator, "client", None)
        if client is not None and client.in_flight:
            return False
        if s.show is not None and any(not t.done() for t in s.show.lane.tasks.tasks):
            return False
        return True

    async def _drain(self) -> None:
        """Until the pipeline has answered everything it was given (idle for ``SETTLE_S``)."""
        loop = asyncio.get_running_loop()
        since = None
        while True:
            self._check()
            if self._idle():
                since = since if since is not None else loop.time()
                if loop.time() - since >= SETTLE_S:
                    return
            else:
                since = None
            await asyncio.sleep(POLL_S)

    def _check(self) -> None:
        if self._failures >= self.options.max_failures:
            raise _Abort(tr("replay.error.llm_failed", n=self._failures, error=self._last_error))

    async def _stop(self) -> None:
        if self.services is None:
            return
        try:
            await asyncio.wait_for(compose.stop_services(self.services), 15)
        except (Exception, asyncio.CancelledError):  # a second Ctrl+C while stopping: leave it
            log.exception("replay: stopping the pipeline failed")

    # -- the replay's own events ------------------------------------------------------------------
    def _on_event(self, ev: Event) -> None:
        k = ev.kind
        if k.value in _KEEP:
            if k is EventKind.LLM_EXCHANGE:  # the comparison needs timing and tokens, not the prompt again
                d = {key: v for key, v in ev.data.items() if key != "request"}
                ev = dataclasses.replace(ev, data=d)
            self.events.append(json.loads(encode_event(ev, origin.get())))  # origin: the emitter's context
        if k is EventKind.DRAFT_CREATED:
            self.answered += 1
            self._decisions += 1
            asyncio.get_running_loop().call_soon(self._decide, ev.data["draft"])
        elif k is EventKind.CHAT_FILTERED:
            self.answered += 1
        elif k is EventKind.LLM_FAILED:
            self._failures += 1
            self._last_error = str(ev.data.get("error") or "")
        elif k is EventKind.LLM_REPLY_RECEIVED:
            self._failures = 0

    def _decide(self, d: Draft) -> None:
        """The streamer's recorded decision on the matching turn, applied to the new draft."""
        self._decisions -= 1
        p = self.services.pipeline
        if not any(x is d for x in p.queue.pending):
            return
        old = next((self._old_by_msg[m.id] for m in d.batch if m.id in self._old_by_msg), None)
        skipped = old is not None and old.decision.startswith("skipped")
        if d.flagged:
            approve = old is not None and old.flagged and not skipped and bool(old.decision)
        else:
            approve = not skipped
        try:
            if approve:
                p.approve(d.id)
            else:
                p.skip(d.id)
        except ApprovalError:
            p.skip(d.id)
            approve = False
        self._decided[d.id] = "replay_approved" if approve else "replay_skipped"
        self._report_progress()

    def _report_progress(self, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if not force and now - self._last_progress < 0.1:
            return
        self._last_progress = now
        try:
            self.progress(ReplayProgress(self.fed, len(self.inputs), self.answered, now - self._t0))
        except Exception:
            log.exception("replay progress callback failed")

    # -- the result ----------------------------------------------------------------------------------
    def result(self) -> dict[str, Any]:
        new_turns = turns_from_events(self.events)
        for t in new_turns:  # the replay decided these (as the streamer did), not a person
            if t.draft_id is not None:
                t.decision = self._decided.get(t.draft_id, "")
        if self.interrupted:  # only the part of the show that was sent again
            fed_ids = {i.message.get("id") for i in self.inputs[: self.fed]}
            old = [t for t in self.old_turns if any(m in fed_ids for m in t.key)]
        else:
            old = self.old_turns
        turns = compare(old, new_turns)
        h = self.rec.header
        return {
            "format": REPORT_FORMAT, "version": REPORT_VERSION, "app_version": __version__,
            "recording": str(self.rec.path), "recording_name": self.rec.path.name, "show": self.rec.show,
            "recording_header": {k: h.get(k) for k in ("version", "app_version", "show", "started_wall")},
            "parts": len(self.rec.parts), "damaged_lines": self.rec.damaged,
            "replayed_wall": time.time(), "duration_s": round(time.monotonic() - self._t0, 3),
            "speed": self.options.speed, "concurrency": self.options.concurrency,
            "fed": self.fed, "inputs": len(self.inputs), "interrupted": self.interrupted, "error": self.error,
            "summary": summarize(turns), "turns": turns,
        }


class _Abort(ReplayError):
    pass


async def replay(rec: Recording, settings: Settings, config_dir: Path, options: ReplayOptions = ReplayOptions(),
                 progress: Callable[[ReplayProgress], None] | None = None) -> dict[str, Any]:
    """Replay ``rec``; returns the report data (see :mod:`aischoco_gui.record.report`)."""
    return await Replayer(rec, settings, config_dir, options, progress).run()


__all__ = ["Input", "ReplayError", "ReplayOptions", "ReplayProgress", "Replayer", "message_from", "replay",
           "replay_inputs", "replay_settings"]
