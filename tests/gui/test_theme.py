"""UI_THEME (system / light / dark): chosen in the settings dialog, applied live — the window turns dark
without a restart and without rebuilding any service — and back to the desktop's own look."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from aischoco_gui.compose import build_services
from aischoco_gui.events import EventBus
from aischoco_gui.gui.theme import THEMES, apply_theme, current_theme, is_dark
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import UI_THEMES, Settings
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until


@pytest.fixture
def restore_look(qapp):
    style, palette = qapp.style().name(), QPalette(qapp.palette())
    yield
    apply_theme(qapp, "system")
    assert qapp.style().name() == style
    qapp.setPalette(palette)


def test_theme_names_match_the_setting():
    assert THEMES == UI_THEMES
    assert Settings().ui_theme == "system"


def test_dark_light_system(qapp, restore_look):
    window_colour = qapp.palette().color(QPalette.ColorRole.Window)
    assert apply_theme(qapp, "dark") == "dark" and is_dark(qapp) and current_theme(qapp) == "dark"
    text = qapp.palette().color(QPalette.ColorRole.WindowText)
    assert text.lightness() - qapp.palette().color(QPalette.ColorRole.Window).lightness() > 120  # readable
    assert apply_theme(qapp, "light") == "light" and not is_dark(qapp)
    assert apply_theme(qapp, "nonsense") == "system"
    assert qapp.palette().color(QPalette.ColorRole.Window) == window_colour  # the desktop's own look again


def test_theme_applies_live_from_the_settings_dialog(qtbot, qloop, home, restore_look):  # noqa: F811
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    services = build_services(Settings(overlay_port=0, vts_url="ws://127.0.0.1:9", tts_output_device="null"),
                              user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                              overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus)})
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    before = (services.chat, services.speaker, services.avatar, services.generator, services.pipeline)

    async def choose(theme: str) -> None:
        win.controller.open_settings()
        dlg = win.controller.settings_dialog
        assert "ui_theme" not in dlg.restart_tags  # no "재시작 필요" next to it
        box = dlg.editors["ui_theme"]
        box.setCurrentIndex(box.findData(theme))
        dlg.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        await wait_until(lambda: current_theme(QApplication.instance()) == theme, 10, f"{theme} applied")

    async def scenario() -> None:
        await choose("dark")
        assert is_dark()
        # Qt delivers the palette change to the widgets as posted events: the loop runs a batch of ready
        # callbacks per Qt event (gui/event_loop.py), so wait for the window and a panel to show it
        panel = win.panels["replies"]
        await wait_until(lambda: win.palette().color(QPalette.ColorRole.Window).lightness() < 80, 5, "dark window")
        await wait_until(lambda: panel.list.palette().color(QPalette.ColorRole.Base).lightness() < 80, 5,
                         "the panels follow")
        await choose("light")
        assert not is_dark()
        assert services.settings.ui_theme == "light"

    qloop.run_until_complete(scenario())
    assert (services.chat, services.speaker, services.avatar, services.generator, services.pipeline) == before
    bridge.close()


def test_a_styled_widget_looks_the_same_after_dark_and_back(qtbot, qapp, restore_look):
    """A button with its own style sheet (e.g. the red "forget this viewer") was left drawn in the old
    style's colours after switching the theme there and back."""
    from PySide6.QtWidgets import QPushButton

    b = QPushButton("잊기 / Forget")
    b.setStyleSheet("QPushButton{color:#b3261e}")
    qtbot.addWidget(b)
    b.resize(160, 30)
    b.show()
    qtbot.waitExposed(b)
    before = b.grab().toImage()
    apply_theme(qapp, "dark")
    dark = b.grab().toImage()
    apply_theme(qapp, "system")
    after = b.grab().toImage()
    assert dark != before  # the theme did reach it
    assert after == before
