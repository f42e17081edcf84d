"""The speaker: approved drafts → sentences → TTS backend → audio output, with pre-synthesis.

* **Pipelining.** A :class:`SynthJob` synthesises a draft's sentences one after another as fast
  as the backend allows, independent of playback; ``speak`` writes each chunk to the output as
  it arrives, so sentence N+1 is being made while N plays.
* **Pre-synthesis.** ``prepare(draft)`` starts a job keyed by ``(draft.id, draft.version)``
  while the draft waits for approval; ``speak`` adopts it (an edit bumps the version, so the
  old audio is dropped and a new job starts; ``discard`` drops it on skip). Pre-synthesis yields
  to a live utterance between sentences.
* **Timing.** Markers in the output stream give the time the first sample and each sentence end
  are actually heard; FIRST_AUDIO, SENTENCE_SPOKEN, PLAYBACK_END and TTS_METRICS carry them.
* **Mouth.** :meth:`mouth_level` / :meth:`add_envelope_listener` expose the RMS envelope of what
  is played (see docs/tts.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aischoco_gui.audio.envelope import EnvelopePoint
from aischoco_gui.audio.output import AudioOutput
from aischoco_gui.audio.resample import StreamResampler
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.i18n import register, tr
from aischoco_gui.models import Draft, Reply
from aischoco_gui.text import cap_sentences
from aischoco_gui.tts.backend import InProcessBackend, SynthBackend
from aischoco_gui.tts.engine import EngineError
from aischoco_gui.user_text import explain, voice_label

log = logging.getLogger(__name__)

register({
    "tts.notice.no_output": ("오디오 출력 장치를 쓸 수 없어서 답변은 글로만 보여요. {error}",
                             "The audio output is unavailable; the reply is shown as text only. {error}"),
    "tts.notice.skipped_sentence": ("음성 합성이 한 문장을 건너뛰었어요. {error}", "TTS skipped a sentence. {error}"),
    "tts.status.stopped": ("멈춤", "stopped"),
})
_uids = itertools.count(1)


@dataclass
class SentenceAudio:
    text: str
    chunks: list[np.ndarray] = field(default_factory=list)  # float32 at the output rate
    samples: int = 0
    done: bool = False
    error: str = ""
    t_request: float | None = None
    t_first_chunk: float | None = None
    t_done: float | None = None


class SynthJob:
    """Synthesis of one draft version, sentence by sentence, into memory at the output rate."""

    def __init__(self, key: tuple[int, int], sentences: list[str], emotion: str, backend: SynthBackend,
                 out_rate: int, gate: Callable[[SynthJob], Any]) -> None:
        self.key = key
        self.parts = [SentenceAudio(s) for s in sentences]
        self.emotion = emotion
        self.backend = backend
        self.out_rate = out_rate
        self._gate = gate
        self.live = False
        self.promoted = asyncio.Event()
        self._wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.done = False
        self.created = time.monotonic()
        self.on_done: Callable[[SynthJob], None] | None = None

    def start(self) -> SynthJob:
        self.task = asyncio.get_running_loop().create_task(self._run(), name=f"tts:synth-{self.key[0]}.{self.key[1]}")
        return self

    async def _run(self) -> None:
        try:
            for part in self.parts:
                await self._gate(self)
                part.t_request = time.monotonic()
                rs: StreamResampler | None = None
                handed = False  # the sentence's first 20 ms went to a waiting speaker before the rest of a burst
                try:
                    async with contextlib.aclosing(self.backend.stream(part.text, self.emotion)) as chunks:
                        async for c in chunks:
                            if rs is None or rs.src_rate != c.rate:
                                rs = StreamResampler(c.rate, self.out_rate)
                            y = rs.process(c.samples)
                            if not len(y):  # a tiny first chunk can stay inside the resampler's filter: no audio
                                continue  # yet (an empty chunk would carry the speaker's first-sample marker away)
                            if part.t_first_chunk is None:
                                part.t_first_chunk = time.monotonic()
                            part.chunks.append(y)
                            part.samples += len(y)
                            self._wake.set()
                            if not handed and part.samples >= self.out_rate // 50:
                                handed = True  # a speaker waiting for this sentence writes it out now, not after
                                await asyncio.sleep(0)  # the rest of a burst is converted (issue 27)
                    if rs is not None and len(tail := rs.flush()):  # the resampler's last few ms
                        part.chunks.append(tail)
                        part.samples += len(tail)
                        self._wake.set()
                except EngineError as e:
                    part.error = str(e)
                    log.warning("TTS failed for sentence %r: %s", part.text[:40], e)
                part.done = True
                part.t_done = time.monotonic()
                self._wake.set()
        finally:
            for part in self.parts:
                if not part.done:
                    part.done = True
                    part.error = part.error or "cancelled"
            self.done = True
            self._wake.set()
            if self.on_done is not None:
                self.on_done(self)

    async def chunks_of(self, i: int) -> AsyncIterator[np.ndarray]:
        part = self.parts[i]
        j = 0
        while True:
            while j < len(part.chunks):
                yield part.chunks[j]
                j += 1
            if part.done:
                return
            self._wake.clear()
            if j < len(part.chunks) or part.done:
                continue
            await self._wake.wait()

    def cancel(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()

    @property
    def failed(self) -> bool:
        return self.done and all(p.samples == 0 for p in self.parts)

    @property
    def audio_s(self) -> float:
        return sum(p.samples for p in self.parts) / self.out_rate

    def synth_s(self) -> float:
        return sum((p.t_done or 0) - (p.t_request or 0) for p in self.parts if p.t_request and p.t_done)


class TtsSpeaker:
    """Implements the Speaker protocol. Lifecycle: ``await start()`` / ``await shutdown()``
    (``stop()`` is the protocol's *silence now*)."""

    name = "tts"

    def __init__(self, bus: EventBus, backend: SynthBackend, output: AudioOutput, *, cache_size: int = 8,
                 max_chars: int = 200) -> None:
        self.bus = bus
        self.max_chars = max_chars  # TTS_SENTENCE_MAX_CHARS: no request longer than this
        self.backend = backend
        self.output = output
        self.cache_size = cache_size
        self._jobs: OrderedDict[tuple[int, int], SynthJob] = OrderedDict()
        self._current: SynthJob | None = None
        self._cancel = False
        self._speak_lock = asyncio.Lock()
        self._live_idle = asyncio.Event()
        self._live_idle.set()
        self._tasks: set[asyncio.Task] = set()
        self._closed = False
        self.metrics: list[dict[str, Any]] = []  # last utterances (bounded)

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        await self.output.start()
        await self.backend.start()
        if isinstance(self.backend, InProcessBackend):
            self.bus.set_status("tts", ServiceState.READY, voice_label(self.backend.label))

    async def shutdown(self) -> None:
        self._closed = True
        await self.stop()
        for job in self._jobs.values():
            job.cancel()
        self._jobs.clear()
        for t in list(self._tasks):
            t.cancel()
        await self.backend.aclose()
        await self.output.close()
        self.bus.set_status("tts", ServiceState.OFF, tr("tts.status.stopped"))

    def _spawn(self, coro, name: str) -> asyncio.Task:
        t = asyncio.get_running_loop().create_task(coro, name=f"tts:{name}")
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)
        return t

    # -- pre-synthesis ----------------------------------------------------------------------
    async def _gate(self, job: SynthJob) -> None:
        """Pre-synthesis waits (between sentences) while a live utterance is being synthesised."""
        while not job.live and not self._live_idle.is_set():
            waits = [asyncio.ensure_future(job.promoted.wait()), asyncio.ensure_future(self._live_idle.wait())]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waits:
                    w.cancel()

    def _new_job(self, draft: Draft) -> SynthJob:
        sentences = cap_sentences([s for s in draft.sentences if s.strip()] or [draft.text], self.max_chars)
        job = SynthJob((draft.id, draft.version), sentences, draft.emotion or "neutral", self.backend,
                       self.output.rate, self._gate)
        job.on_done = self._job_done
        return job

    def _job_done(self, job: SynthJob) -> None:
        if job.live:
            self._live_idle.set()

    def prepare(self, draft: Draft) -> None:
        """Synthesise a waiting draft in the background (no-op if this version is already there).

        Held (flagged) drafts are never synthesised before a human approves them (speak() does it then).
        """
        if self._closed or getattr(draft, "flagged", None):
            return
        key = (draft.id, draft.version)
        self._drop(draft.id, keep=key)
        if key in self._jobs:
            return
        try:
            self._jobs[key] = self._new_job(draft).start()
        except RuntimeError:  # no running loop (called from a non-async context): skip pre-synthesis
            return
        while len(self._jobs) > self.cache_size:
            _, old = self._jobs.popitem(last=False)
            old.cancel()

    def discard(self, draft: Draft) -> None:
        self._drop(draft.id)

    def _drop(self, draft_id: int, keep: tuple[int, int] | None = None) -> None:
        for k in [k for k in self._jobs if k[0] == draft_id and k != keep]:
            self._jobs.pop(k).cancel()

    def prepared(self, draft: Draft) -> SynthJob | None:
        return self._jobs.get((draft.id, draft.version))

    # -- speaking ---------------------------------------------------------------------------
    async def speak(self, draft: Draft) -> None:
        async with self._speak_lock:
            await self._speak(draft)

    async def speak_text(self, text: str, emotion: str = "neutral") -> None:
        """Speak a phrase outside the approval queue (VTS self-test, first-run test phrase)."""
        await self.speak(Draft(reply=Reply(text=text, emotion=emotion), batch=[], turn=0))

    async def _speak(self, draft: Draft) -> None:
        t_call = time.monotonic()
        if self._closed:  # shut down (a live TTS rebuild): the new voice speaks the next reply
            self._drop(draft.id)
            self.bus.emit(EventKind.PLAYBACK_END, turn=draft.turn, draft=draft, cancelled=True)
            return
        if not self.output.ready:  # no device (unplugged, PortAudio missing): don't hang the queue
            self.bus.notice(tr("tts.notice.no_output", error=explain(self.output.error or "no output device")),
                            detail=self.output.error or "not open",
                            level="warning")
            self._drop(draft.id)
            self.bus.emit(EventKind.PLAYBACK_END, turn=draft.turn, draft=draft, cancelled=True)
            return
        self._cancel = False
        key = (draft.id, draft.version)
        job = self._jobs.pop(key, None)
        self._drop(draft.id)
        presynth = job is not None and not job.failed
        if not presynth:
            if job is not None:
                job.cancel()
            job = self._new_job(draft)
        assert job is not None
        job.live = True
        if not job.done:
            self._live_idle.clear()
        job.promoted.set()
        if job.task is None:
            job.start()
        self._current = job
        out = self.output
        uid = next(_uids)
        under0 = out.underruns
        first_key = (uid, "first")
        first_fut = out.expect(first_key)
        end_futs: list[tuple[int, asyncio.Future]] = []
        sentence_tasks: list[asyncio.Task] = []
        wrote = False
        cancelled = lambda: self._cancel  # noqa: E731
        for i, part in enumerate(job.parts):
            async with contextlib.aclosing(job.chunks_of(i)) as chunks:
                async for y in chunks:
                    if self._cancel:
                        break
                    if not len(y):  # nothing to hear: the first-sample marker waits for real audio
                        continue
                    ok = await out.write_all(y, mark=None if wrote else first_key, cancelled=cancelled)
                    if not wrote:
                        wrote = True
                        out.hold = True
                        self._spawn(self._first_audio(draft, job, first_fut, t_call, presynth), "first-audio")
                    if not ok:
                        break
            if self._cancel:
                break
            if part.error and part.samples == 0:
                self.bus.notice(tr("tts.notice.skipped_sentence", error=explain(part.error)), level="warning",
                                detail=part.error)
                continue
            end_key = (uid, "end", i)
            fut = out.expect(end_key)
            out.mark(end_key)
            end_futs.append((i, fut))
            sentence_tasks.append(self._spawn(self._sentence_spoken(draft, i, part.text, fut), "sentence"))
        out.hold = False
        if not wrote:
            out.forget(first_key)
        t_end = None
        if end_futs and not self._cancel:
            t_end = await end_futs[-1][1]
            await asyncio.wait(sentence_tasks, timeout=0.1)  # SENTENCE_SPOKEN before PLAYBACK_END
        else:
            await asyncio.sleep(0)
        was_cancelled = self._cancel or (end_futs != [] and t_end is None)
        if self._current is job:
            self._current = None
        if not job.done:
            job.cancel()
        self._live_idle.set()
        t_first = first_fut.result() if first_fut.done() and not first_fut.cancelled() else None
        self.bus.emit(EventKind.PLAYBACK_END, turn=draft.turn, draft=draft, cancelled=was_cancelled)
        self._emit_metrics(draft, job, t_call, t_first, t_end, presynth, out.underruns - under0, was_cancelled)

    async def _first_audio(self, draft: Draft, job: SynthJob, fut: asyncio.Future, t_call: float,
                           presynth: bool) -> None:
        t = await fut
        if t is None:
            return
        p0 = next((p for p in job.parts if p.t_first_chunk is not None), job.parts[0])
        chunk_t = p0.t_first_chunk or t_call
        self.bus.emit(EventKind.FIRST_AUDIO, turn=draft.turn, draft=draft,
                      engine_first_chunk_s=_d(p0.t_first_chunk, p0.t_request),
                      first_sample_s=t - t_call, chunk_to_sample_s=t - max(chunk_t, t_call),
                      presynthesized=presynth, engine=self.backend.label, t_first_sample=t)

    async def _sentence_spoken(self, draft: Draft, i: int, text: str, fut: asyncio.Future) -> None:
        t = await fut
        if t is not None:
            self.bus.emit(EventKind.SENTENCE_SPOKEN, turn=draft.turn, draft=draft, index=i, text=text, t_end=t)

    def _emit_metrics(self, draft: Draft, job: SynthJob, t_call: float, t_first: float | None,
                      t_end: float | None, presynth: bool, underruns: int, cancelled: bool) -> None:
        p0 = next((p for p in job.parts if p.t_first_chunk is not None), job.parts[0])
        batch_t = [m.received_at for m in (draft.batch or []) if getattr(m, "received_at", None)]
        reply_t = draft.created_at
        audio_s = job.audio_s
        m = {
            "draft_id": draft.id, "turn": draft.turn, "engine": self.backend.label, "presynthesized": presynth,
            "chat_to_reply_s": (reply_t - min(batch_t)) if batch_t and reply_t >= min(batch_t) else None,
            "llm_s": draft.reply.latency_s or None,
            # a human's wait (approve click − draft created): shown apart from what the pipeline costs
            "approval_wait_s": (draft.approved_at - reply_t) if draft.approved_at and draft.approved_at >= reply_t
            else None,
            "reply_to_first_chunk_s": _d(p0.t_first_chunk, reply_t) if p0.t_first_chunk else None,
            "engine_first_chunk_s": _d(p0.t_first_chunk, p0.t_request),
            "chunk_to_sample_s": (t_first - max(p0.t_first_chunk or t_call, t_call)) if t_first else None,
            "approval_to_first_sample_s": (t_first - t_call) if t_first else None,
            "rtf": (job.synth_s() / audio_s) if audio_s > 0 and job.synth_s() > 0 else None,
            "underruns": underruns, "audio_s": audio_s, "sentences": len(job.parts),
            "played_s": (t_end - t_first) if t_end and t_first else None, "cancelled": cancelled,
        }
        self.metrics.append(m)
        del self.metrics[:-200]
        log.info("tts metrics: %s", {k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()})
        self.bus.emit(EventKind.TTS_METRICS, turn=draft.turn, metrics=m, **{k: v for k, v in m.items() if k != "turn"})

    async def stop(self) -> None:
        """Silence now (within one output block) and cancel the current synthesis."""
        self._cancel = True
        self.output.clear()
        job = self._current
        if job is not None:
            job.cancel()
        self._live_idle.set()

    def set_gain(self, gain: float, ramp_ms: float = 5.0) -> None:
        """Duck (or restore) what is heard, within one output block (barge-in); the reply keeps playing."""
        self.output.set_gain(gain, ramp_ms)

    # -- mouth envelope ---------------------------------------------------------------------
    def mouth_level(self) -> float:
        """0..1 mouth opening for what is being heard right now."""
        return self.output.mouth_level()

    def add_envelope_listener(self, fn: Callable[[EnvelopePoint], None]) -> Callable[[], None]:
        """Call ``fn(EnvelopePoint(t, rms, level))`` on the event loop every 20 ms window, when it is heard."""
        return self.output.add_envelope_listener(fn)


def _d(a: float | None, b: float | None) -> float | None:
    return (a - b) if a is not None and b is not None else None
