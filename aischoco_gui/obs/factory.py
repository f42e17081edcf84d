"""Plain constructor helper for the OBS service (plain :class:`ObsConfig`, not the app's settings)."""

from __future__ import annotations

from dataclasses import dataclass

from aischoco_gui.events import EventBus
from aischoco_gui.obs.service import ObsService


@dataclass(frozen=True)
class ObsConfig:
    configured: bool = False  # OBS_ENABLED, or (auto) any OBS setting changed from its default
    url: str = "ws://127.0.0.1:4455"  # OBS_WS_URL
    password: str = ""  # OBS_WS_PASSWORD
    brb_scene: str = ""  # OBS_BRB_SCENE (lockdown switches to it)


def make_obs(cfg: ObsConfig, bus: EventBus) -> ObsService:
    """The OBS service; with ``cfg.configured`` False it never opens a connection (the light says "off")."""
    return ObsService(bus, configured=cfg.configured, url=cfg.url, password=cfg.password, brb_scene=cfg.brb_scene)
