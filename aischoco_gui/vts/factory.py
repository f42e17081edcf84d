"""Plain constructor helper for the VTube Studio avatar driver (plain :class:`VtsConfig`, not the app's settings)."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aischoco_gui.events import EventBus
from aischoco_gui.i18n import tr
from aischoco_gui.paths import resource_path, shipped_path
from aischoco_gui.vts import strings  # noqa: F401  (registers the VTS text)
from aischoco_gui.vts.avatar import AvatarConfig, VTSAvatar
from aischoco_gui.vts.client import load_icon_b64
from aischoco_gui.vts.poses import PoseMapping, load_mapping

log = logging.getLogger(__name__)

ICON = ("icons", "vts_plugin_icon.png")


@dataclass(frozen=True)
class VtsConfig:
    url: str = "ws://localhost:8001"
    lipsync_mode: str = "envelope"
    idle_motion: bool = True
    face_found: bool = True
    idle_hz: float = 15.0
    thread: bool = True  # VTS_THREAD


def make_avatar(s: VtsConfig, bus: EventBus, config_dir: Path,
                mouth_source: Callable[[], float] | None = None) -> VTSAvatar:
    """The avatar is always built: with VTS absent it reports RECONNECTING and keeps trying.

    ``mouth_source`` is the speaker's output level (lip sync); it is wired here, once.
    """
    mapping_path = config_dir / "pose_mapping.json"
    if not mapping_path.exists():
        src = shipped_path("config", "pose_mapping.json")
        if src.exists():
            mapping_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, mapping_path)
    try:
        mapping = load_mapping(mapping_path) if mapping_path.exists() else PoseMapping()
    except ValueError as e:
        bus.notice(tr("vts.notice.mapping_unreadable", path=mapping_path.name), level="error", detail=str(e))
        mapping = PoseMapping()
    cfg = AvatarConfig(url=s.url, token_path=config_dir / "vts_token.txt", mapping_path=mapping_path,
                       icon_b64=load_icon_b64(resource_path(*ICON)), lipsync_mode=s.lipsync_mode,
                       idle_enabled=s.idle_motion, face_found=s.face_found,
                       idle_hz=s.idle_hz, thread=s.thread)
    avatar = VTSAvatar(bus, cfg, mapping)
    if mouth_source is not None:
        avatar.set_mouth_source(mouth_source)
    return avatar
