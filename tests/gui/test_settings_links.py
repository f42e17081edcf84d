"""Links that open the settings open the right place (issue 23): "설정 열기" from the no-key banner, the
bad-value banner and the setup check opens the tab of the field, with the cursor in it; and every
setting in the README's configuration table has a field in the dialog (LLM_TEMPERATURE had none)."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt

from aischoco_gui.compose import build_services
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import set_language
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings, load_settings_report, setting_fields
from aischoco_gui.settings_text import group_of
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_config_names() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Configuration\n")
    section = text[start:text.find("\n## ", start + 1)]
    lines = section.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith("| name | default | meaning |"))
    names = []
    for line in lines[i + 2:]:
        if not line.startswith("|"):
            break
        names += re.findall(r"`([A-Z][A-Z0-9_]*)`", line.strip().strip("|").split("|")[0])
    return names


def _window(qtbot, home, settings: Settings):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    services = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                              overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
                                         "overlay": None, "chat": None})
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    win.show()
    return services, win, bridge


def _opened_on(win, field: str) -> bool:
    dlg = win.controller.settings_dialog
    return (dlg is not None and dlg.isVisible() and dlg.tabs.currentWidget() is dlg.tab_pages[group_of(field)]
            and dlg.focusWidget() is dlg.editors[field])


def test_every_setting_in_the_readme_table_has_a_field_in_the_dialog(qtbot, home):
    from aischoco_gui.gui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(Settings(), user_dirs({"AISCHOCO_HOME": str(home)}), use_keyring=False)
    qtbot.addWidget(dlg)
    by_env = {f.metadata["env"]: f.name for f in setting_fields()}
    names = [n for n in _readme_config_names() if n != "AISCHOCO_HOME"]
    assert "LLM_TEMPERATURE" in names and len(names) >= len(by_env)
    missing = [n for n in names if dlg.field_editor(by_env[n]) is None]
    assert not missing, f"in the README table but not in the settings dialog: {missing}"
    # and each has a human label (not its raw name) in both languages
    assert all(dlg.labels[by_env[n]].text() != by_env[n] for n in names if by_env[n] in dlg.labels)
    # the temperature's default (-1 = the provider's own) fits its field: saving untouched changes nothing
    assert dlg.values()["llm_temperature"] == -1.0


def test_no_key_banner_opens_the_key_field(qtbot, qloop, home):  # noqa: F811
    set_language("ko")
    services, win, bridge = _window(qtbot, home, Settings(llm_fallbacks=""))
    try:
        services.bus.set_status("llm", ServiceState.NOT_CONFIGURED, "", error="no API key")
        panel = win.reply_panel
        qtbot.waitUntil(lambda: panel.banner_btn.isVisible())
        qtbot.mouseClick(panel.banner_btn, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _opened_on(win, "groq_api_key"))
        win.controller.settings_dialog.reject()
        # another provider: its own key field
        services.settings.llm_provider = "cerebras"
        qtbot.mouseClick(panel.banner_btn, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _opened_on(win, "cerebras_api_key"))
        win.controller.settings_dialog.reject()
    finally:
        bridge.close()


def test_bad_value_banner_opens_the_bad_field(qtbot, qloop, home, tmp_path):  # noqa: F811
    from aischoco_gui.gui.settings_banner import show_settings_banner

    set_language("ko")
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    (tmp_path / ".env").write_text("LLM_TEMPERATURE=warm\n")
    settings, report = load_settings_report(dirs, env={}, cwd=tmp_path, use_keyring=False)
    assert [p.field for p in report] == ["llm_temperature"]
    services, win, bridge = _window(qtbot, home, settings)
    try:
        banner = show_settings_banner(win, report)
        qtbot.waitUntil(banner.settings_button.isVisible)
        qtbot.mouseClick(banner.settings_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _opened_on(win, "llm_temperature"))
        dlg = win.controller.settings_dialog
        assert dlg.tabs.currentWidget() is not dlg.tabs.widget(0)  # not the chat tab
        assert dlg.editors["llm_temperature"].value() == -1.0  # the value in use, ready to be fixed
        dlg.reject()
    finally:
        bridge.close()


def test_setup_check_settings_fix_opens_the_field_of_the_red_line(qtbot, qloop, home):  # noqa: F811
    from aischoco_gui.gui.welcome import open_welcome

    set_language("ko")
    services, win, bridge = _window(qtbot, home, Settings(llm_fallbacks=""))  # no key: the LLM line is red
    try:
        dlg = open_welcome(win, services)
        assert dlg.rows["llm"].fix == "settings"
        dlg.fix_buttons["llm"].click()
        qtbot.waitUntil(lambda: _opened_on(win, "groq_api_key"))
        win.controller.settings_dialog.reject()
        dlg.close()
    finally:
        bridge.close()
