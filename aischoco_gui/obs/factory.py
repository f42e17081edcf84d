"""Plain constructor helper for the OBS service (plain config values, not the whole Settings)."""

from __future__ import annotations

from aischoco_gui.events import EventBus
from aischoco_gui.obs.service import ObsService


def make_obs(bus: EventBus, *, configured: bool, url: str, password: str, brb_scene: str) -> ObsService:
    """The OBS service; with ``configured`` False it never opens a connection (the light says "off")."""
    return ObsService(bus, configured=configured, url=url, password=password, brb_scene=brb_scene)
