"""Settings dialog: tabs, human labels, never-blank combos, inline validation, fitting a laptop
screen, and the choice offered when no OS credential store can keep a secret."""

import json
import os
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLabel, QLineEdit

from aischoco_gui import settings as settings_mod
from aischoco_gui.gui.settings_dialog import SettingsDialog
from aischoco_gui.i18n import set_language
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings, load_settings, setting_fields


@pytest.fixture
def dirs(home):
    d = user_dirs({"AISCHOCO_HOME": str(home)})
    d.ensure()
    return d


@pytest.fixture(params=["ko", "en"])
def lang(request):
    set_language(request.param)
    yield request.param
    set_language("ko")


def make(qtbot, dirs, settings=None, **kw):
    dlg = SettingsDialog(settings or Settings(), dirs, **kw)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def test_tabs_in_order(qtbot, dirs, lang):
    dlg = make(qtbot, dirs, use_keyring=False)
    names = [dlg.tabs.tabText(i) for i in range(dlg.tabs.count())]
    expected = {"ko": ["방송/채팅", "AI", "금칙어", "음성", "아바타", "오버레이", "고급"],
                "en": ["Stream/Chat", "AI", "Word filter", "Voice", "Avatar", "Overlay", "Advanced"]}[lang]
    assert names == expected


def test_no_raw_keys_every_field_has_label_and_tooltip(qtbot, dirs, lang):
    dlg = make(qtbot, dirs, use_keyring=False)
    raw = {f.name for f in setting_fields()} | {f.metadata["env"] for f in setting_fields()}
    texts = [lab.text() for lab in dlg.findChildren(QLabel)]
    assert not raw & set(texts), raw & set(texts)
    for name, w in dlg.editors.items():
        label = dlg.labels[name].text()
        assert label and label not in raw
        tip = w.toolTip().splitlines()[0]
        assert tip and tip not in raw and name not in tip


def test_combos_never_blank(qtbot, dirs, lang):
    dlg = make(qtbot, dirs, use_keyring=False)
    combos = dlg.findChildren(QComboBox)
    assert combos
    for cb in combos:
        for i in range(cb.count()):
            assert cb.itemText(i).strip(), (cb.toolTip(), i)
    cs = dlg.editors["chat_source"]
    assert cs.currentText() == {"ko": "자동 (치지직 설정 전엔 리허설)",
                                "en": "Automatic (rehearsal until CHZZK is set up)"}[lang]
    assert dlg.values()["chat_source"] == ""  # the value behind the readable name
    cs.setCurrentIndex(cs.findData("chzzk"))
    assert dlg.values()["chat_source"] == "chzzk"


def test_microphone_device_is_a_picker_with_readable_off(qtbot, dirs, lang):
    """The microphone device was a text box showing the raw value ``off`` (also in Korean mode)."""
    dlg = make(qtbot, dirs, use_keyring=False)
    cb = dlg.editors["stt_input_device"]
    assert isinstance(cb, QComboBox) and cb.isEditable()
    assert cb.currentText() == {"ko": "끔 (마이크 안 씀)", "en": "Off (no microphone)"}[lang]
    assert dlg.values()["stt_input_device"] == "off"
    cb.setCurrentIndex(cb.findData("default"))
    assert dlg.values()["stt_input_device"] == "default"
    cb.setEditText("wav:C:/voice.wav")  # a name fragment, an index or a WAV file can still be typed
    assert dlg.values()["stt_input_device"] == "wav:C:/voice.wav"


def test_restart_tag_next_to_restart_fields(qtbot, dirs):
    set_language("ko")
    dlg = make(qtbot, dirs, use_keyring=False)
    restart = [f.name for f in setting_fields() if f.metadata.get("dialog") and f.metadata.get("restart", True)]
    assert restart and set(restart) == set(dlg.restart_tags)
    assert all(t.text() == "재시작 필요" for t in dlg.restart_tags.values())


def test_inline_validation_as_you_type(qtbot, dirs):
    set_language("ko")
    dlg = make(qtbot, dirs, use_keyring=False)
    save = dlg.buttons.button(QDialogButtonBox.StandardButton.Save)
    edit = dlg.editors["vts_url"]
    dlg.tabs.setCurrentWidget(dlg.tab_pages["avatar"])
    edit.clear()
    qtbot.keyClicks(edit, "localhost:8001")
    assert dlg.errors["vts_url"].isVisible() and "ws://" in dlg.errors["vts_url"].text()
    assert "d0342c" in edit.styleSheet() and not save.isEnabled()
    edit.clear()
    qtbot.keyClicks(edit, "ws://127.0.0.1:8001")
    assert not dlg.errors["vts_url"].isVisible() and edit.styleSheet() == "" and save.isEnabled()
    dlg.editors["groq_model"].setText("m2")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dlg.result() == dlg.DialogCode.Accepted
    assert json.loads((dirs.config / "ui_settings.json").read_text()) == {"vts_url": "ws://127.0.0.1:8001",
                                                                          "groq_model": "m2"}


def test_fits_1366x728_and_inputs_not_clipped(qtbot, dirs, lang):
    dlg = make(qtbot, dirs, use_keyring=False)
    hint = dlg.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 728, hint
    dlg.resize(min(dlg.width(), 1366), min(dlg.height(), 728))
    assert dlg.width() <= 1366 and dlg.height() <= 728
    for g, page in dlg.tab_pages.items():
        dlg.tabs.setCurrentWidget(page)
        qtbot.waitUntil(page.isVisible)
        for name, w in dlg.editors.items():
            if w.isVisible():
                assert w.width() >= w.minimumSizeHint().width(), (g, name)
                assert dlg.labels[name].width() >= dlg.labels[name].minimumSizeHint().width(), (g, name)


def _type_key_and_save(qtbot, dlg, key="gsk_typed_123"):
    dlg.tabs.setCurrentWidget(dlg.tab_pages["ai"])
    qtbot.keyClicks(dlg.editors["groq_api_key"], key)
    qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.secret_box is not None and dlg.secret_box.isVisible())


def test_no_keyring_says_so_before_saving(qtbot, dirs):
    set_language("ko")
    dlg = make(qtbot, dirs)  # conftest: the null keyring backend
    assert "자격 증명 저장소가 없어요" in dlg.secret_hints["groq_api_key"].text()


def test_no_keyring_choose_session_only(qtbot, dirs, home):
    set_language("ko")
    dlg = make(qtbot, dirs)
    _type_key_and_save(qtbot, dlg)
    assert "평문" in dlg.secret_box.informativeText() and "secrets.env" in dlg.secret_box.informativeText()
    try:
        qtbot.mouseClick(dlg.session_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dlg.result() == dlg.DialogCode.Accepted)
        assert dlg.secret_choice == "session" and dlg.warnings == {}
        assert load_settings(dirs, env={}).groq_api_key == "gsk_typed_123"
        assert not any("gsk_typed" in p.read_text(errors="ignore") for p in home.rglob("*") if p.is_file())
        again = make(qtbot, dirs)  # opened again from the same (old) settings: says where the key is
        assert again.secret_hints["groq_api_key"].text() == "이번 실행 동안만 기억 (어디에도 저장 안 됨)"
    finally:
        settings_mod.keep_secret_for_session("groq_api_key", "")


def test_no_keyring_choose_plain_file(qtbot, dirs):
    set_language("en")
    dlg = make(qtbot, dirs)
    _type_key_and_save(qtbot, dlg)
    assert "plain" in dlg.secret_box.informativeText()
    qtbot.mouseClick(dlg.file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.result() == dlg.DialogCode.Accepted)
    set_language("ko")
    path = dirs.config / "secrets.env"
    assert dlg.secret_choice == "file" and 'GROQ_API_KEY="gsk_typed_123"' in path.read_text()
    if sys.platform != "win32":
        assert os.stat(path).st_mode & 0o777 == 0o600
    s = load_settings(dirs, env={})
    assert s.groq_api_key == "gsk_typed_123"
    dlg2 = make(qtbot, dirs, settings=s)
    assert str(path) in dlg2.secret_hints["groq_api_key"].text()


def test_no_keyring_cancel_keeps_dialog_open_and_stores_nothing(qtbot, dirs, home):
    set_language("ko")
    dlg = make(qtbot, dirs)
    dlg.editors["groq_model"].setText("other-model")
    _type_key_and_save(qtbot, dlg)
    qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dlg.secret_box.isVisible())
    assert dlg.secret_choice == "cancel" and dlg.isVisible()
    assert "저장하지 않았어요" in dlg.message.text()
    assert not any("gsk_typed" in p.read_text(errors="ignore") for p in home.rglob("*") if p.is_file())
    s = load_settings(dirs, env={})
    assert s.groq_api_key == "" and s.groq_model == "other-model"
    assert isinstance(dlg.editors["groq_api_key"], QLineEdit)


def test_store_that_silently_drops_the_secret_is_detected(qtbot, dirs):
    """A backend that accepts set_password but keeps nothing (seen on misconfigured Linux desktops)
    is not a null backend, so only the read-back check finds it: the user is still asked."""
    import keyring
    from keyring.backend import KeyringBackend

    class Dropping(KeyringBackend):
        priority = 1

        def get_password(self, service, username):
            return None

        def set_password(self, service, username, password):
            pass

        def delete_password(self, service, username):
            pass

    old = keyring.get_keyring()
    keyring.set_keyring(Dropping())
    try:
        set_language("ko")
        assert settings_mod.keyring_available()  # it looks like a real store …
        dlg = make(qtbot, dirs)
        _type_key_and_save(qtbot, dlg)  # … but the question still comes
        qtbot.mouseClick(dlg.file_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dlg.result() == dlg.DialogCode.Accepted)
        assert load_settings(dirs, env={}).groq_api_key == "gsk_typed_123"
    finally:
        keyring.set_keyring(old)
