"""The settings banner names each bad field in the window and can be dismissed."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from aischoco_gui.gui.settings_banner import SettingsBanner, show_settings_banner
from aischoco_gui.i18n import set_language
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import load_settings_report


def _report(home, tmp_path):
    d = user_dirs({"AISCHOCO_HOME": str(home)})
    d.ensure()
    (tmp_path / ".env").write_text("APPROVAL_MODE=sometimes\nOVERLAY_PORT=abc\n")
    return load_settings_report(d, env={}, cwd=tmp_path, use_keyring=False)[1]


def test_banner_lists_each_problem_and_dismisses(qtbot, home, tmp_path):
    set_language("ko")
    win = QMainWindow()
    qtbot.addWidget(win)
    banner = show_settings_banner(win, _report(home, tmp_path))
    win.show()
    assert banner is not None and banner.isVisible()
    text = "\n".join(lab.text() for lab in banner.lines)
    assert "승인 방식" in text and "APPROVAL_MODE" in text and "sometimes" in text and "manual" in text
    assert "오버레이 포트" in text and "abc" in text and "8765" in text
    assert "2" in banner.title.text()
    win.resize(1366, 600)
    qtbot.waitUntil(lambda: banner.width() > 1000)
    # sized to its text at the window's width, not the tall narrow default of word-wrapped labels
    qtbot.waitUntil(lambda: banner.height() <= banner.heightForWidth(banner.width()) + 4)
    assert banner.height() < 150
    with qtbot.waitSignal(banner.dismissed):
        qtbot.mouseClick(banner.dismiss_button, Qt.MouseButton.LeftButton)
    assert not banner.isVisible()


def test_banner_open_settings_button_asks_window(qtbot, home, tmp_path):
    from PySide6.QtCore import Signal

    class Win(QMainWindow):
        settings_requested = Signal()

    win = Win()
    qtbot.addWidget(win)
    banner = show_settings_banner(win, _report(home, tmp_path))
    with qtbot.waitSignal(win.settings_requested):
        qtbot.mouseClick(banner.settings_button, Qt.MouseButton.LeftButton)


def test_no_problems_no_banner(qtbot):
    win = QMainWindow()
    qtbot.addWidget(win)
    assert show_settings_banner(win, []) is None
    b = SettingsBanner([])
    qtbot.addWidget(b)
    assert not b.isVisibleTo(win)
