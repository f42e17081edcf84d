"""The main window fits a 1366×768 laptop (taskbar: 1366×728) in Korean and English, without overlap;
long status text elides with the whole text on hover; the dock layout is restored next start."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget

from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import set_language
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker

LONG_VTS = ("VTube Studio is not running or the API is off (ConnectionRefusedError: [Errno 111] Connect call "
            "failed ('127.0.0.1', 8001)); enable 'Start API' in VTS settings; retrying in 30 s")


@pytest.fixture
def lang_window(qtbot, home, request):
    from aischoco_gui.compose import build_services
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import MainWindow

    made = []

    def make(lang: str, avatar_real: bool = True):
        set_language(lang)
        bus = EventBus()
        overrides = {"speaker": RecordingSpeaker(bus)}
        if not avatar_real:
            overrides["avatar"] = RecordingAvatar(bus)
        services = build_services(Settings(overlay_port=0, vts_url="ws://127.0.0.1:9", tts_output_device="null"),
                                  user_dirs({"AISCHOCO_HOME": str(home)}), bus, overrides=overrides)
        bridge = Bridge(bus)
        win = MainWindow(services, bridge)
        qtbot.addWidget(win)
        made.append(bridge)
        return services, win

    yield make
    for b in made:
        b.close()
    set_language("ko")


def _long_texts(services, win) -> None:
    services.bus.set_status("vts", ServiceState.RECONNECTING, LONG_VTS, error=LONG_VTS + " " + LONG_VTS, attempt=123)
    services.bus.set_status("chat", ServiceState.RECONNECTING, "다시 연결하는 중 " * 8, attempt=99)
    services.bus.notice("아주 긴 알림 문장이에요. " * 20, level="warning")
    vts = win.panels["vts"]
    vts.timer.stop()  # the retry text as the panel shows it (the avatar here never got that far)
    vts.conn.setText(f"재연결 중 (123회째) — {LONG_VTS} (ws://127.0.0.1:8001)")
    vts.error.setText(LONG_VTS + " " + LONG_VTS)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_minimum_size_fits_1366x728(qtbot, lang_window, lang):
    services, win = lang_window(lang)
    win.show()
    qtbot.waitExposed(win)
    _long_texts(services, win)
    qtbot.waitUntil(lambda: LONG_VTS in win.panels["vts"].conn.text())
    hint, minimum = win.minimumSizeHint(), win.minimumSize()
    assert hint.width() <= 1366 and hint.height() <= 728, (lang, hint.toTuple())
    assert minimum.width() <= 1366 and minimum.height() <= 728, (lang, minimum.toTuple())
    # the long texts elide, the whole text is on hover
    ind = win.status.indicators["vts"]
    assert ind.minimumSizeHint().width() < 200 and LONG_VTS in ind.toolTip()
    assert win.panels["vts"].conn.toolTip() and LONG_VTS in win.panels["vts"].conn.toolTip()
    assert "아주 긴 알림" in win.status.message.toolTip()


def _overlaps(parent: QWidget) -> list[str]:
    """Visible sibling widgets (direct children laid out in one parent) whose rectangles intersect."""
    out = []
    for w in [parent, *parent.findChildren(QWidget)]:
        kids = [c for c in w.children() if isinstance(c, QWidget) and c.isVisible() and not c.isWindow()
                and c.objectName() not in ("qt_scrollarea_hcontainer", "qt_scrollarea_vcontainer")]
        rects = [(c, QRect(c.geometry())) for c in kids if c.geometry().width() > 0 and c.geometry().height() > 0]
        for i, (a, ra) in enumerate(rects):
            for b, rb in rects[i + 1:]:
                inter = ra.intersected(rb)
                if inter.width() > 1 and inter.height() > 1:
                    out.append(f"{type(w).__name__}: {type(a).__name__}{ra.getRect()} × "
                               f"{type(b).__name__}{rb.getRect()}")
    return out


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_no_overlap_at_1366x728(qtbot, lang_window, lang):
    services, win = lang_window(lang)
    win.show()
    qtbot.waitExposed(win)
    _long_texts(services, win)
    win.resize(1366, 728)
    qtbot.waitUntil(lambda: win.size().toTuple() == (1366, 728))
    problems = []
    for dock in win.findChildren(QDockWidget):
        dock.raise_()  # the dock's tab in front: its widgets are laid out at the real size
        QApplication.processEvents()
        problems += [f"{dock.objectName()}: {p}" for p in _overlaps(dock.widget())]
    problems += [f"replies: {p}" for p in _overlaps(win.centralWidget())]
    problems += [f"status: {p}" for p in _overlaps(win.status)]
    assert not problems, "\n".join(problems)


def test_dock_layout_is_saved_and_restored(qtbot, lang_window):
    from PySide6.QtCore import Qt

    services, win = lang_window("ko", avatar_real=False)
    win.show()
    qtbot.waitExposed(win)
    win.removeDockWidget(win.docks["chat"])
    win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, win.docks["chat"])
    win.docks["chat"].show()
    win.docks["latency"].hide()
    win.resize(780, 560)
    qtbot.waitUntil(lambda: win.size().toTuple() == (780, 560))
    win.close()  # closing saves the layout in the data dir
    assert (services.dirs.data / "window.ini").exists()

    _services2, win2 = lang_window("ko", avatar_real=False)
    win2.show()
    qtbot.waitExposed(win2)
    assert win2.dockWidgetArea(win2.docks["chat"]) == Qt.DockWidgetArea.RightDockWidgetArea
    assert not win2.docks["latency"].isVisible()
    assert win2.size().toTuple() == (780, 560)


def test_first_start_fits_the_screen(qtbot, lang_window):
    services, win = lang_window("en", avatar_real=False)
    avail = win.screen().availableGeometry()
    assert win.width() <= avail.width() and win.height() <= avail.height()


def test_pose_slider_is_wide_and_synced_with_its_number_box(qtbot, lang_window):
    from aischoco_gui.gui.panels.pose_panel import SLIDER_MIN_PX, PosePanel

    services, win = lang_window("ko")
    win.show()
    qtbot.waitExposed(win)
    win.resize(1366, 728)
    win.docks["pose"].raise_()
    panel: PosePanel = win.panels["pose"]
    qtbot.waitUntil(lambda: panel.isVisible() and panel.table.rowCount() > 0)
    QApplication.processEvents()
    slider = panel.table.cellWidget(0, panel.COL_SLIDER)
    spin = panel.table.cellWidget(0, panel.COL_VALUE)
    assert slider.width() >= SLIDER_MIN_PX - 2, slider.width()  # was ≈40 px
    logical = panel.table.item(0, panel.COL_NAME).text()
    rng = services.avatar.parameter_range(services.avatar.mapping.parameter_id(logical))
    target = rng.min + (rng.max - rng.min) * 0.25
    spin.setValue(target)  # typed number → slider follows, the pose stores it
    assert abs(slider.value() - round(0.25 * slider.maximum())) <= 1
    assert abs(services.avatar.mapping.emotions[panel.current_emotion()][logical] - round(target, 4)) < 1e-6
    slider.setValue(slider.maximum())  # slider → number follows
    assert abs(spin.value() - rng.max) < 1e-6
