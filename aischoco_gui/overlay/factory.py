"""Plain constructor helper for the overlay service (plain :class:`OverlayConfig`, not the app's settings)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aischoco_gui.events import EventBus
from aischoco_gui.overlay.server import USER_CSS_FILE, OverlayFeature, OverlayServer, load_token
from aischoco_gui.overlay.state import OverlayState


@dataclass(frozen=True)
class OverlayConfig:
    host: str = "127.0.0.1"
    port: int = 8765  # 0 = any free port


def make_overlay(cfg: OverlayConfig, bus: EventBus, config_dir: Path, *, get_ignore_streamer: Callable[[], bool],
                 set_ignore_streamer: Callable[[bool], None], features: Sequence[OverlayFeature] = (),
                 screen: Callable[[str], str] | None = None) -> OverlayServer:
    """The overlay server; ``features`` add their routes and state entries (the tarot corner); ``screen``
    masks banned words in everything it shows."""
    state = OverlayState(ignore_streamer_getter=get_ignore_streamer, ignore_streamer_setter=set_ignore_streamer,
                         screen=screen)
    config_dir.mkdir(parents=True, exist_ok=True)
    return OverlayServer(bus, state, host=cfg.host, port=cfg.port, token=load_token(config_dir),
                         user_css=config_dir / USER_CSS_FILE, features=features)
