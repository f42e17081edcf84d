"""The co-host microphone's side of the pipeline: utterances become turns, director whispers private notes,
and barge-in ducks or stops the AI's voice.

The microphone service (``stt.listener.MicListener``) calls :meth:`MicTurns.on_utterance`,
:meth:`MicTurns.on_barge_in` and :meth:`MicTurns.on_speech_end` on the asyncio loop; everything reaches
speech only through the pipeline's one gate (``Pipeline.add_reply``) after generation, so the output filter
and the approval queue apply to voice turns as to chat.

Barge-in policy (``BARGE_IN``):

* ``duck``: the output gain drops to ``BARGE_IN_DUCK_GAIN`` within one audio block of the speech onset and
  is restored when the streamer stops (the utterance ends, or playback ends); the reply keeps playing.
* ``stop``: the current reply is cut (``Speaker.stop``) and its rest is dropped; drafts still waiting in
  the approval queue stay there for the streamer to approve or skip.

Latency (``MIC_METRICS`` on the bus, one per voice turn): end of speech → transcript → LLM request sent →
first audio, in seconds from the end of speech.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aischoco_gui.events import Event, EventBus, EventKind
from aischoco_gui.models import KIND_DIRECTOR, KIND_VOICE, ROLE_STREAMER, ChatMessage
from aischoco_gui.tasks import TaskGroup

log = logging.getLogger(__name__)

STREAMER_NICK = "스트리머"  # the label the LLM sees for the streamer's voice (data, not UI text)


class MicTurns:
    """Owns no device: it turns microphone callbacks into pipeline turns and speaker reactions."""

    def __init__(self, bus: EventBus, add_speech: Callable[[ChatMessage], None],
                 add_director: Callable[[ChatMessage], None], *, barge_in: str = "off", duck_gain: float = 0.2,
                 set_gain: Callable[[float], None] | None = None,
                 stop_speech: Callable[[], Awaitable[None]] | None = None,
                 set_app_speaking: Callable[[bool], None] | None = None, nickname: str = STREAMER_NICK) -> None:
        self.bus = bus
        self.add_speech = add_speech
        self.add_director = add_director
        self.barge_in = barge_in
        self.duck_gain = duck_gain
        self.set_gain = set_gain
        self.stop_speech = stop_speech
        self.set_app_speaking = set_app_speaking  # echo safety: the microphone knows when the AI talks
        self.nickname = nickname
        self.ducked = False
        self.app_speaking = False  # the AI's voice is playing (a rebuilt microphone starts from this)
        self.last_transcript = ""
        self.last_director = ""
        self.tasks = TaskGroup("mic", bus)
        self._pending: dict[int, dict[str, Any]] = {}  # message id → timings of a voice turn in flight
        self._turn_of: dict[int, int] = {}  # pipeline turn → message id
        self._unsubscribe = bus.subscribe(self._on_event)

    # -- from the microphone --------------------------------------------------------------------
    def on_utterance(self, text: str, started_at: float, ended_at: float, meta: dict[str, Any]) -> None:
        """One transcribed utterance: a director whisper (private note) or a streamer turn."""
        if self.ducked:  # the streamer has finished this utterance
            self._restore()
        if meta.get("director"):
            self.director_text(text)
            return
        msg = ChatMessage(nickname=self.nickname, text=text, role=ROLE_STREAMER, kind=KIND_VOICE, source="mic",
                          received_at=ended_at)
        self.last_transcript = text
        self.bus.emit(EventKind.MIC_TRANSCRIPT, text=text, director=False)
        self._pending[msg.id] = {"speech_end": ended_at, "transcribed": meta.get("transcribed_at", ended_at),
                                 "stt_s": meta.get("stt_latency_s"), "mode": meta.get("mode", "")}
        while len(self._pending) > 32:
            self._pending.pop(next(iter(self._pending)))
        self.add_speech(msg)

    def director_text(self, text: str) -> ChatMessage | None:
        """The director whisper (spoken with the director key, or typed in the mic panel)."""
        text = text.strip()
        if not text:
            return None
        msg = ChatMessage(nickname=self.nickname, text=text, role=ROLE_STREAMER, kind=KIND_DIRECTOR, source="mic")
        self.last_director = text
        self.bus.emit(EventKind.MIC_TRANSCRIPT, text=text, director=True)
        self.add_director(msg)
        return msg

    def on_barge_in(self) -> None:
        """The streamer started speaking while the AI speaks (called within the onset's VAD frame)."""
        if self.barge_in == "duck" and self.set_gain is not None:
            self.ducked = True
            self.set_gain(self.duck_gain)
        elif self.barge_in == "stop" and self.stop_speech is not None:
            self.tasks.spawn(self.stop_speech(), "barge-in-stop")

    def on_speech_end(self) -> None:
        """The barging-in utterance ended: the AI's voice comes back up."""
        if self.ducked:
            self._restore()

    def _app_speaking(self, on: bool) -> None:
        self.app_speaking = on
        if self.set_app_speaking is not None:
            try:
                self.set_app_speaking(on)
            except Exception:
                log.exception("microphone: set_app_speaking failed")

    def _restore(self) -> None:
        self.ducked = False
        if self.set_gain is not None:
            self.set_gain(1.0)

    # -- latency ----------------------------------------------------------------------------------
    def _on_event(self, ev: Event) -> None:
        k, d = ev.kind, ev.data
        if k is EventKind.BATCH_READY and ev.turn is not None:
            for m in d.get("messages") or []:
                if m.id in self._pending:
                    self._turn_of[ev.turn] = m.id
                    self._pending[m.id]["batch"] = ev.t
        elif k is EventKind.LLM_REQUEST_SENT and ev.turn in self._turn_of:
            self._pending[self._turn_of[ev.turn]].setdefault("llm_request", ev.t)
        elif k is EventKind.FIRST_AUDIO and ev.turn in self._turn_of:
            mid = self._turn_of.pop(ev.turn)
            p = self._pending.pop(mid, None)
            if p is not None:
                self._report(ev.turn, p, float(d.get("t_first_sample") or ev.t))
        elif k is EventKind.SPEECH_STARTED:
            self._app_speaking(True)
        elif k in (EventKind.PLAYBACK_END, EventKind.PANIC):  # panic: never leave the microphone deaf
            self._app_speaking(False)
            if self.ducked:
                self._restore()  # the next reply starts at full volume

    def _report(self, turn: int, p: dict[str, Any], first_audio: float) -> None:
        t0 = p["speech_end"]
        m = {"turn": turn, "mode": p.get("mode", ""), "stt_s": p.get("stt_s"),
             "transcript_s": p["transcribed"] - t0,
             "llm_request_s": (p["llm_request"] - t0) if "llm_request" in p else None,
             "first_audio_s": first_audio - t0}
        self.bus.emit(EventKind.MIC_METRICS, turn=turn, metrics=m)

    async def stop(self) -> None:
        await self.tasks.cancel_all()
        if self.ducked:
            self._restore()

    def close(self) -> None:
        self._unsubscribe()

