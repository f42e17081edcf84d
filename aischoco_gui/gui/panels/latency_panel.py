"""Placeholder until the owning feature lands: says plainly that it is not connected."""

from __future__ import annotations

from aischoco_gui.gui.panels.placeholder import PlaceholderPanel
from aischoco_gui.i18n import register, tr

register({"placeholder.latency_panel": ("TTS 지연 그래프는 음성 기능과 함께 제공됩니다.", "The TTS latency graph comes with the speech feature.")})


def create_panel(services, bridge):
    return PlaceholderPanel(bridge, "tts", tr("placeholder.latency_panel"))
