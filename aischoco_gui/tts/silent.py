"""The honest stand-in used when no TTS engine is available: text only.

It keeps the show flowing and says plainly in the status bar what is missing.
"""

from __future__ import annotations

import asyncio

from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.i18n import register, tr

register({
    "tts.status.text_only": ("음성 엔진이 없어 답변은 글로만 보여요. 오프라인 음성(espeak-ng)을 설치하거나 "
                             "설정 → 음성에서 원격 서버를 정하세요",
                             "No voice engine: replies are text only. Install the offline voice (espeak-ng) or set a "
                             "remote server in Settings → Voice"),
})


class SilentSpeaker:
    """No voice: the reply is shown, nothing is played. Waits a reading-time so pacing stays natural."""

    name = "tts"

    def __init__(self, bus: EventBus, reason: str = "no TTS engine", seconds_per_char: float = 0.08) -> None:
        self.bus = bus
        self.reason = reason
        self.seconds_per_char = seconds_per_char
        self._cancel = asyncio.Event()

    async def start(self) -> None:
        self.bus.set_status("tts", ServiceState.NOT_CONFIGURED, tr("tts.status.text_only"), error=self.reason)

    async def shutdown(self) -> None:
        self._cancel.set()

    def prepare(self, draft) -> None:  # nothing to pre-synthesize
        pass

    def discard(self, draft) -> None:
        pass

    async def speak(self, draft) -> None:
        self._cancel.clear()
        cancelled = False
        try:
            await asyncio.wait_for(self._cancel.wait(), timeout=min(len(draft.text) * self.seconds_per_char, 15.0))
            cancelled = True
        except TimeoutError:
            pass
        self.bus.emit(EventKind.PLAYBACK_END, turn=draft.turn, draft=draft, cancelled=cancelled, audio=False)

    async def stop(self) -> None:
        self._cancel.set()

    def mouth_level(self) -> float:
        return 0.0
