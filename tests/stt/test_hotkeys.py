"""Held-key names (``MIC_PTT_KEY``, ``MIC_DIRECTOR_KEY``): Windows virtual-key codes for the global poller, Qt
names for the window filter, and a clear settings error for anything that is not one key."""

from __future__ import annotations

import pytest

from aischoco_gui.hotkeys import key_spec, qt_name, virtual_key
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings, SettingsError, load_settings


def load(home, env: dict[str, str]) -> Settings:
    env = {"AISCHOCO_HOME": str(home), **env}
    return load_settings(user_dirs(env), env=env, use_keyring=False)


def test_default_keys_are_vk_f8_and_f9():
    s = Settings()
    assert virtual_key(s.mic_ptt_key) == 0x77  # VK_F8
    assert virtual_key(s.mic_director_key) == 0x78  # VK_F9


@pytest.mark.parametrize("name,vk,qt", [
    ("F1", 0x70, "F1"), ("f12", 0x7B, "F12"), ("F24", 0x87, "F24"), ("a", 0x41, "A"), ("Z", 0x5A, "Z"),
    ("0", 0x30, "0"), ("9", 0x39, "9"), ("Pause", 0x13, "Pause"), ("ScrollLock", 0x91, "ScrollLock"),
    ("Scroll Lock", 0x91, "ScrollLock"), ("PageUp", 0x21, "PgUp"), ("PgDown", 0x22, "PgDown"),
    ("Insert", 0x2D, "Ins"), ("Print", 0x2C, "Print"), ("Space", 0x20, "Space"), ("", 0, ""),
])
def test_key_names_map_to_windows_virtual_keys_and_qt_names(name, vk, qt):
    assert key_spec(name) == (qt, vk)


def test_every_canonical_name_is_one_qt_key_without_modifiers():
    """The window filter parses the same name with QKeySequence: it must be a real key there too."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence

    names = ["F1", "F24", "A", "7", "Pause", "ScrollLock", "Print", "Ins", "Del", "Home", "End", "PgUp", "PgDown",
             "Space", "Menu", "Up", "Down", "Left", "Right"]
    for n in names:
        seq = QKeySequence(qt_name(n))
        assert seq.count() == 1 and seq[0].key() != Qt.Key.Key_unknown, n
        assert seq[0].keyboardModifiers() == Qt.KeyboardModifier.NoModifier, n


@pytest.mark.parametrize("bad", ["Ctrl+F8", "F25", "F0", "F08", "Esc", "ㄱ", "Numpad5", "AB"])
def test_other_names_are_refused_with_the_accepted_ones(bad):
    with pytest.raises(ValueError, match="not a key that can be held") as ei:
        virtual_key(bad)
    assert "F1–F24" in str(ei.value) and "ScrollLock" in str(ei.value)


@pytest.mark.parametrize("env,name", [({"MIC_PTT_KEY": "Ctrl+F8"}, "mic_ptt_key"),
                                      ({"MIC_DIRECTOR_KEY": "F99"}, "mic_director_key")])
def test_a_bad_key_setting_is_a_clear_settings_error(home, env, name):
    with pytest.raises(SettingsError) as ei:
        load(home, env)
    assert list(ei.value.problems) == [name]
    msg = ei.value.problems[name]
    assert "not a key that can be held" in msg and "F1–F24" in msg and "no Ctrl/Shift/Alt" in msg
    assert getattr(ei.value.settings, name) == getattr(Settings(), name)  # the default is used instead


def test_good_key_settings_load(home):
    s = load(home, {"MIC_PTT_KEY": "ScrollLock", "MIC_DIRECTOR_KEY": ""})
    assert (s.mic_ptt_key, s.mic_director_key) == ("ScrollLock", "")
