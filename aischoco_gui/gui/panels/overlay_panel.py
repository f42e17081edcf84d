"""Placeholder until the owning feature lands: says plainly that it is not connected."""

from __future__ import annotations

from aischoco_gui.gui.panels.placeholder import PlaceholderPanel
from aischoco_gui.i18n import register, tr

register({"placeholder.overlay_panel": ("오버레이 제어는 오버레이 서버와 함께 제공됩니다.", "Overlay controls come with the overlay server.")})


def create_panel(services, bridge):
    return PlaceholderPanel(bridge, "overlay", tr("placeholder.overlay_panel"))
