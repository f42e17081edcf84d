"""The small interfaces the composition root and the pipeline see. Each real adapter has a loopback double."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from aischoco_gui.models import ChatMessage, Draft, Reply


@runtime_checkable
class Service(Protocol):
    """Anything the composition root starts and stops."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@runtime_checkable
class ChatSource(Protocol):
    """Delivers chat. ``start`` returns once the source runs in the background (own named task)."""

    name: str

    async def start(self, on_message: Callable[[ChatMessage], None]) -> None: ...

    async def stop(self) -> None: ...


@runtime_checkable
class ReplyGenerator(Protocol):
    """Turns a batch of chat into a reply (text + emotion)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def generate(self, batch: list[ChatMessage], turn: int) -> Reply | None:
        """Return the reply, or None when there is nothing to say. Raises on hard failure."""
        ...

    def commit(self, batch: list[ChatMessage], spoken_text: str | None, emotion: str | None = None) -> None:
        """Record the turn in conversation memory (spoken_text None when the draft was skipped), with
        the emotion of the draft that was spoken. (Optional ``mark_cut(batch, heard_text)``: the reply
        was cut off while it played; memory keeps what was heard.)"""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class Speaker(Protocol):
    """Speaks approved drafts (TTS + audio out). Emits FIRST_AUDIO / PLAYBACK_END itself."""

    name: str

    async def start(self) -> None: ...

    async def shutdown(self) -> None:
        """Release the engine and the audio device (app exit, rebuild)."""
        ...

    def prepare(self, draft: Draft) -> None:
        """Start pre-synthesis in the background (optional; may do nothing)."""
        ...

    def discard(self, draft: Draft) -> None:
        """Forget any pre-synthesized audio for the draft (skip, edit)."""
        ...

    async def speak(self, draft: Draft) -> None:
        """Play the draft's text; returns when playback ended or was stopped."""
        ...

    async def stop(self) -> None:
        """Silence output now (within one audio block) and cancel synthesis."""
        ...

    def mouth_level(self) -> float:
        """The output level now, 0–1 (the avatar's lip sync reads it)."""
        ...


@runtime_checkable
class AvatarDriver(Protocol):
    """Moves the avatar (VTube Studio)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def set_emotion(self, emotion: str) -> None: ...

    def set_speaking(self, speaking: bool) -> None: ...

    def reset_neutral(self) -> None: ...


@runtime_checkable
class OverlayService(Protocol):
    """The OBS overlay server (start/stop/restart; the panel reads its URLs and state)."""

    name: str
    state: Any

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def restart(self, port: int | None = None, host: str | None = None) -> bool: ...


@runtime_checkable
class MicInput(Protocol):
    """The streamer's microphone (``stt.listener.MicListener``): capture → VAD → speech-to-text.

    The controls are plain flags, safe from any thread (the GUI's key handlers call them)."""

    name: str
    level_dbfs: float  # input level for the meter (-120 when closed)
    in_speech: bool  # an utterance is open now
    device_label: str
    counters: dict[str, int]

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def set_ptt(self, held: bool) -> None: ...

    def set_director(self, held: bool) -> None: ...

    def set_app_speaking(self, speaking: bool) -> None: ...

    def set_barge_in(self, mode: str) -> None: ...


@runtime_checkable
class ViewerMemory(Protocol):
    """Per-viewer memory as the pipeline sees it (``viewers.memory.ViewerMemory``). Every call is quick and
    never blocks the loop: writes are queued for the memory's own writer thread."""

    def observe(self, msg: ChatMessage) -> None:
        """Count a message that passed the chat filter (chat, donation, subscription) on its sender's card."""
        ...

    def attach_cards(self, batch: list[ChatMessage]) -> None:
        """Set ``viewer_card`` on the messages of the viewers this turn answers (prompt-only data)."""
        ...

    def propose(self, msg: ChatMessage, text: str) -> None:
        """A fact the LLM proposed about the sender of ``msg`` (waits for the streamer unless auto-accept)."""
        ...


@runtime_checkable
class GainControl(Protocol):
    """An output whose volume can be ducked within one audio block (barge-in)."""

    def set_gain(self, gain: float, ramp_ms: float = 5.0) -> None: ...


@runtime_checkable
class ObsControl(Protocol):
    """OBS Studio over obs-websocket (``obs.service.ObsService``). ``configured`` False: nothing is connected."""

    name: str
    configured: bool
    brb_scene: str
    scenes: list[str]
    current_scene: str

    @property
    def connected(self) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def reconnect(self) -> None: ...

    async def refresh(self) -> list[str]:
        """Read the scene list and the program scene from OBS."""
        ...

    async def program_scene(self) -> str:
        """The program scene now, read from OBS."""
        ...

    async def set_program_scene(self, scene: str) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...
