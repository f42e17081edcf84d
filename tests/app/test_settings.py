import json

import pytest

from aischoco_gui.paths import install_defaults, user_dirs
from aischoco_gui.settings import (
    SettingsError,
    keyring_set,
    load_settings,
    save_dialog_settings,
)


def dirs_for(home):
    d = user_dirs({"AISCHOCO_HOME": str(home)})
    d.ensure()
    return d


def test_defaults(home):
    s = load_settings(dirs_for(home), env={}, use_keyring=False)
    assert s.effective_chat_source == "rehearsal"
    assert s.groq_model == "openai/gpt-oss-120b"
    assert s.llm_base_url == "https://api.groq.com/openai/v1"
    assert (s.overlay_host, s.overlay_port) == ("127.0.0.1", 8765)
    assert s.vts_url == "ws://localhost:8001"
    assert s.approval_mode == "manual"


def test_precedence_layers(home, tmp_path):
    d = dirs_for(home)
    (d.config / "settings.json").write_text(json.dumps({"groq_model": "from-json", "overlay_port": 9001,
                                                        "vts_url": "ws://json:1"}))
    (d.config / ".env").write_text("GROQ_MODEL=from-config-env\nOVERLAY_PORT=9002\n")
    (tmp_path / ".env").write_text("OVERLAY_PORT=9003\nAPPROVAL_MODE=auto\n")
    env = {"APPROVAL_MODE": "manual", "AUTO_APPROVE_SECONDS": "7"}
    save_dialog_settings(d, {"auto_approve_seconds": 3.5}, use_keyring=False)
    s = load_settings(d, env=env, cwd=tmp_path, use_keyring=False)
    assert s.vts_url == "ws://json:1"  # only in settings.json
    assert s.groq_model == "from-config-env"  # .env beats settings.json
    assert s.overlay_port == 9003  # working-dir .env beats config-dir .env
    assert s.approval_mode == "manual"  # environment beats .env
    assert s.auto_approve_seconds == 3.5  # settings dialog beats environment
    assert s.sources["auto_approve_seconds"] == "settings dialog"
    assert s.sources["approval_mode"] == "environment"


def test_validation_lists_every_problem(home):
    env = {"CHAT_SOURCE": "youtube", "OVERLAY_PORT": "http", "VTS_URL": "http://x", "LLM_BASE_URL": "ftp://a"}
    with pytest.raises(SettingsError) as e:
        load_settings(dirs_for(home), env=env, use_keyring=False)
    p = e.value.problems
    assert set(p) >= {"chat_source", "overlay_port", "vts_url", "llm_base_url"}
    assert "OVERLAY_PORT" in p["overlay_port"] and "whole number" in p["overlay_port"]
    assert "rehearsal" in p["chat_source"]


def test_port_range_and_wav_device(home):
    with pytest.raises(SettingsError) as e:
        load_settings(dirs_for(home), env={"OVERLAY_PORT": "70000", "TTS_OUTPUT_DEVICE": "wav:"}, use_keyring=False)
    assert set(e.value.problems) == {"overlay_port", "tts_output_device"}


def test_secrets_go_to_keyring_not_files(home):
    import keyring
    from keyring.backend import KeyringBackend

    class Mem(KeyringBackend):
        priority = 1
        store: dict = {}

        def get_password(self, service, username):
            return self.store.get((service, username))

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def delete_password(self, service, username):
            self.store.pop((service, username), None)

    old = keyring.get_keyring()
    keyring.set_keyring(Mem())
    try:
        d = dirs_for(home)
        warnings = save_dialog_settings(d, {"groq_api_key": "gsk_secret_123456", "groq_model": "m"})
        assert warnings == {}
        on_disk = (d.config / "ui_settings.json").read_text()
        assert "gsk_secret" not in on_disk and '"groq_model": "m"' in on_disk
        s = load_settings(d, env={"GROQ_API_KEY": "from-env"})
        assert s.groq_api_key == "gsk_secret_123456"  # dialog (credential store) wins
        assert "gsk_secret" not in repr(s)
        assert keyring_set("GROQ_API_KEY", "")
        assert load_settings(d, env={}).groq_api_key == ""
    finally:
        keyring.set_keyring(old)


def test_no_keyring_backend_gives_warning_not_crash(home):
    d = dirs_for(home)  # conftest selects the null backend: set_password raises
    warnings = save_dialog_settings(d, {"groq_api_key": "abc"})
    assert "groq_api_key" in warnings


def test_unreadable_settings_file_is_ignored(home):
    d = dirs_for(home)
    (d.config / "settings.json").write_text("{broken")
    assert load_settings(d, env={}, use_keyring=False).overlay_port == 8765


def test_first_start_copies_shipped_defaults(home):
    d = dirs_for(home)
    created = install_defaults(d)
    names = {p.name for p in created}
    assert {"character.txt", "pose_mapping.json", ".env.example"} <= names
    assert json.loads((d.config / "pose_mapping.json").read_text())["default"] == "neutral"
    (d.config / "character.txt").write_text("mine")
    assert install_defaults(d) == []  # never overwrites the user's files
    assert (d.config / "character.txt").read_text() == "mine"


def test_aischoco_home_layout_matches_aischoco_checkout(tmp_path):
    d = user_dirs({"AISCHOCO_HOME": str(tmp_path)})
    assert d.config == tmp_path / "config"
    assert d.history == tmp_path / "history"
    assert d.voice_samples == tmp_path / "assets" / "voice_samples"
    assert tmp_path / ".env" in d.env_files(tmp_path / "elsewhere")
