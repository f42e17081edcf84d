"""Recording doubles of the Speaker and AvatarDriver protocols (what the outside world would observe)."""

from __future__ import annotations

import asyncio
import time

from aischoco_gui.events import EventBus, EventKind, ServiceState


class RecordingSpeaker:
    name = "tts"

    def __init__(self, bus: EventBus, seconds: float = 0.05) -> None:
        self.bus = bus
        self.seconds = seconds
        self.spoken: list[tuple[int, str, str]] = []  # (draft id, text, emotion)
        self.prepared: list[tuple[int, int]] = []  # (draft id, version)
        self.discarded: list[int] = []
        self.stopped = 0
        self._stop = asyncio.Event()

    async def start(self) -> None:
        self.bus.set_status("tts", ServiceState.READY, "recording double")

    async def shutdown(self) -> None:
        pass

    def prepare(self, draft) -> None:
        self.prepared.append((draft.id, draft.version))

    def discard(self, draft) -> None:
        self.discarded.append(draft.id)

    async def speak(self, draft) -> None:
        self._stop.clear()
        self.spoken.append((draft.id, draft.text, draft.emotion))
        self.bus.emit(EventKind.FIRST_AUDIO, turn=draft.turn, draft=draft, t_device=time.monotonic())
        cancelled = False
        try:
            await asyncio.wait_for(self._stop.wait(), self.seconds)
            cancelled = True
        except TimeoutError:
            pass
        self.bus.emit(EventKind.PLAYBACK_END, turn=draft.turn, draft=draft, cancelled=cancelled)

    async def stop(self) -> None:
        self.stopped += 1
        self._stop.set()

    def mouth_level(self) -> float:
        return 0.0


class RecordingAvatar:
    name = "vts"

    def __init__(self, bus: EventBus | None = None) -> None:
        self.bus = bus
        self.calls: list[tuple[str, object]] = []

    async def start(self) -> None:
        if self.bus:
            self.bus.set_status("vts", ServiceState.READY, "recording double")

    async def stop(self) -> None:
        pass

    def set_emotion(self, emotion: str) -> None:
        self.calls.append(("emotion", emotion))

    def set_speaking(self, speaking: bool) -> None:
        self.calls.append(("speaking", speaking))

    def reset_neutral(self) -> None:
        self.calls.append(("neutral", None))


class ScriptedGenerator:
    """ReplyGenerator double for pipeline unit tests: replies from a list, records batches and commits."""

    name = "llm"

    def __init__(self, replies=None, delay: float = 0.0, fail_times: int = 0) -> None:
        self.replies = list(replies or [])
        self.delay = delay
        self.fail_times = fail_times
        self.batches: list[list] = []
        self.commits: list[tuple[list[str], str | None]] = []
        self.emotions: list[str | None] = []  # the emotion each commit was recorded with
        self.gate: asyncio.Event | None = None

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def aclose(self) -> None:
        pass

    async def generate(self, batch, turn, on_sentence=None):
        from aischoco_gui.models import Reply

        self.batches.append(list(batch))
        if self.gate is not None:
            await self.gate.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_times > 0:
            self.fail_times -= 1
            raise RuntimeError("LLM 500")
        r = self.replies.pop(0) if self.replies else Reply(text=f"답변 {turn}: " + batch[-1].text, emotion="happy")
        return r

    def commit(self, batch, spoken_text, emotion=None) -> None:
        self.commits.append(([m.text for m in batch], spoken_text))
        self.emotions.append(emotion)
