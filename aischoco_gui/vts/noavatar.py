"""The honest stand-in used when the avatar driver cannot be built (no VTube Studio)."""

from __future__ import annotations

from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import tr
from aischoco_gui.vts import strings  # noqa: F401  (registers vts.unavailable)


class NoAvatar:
    """No VTube Studio connection configured or available."""

    name = "vts"

    def __init__(self, bus: EventBus, reason: str = "") -> None:
        self.bus = bus
        self.reason = reason or tr("vts.unavailable")
        self.emotion = "neutral"
        self.speaking = False

    async def start(self) -> None:
        self.bus.set_status("vts", ServiceState.NOT_CONFIGURED, self.reason)

    async def stop(self) -> None:
        pass

    def set_emotion(self, emotion: str) -> None:
        self.emotion = emotion

    def set_speaking(self, speaking: bool) -> None:
        self.speaking = speaking

    def reset_neutral(self) -> None:
        self.emotion = "neutral"
        self.speaking = False
