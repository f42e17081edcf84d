"""The container of running services that the app wiring builds and the panels receive."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aischoco_gui.chat.filters import ChatFilter
    from aischoco_gui.events import EventBus
    from aischoco_gui.paths import UserDirs
    from aischoco_gui.pipeline.pipeline import Pipeline
    from aischoco_gui.settings import Settings


@dataclass
class Services:
    settings: Settings
    dirs: UserDirs
    bus: EventBus
    chat_filter: ChatFilter | None = None
    chat: Any = None  # ChatSource
    generator: Any = None  # ReplyGenerator
    speaker: Any = None  # Speaker
    avatar: Any = None  # AvatarDriver
    pipeline: Pipeline | None = None
    overlay: Any = None  # overlay server service (or None)
    extras: dict[str, Any] = field(default_factory=dict)

    def lifecycle(self) -> list[Any]:
        """Services with start/stop, in start order (chat is started by the pipeline)."""
        return [s for s in (self.generator, self.speaker, self.avatar, self.overlay) if s is not None]
