"""Placeholder until the owning feature lands: says plainly that it is not connected."""

from __future__ import annotations

from aischoco_gui.gui.panels.placeholder import PlaceholderPanel
from aischoco_gui.i18n import register, tr

register({"placeholder.pose_panel": ("감정·포즈 슬라이더는 아바타 기능과 함께 제공됩니다.", "Emotion and pose sliders come with the avatar feature.")})


def create_panel(services, bridge):
    return PlaceholderPanel(bridge, "vts", tr("placeholder.pose_panel"))
