"""Placeholder until the owning feature lands: says plainly that it is not connected."""

from __future__ import annotations

from aischoco_gui.gui.panels.placeholder import PlaceholderPanel
from aischoco_gui.i18n import register, tr

register({"placeholder.history_panel": ("대화 요약 편집기는 LLM 기능과 함께 제공됩니다.", "The summary editor comes with the LLM feature.")})


def create_panel(services, bridge):
    return PlaceholderPanel(bridge, "memory", tr("placeholder.history_panel"))
