"""First start (issue 23): the window is sized by its FRAME, so the title bar does not push the status bar
(and the first-start notice in it) below the screen or behind the Windows taskbar; the setup check
names the config folder and opens it."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QObject, QRect, QSize, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from aischoco_gui.events import EventBus
from aischoco_gui.i18n import set_language
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker

WM_FRAME = QMargins(1, 30, 1, 1)  # what a window manager puts around the window (a title bar, thin borders)


def test_fit_frame_keeps_title_bar_and_status_bar_on_a_laptop_screen():
    from aischoco_gui.gui.main_window import fit_frame

    for avail, frame in ((QRect(0, 0, 1366, 728), QMargins(8, 31, 8, 8)),  # Windows, taskbar at the bottom
                         (QRect(0, 27, 1366, 741), WM_FRAME),  # a Linux panel at the top
                         (QRect(1920, 0, 1280, 984), QMargins(0, 0, 0, 0))):  # a second screen, no frame
        pos, size = fit_frame(avail, frame, 1400, 860)
        outer = QRect(pos, QSize(size.width() + frame.left() + frame.right(),
                                 size.height() + frame.top() + frame.bottom()))
        assert avail.contains(outer), (avail, outer)
        assert size.width() >= avail.width() - 16 - frame.left() - frame.right()  # still as big as it can be
    pos, size = fit_frame(QRect(0, 0, 2560, 1400), WM_FRAME, 1400, 860)  # a big screen: the preferred size
    assert size == QSize(1400, 860) and pos.x() > 0


def test_first_start_window_with_its_frame_fits_the_free_area(qtbot, home, monkeypatch):
    from aischoco_gui.compose import build_services
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import MainWindow

    # offscreen has no window manager: give the window the frame a real one would add
    monkeypatch.setattr(MainWindow, "_frame_margins", lambda self: WM_FRAME, raising=False)
    bus = EventBus()
    services = build_services(Settings(overlay_port=0), user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                              overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
                                         "overlay": None, "chat": None})
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    qtbot.addWidget(win)
    try:
        avail = win.screen().availableGeometry()
        outer = QRect(win.pos(), QSize(win.width() + WM_FRAME.left() + WM_FRAME.right(),
                                       win.height() + WM_FRAME.top() + WM_FRAME.bottom()))
        assert avail.contains(outer), (avail, outer)  # the status bar's bottom edge is on screen
    finally:
        bridge.close()


class _Opened(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_setup_check_names_the_config_folder_and_opens_it(qtbot, home):
    from aischoco_gui.compose import build_services
    from aischoco_gui.gui.welcome import WelcomeDialog

    set_language("ko")
    bus = EventBus()
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    services = build_services(Settings(overlay_port=0), dirs, bus,
                              overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
                                         "overlay": None, "chat": None})
    dlg = WelcomeDialog(services)
    qtbot.addWidget(dlg)
    assert str(dirs.config) in dlg.config_label.text() and "설정 폴더" in dlg.config_label.text()
    opened = _Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        dlg.config_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in opened.urls] == [str(dirs.config)]
