"""One bad setting falls back alone, is reported, and no file is ever overwritten with defaults."""

import json
import os
import sys

import pytest

from aischoco_gui import settings as settings_mod
from aischoco_gui.i18n import set_language
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import (
    SettingsError,
    keep_secret_for_session,
    load_settings,
    load_settings_report,
    save_dialog_settings,
    store_secret_in_file,
)


def dirs_for(home):
    d = user_dirs({"AISCHOCO_HOME": str(home)})
    d.ensure()
    return d


def test_bad_env_file_value_keeps_every_other_value(home, tmp_path):
    d = dirs_for(home)
    (tmp_path / ".env").write_text("APPROVAL_MODE=sometimes\nOVERLAY_PORT=abc\nGROQ_MODEL=my-model\n"
                                   "VTS_URL=ws://other-pc:8001\nAUTO_APPROVE_SECONDS=4\n")
    s, report = load_settings_report(d, env={}, cwd=tmp_path, use_keyring=False)
    assert (s.groq_model, s.vts_url, s.auto_approve_seconds) == ("my-model", "ws://other-pc:8001", 4.0)
    assert (s.approval_mode, s.overlay_port) == ("manual", 8765)  # only the bad fields fall back
    by_field = {p.field: p for p in report}
    assert set(by_field) == {"approval_mode", "overlay_port"}
    p = by_field["approval_mode"]
    assert (p.env, p.value, p.used, p.used_source) == ("APPROVAL_MODE", "sometimes", "manual", "default")
    assert p.source == str(tmp_path / ".env")
    set_language("ko")
    assert "승인 방식" in p.describe() and "sometimes" in p.describe() and "manual" in p.describe()
    set_language("en")
    assert by_field["overlay_port"].label == "Overlay port"
    assert "abc" in by_field["overlay_port"].describe()
    set_language("ko")
    # load_settings still raises for callers that want to stop, but carries the fallen-back settings
    with pytest.raises(SettingsError) as e:
        load_settings(d, env={}, cwd=tmp_path, use_keyring=False)
    assert e.value.settings.groq_model == "my-model" and e.value.settings.approval_mode == "manual"


def test_bad_environment_value_falls_back_to_lower_valid_layer(home, tmp_path):
    d = dirs_for(home)
    (tmp_path / ".env").write_text("OVERLAY_PORT=9100\n")
    s, report = load_settings_report(d, env={"OVERLAY_PORT": "http"}, cwd=tmp_path, use_keyring=False)
    assert s.overlay_port == 9100 and s.sources["overlay_port"] == str(tmp_path / ".env")
    [p] = report
    assert (p.source, p.used, p.used_source) == ("environment", "9100", str(tmp_path / ".env"))


def test_bad_value_in_ui_settings_json_is_never_overwritten(home):
    d = dirs_for(home)
    ui = d.config / "ui_settings.json"
    ui.write_text(json.dumps({"approval_mode": "sometimes", "groq_model": "kept"}))
    (d.config / "settings.json").write_text(json.dumps({"overlay_port": "abc", "vts_url": "ws://x:1"}))
    before = {p: p.read_bytes() for p in (ui, d.config / "settings.json")}
    s, report = load_settings_report(d, env={}, use_keyring=False)
    assert s.groq_model == "kept" and s.vts_url == "ws://x:1"
    assert {p.field for p in report} == {"approval_mode", "overlay_port"}
    assert {p: p.read_bytes() for p in before} == before  # loading never writes
    save_dialog_settings(d, {"chat_panel_max": 500}, use_keyring=False)  # the dialog saves another field
    saved = json.loads(ui.read_text())
    assert saved == {"approval_mode": "sometimes", "groq_model": "kept", "chat_panel_max": 500}
    assert (d.config / "settings.json").read_bytes() == before[d.config / "settings.json"]


def test_unreadable_ui_settings_is_kept_aside_not_replaced(home):
    d = dirs_for(home)
    ui = d.config / "ui_settings.json"
    ui.write_text("{broken")
    _, report = load_settings_report(d, env={}, use_keyring=False)
    assert [p.source for p in report if not p.field] == [str(ui)]
    save_dialog_settings(d, {"chat_panel_max": 500}, use_keyring=False)
    kept = list(d.config.glob("ui_settings.json.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{broken"


def test_load_startup_uses_per_field_fallback(home, monkeypatch):
    from aischoco_gui.app import load_startup

    monkeypatch.setenv("APPROVAL_MODE", "sometimes")
    monkeypatch.setenv("GROQ_MODEL", "still-here")
    st = load_startup()
    assert st.settings.groq_model == "still-here" and st.settings.approval_mode == "manual"
    assert [p.field for p in st.report] == ["approval_mode"]
    assert "approval_mode" in st.problems


def test_secret_in_bad_value_is_masked(home, tmp_path):
    d = dirs_for(home)
    # a secret field never fails coercion (str), so check masking through the helper the report uses
    f = {f.name: f for f in settings_mod.setting_fields()}["groq_api_key"]
    assert settings_mod._shown(f, "gsk_x") == "***"
    assert "gsk" not in repr(load_settings_report(d, env={"GROQ_API_KEY": "gsk_x"}, use_keyring=False))


def test_secrets_file_is_private_and_loaded(home):
    d = dirs_for(home)
    path = store_secret_in_file(d, "groq_api_key", 'gsk_a"b\\c')
    if sys.platform != "win32":
        assert (os.stat(path).st_mode & 0o777) == 0o600
    assert "plain text" in path.read_text()
    s = load_settings(d, env={}, use_keyring=False)
    assert s.groq_api_key == 'gsk_a"b\\c' and s.sources["groq_api_key"] == str(path)
    store_secret_in_file(d, "groq_api_key", "")
    assert load_settings(d, env={}, use_keyring=False).groq_api_key == ""


def test_session_secret_is_in_memory_only(home):
    d = dirs_for(home)
    keep_secret_for_session("groq_api_key", "gsk_session")
    try:
        s = load_settings(d, env={}, use_keyring=False)
        assert s.groq_api_key == "gsk_session" and s.sources["groq_api_key"] == settings_mod.SESSION_SOURCE
        assert not any("gsk_session" in p.read_text(errors="ignore") for p in home.rglob("*") if p.is_file())
    finally:
        keep_secret_for_session("groq_api_key", "")


def test_keyring_available_false_for_null_backend():
    assert settings_mod.keyring_available() is False  # conftest selects the null backend
