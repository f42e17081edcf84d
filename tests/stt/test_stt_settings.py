"""Microphone / speech-to-text settings: defaults, environment names, derived values, validation."""

from __future__ import annotations

import pytest

from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings, SettingsError, load_settings


def load(home, env: dict[str, str]) -> Settings:
    env = {"AISCHOCO_HOME": str(home), **env}
    return load_settings(user_dirs(env), env=env, use_keyring=False)


def test_defaults_follow_the_configuration_contract(home):
    s = load(home, {})
    assert (s.mic_mode, s.stt_input_device, s.stt_engine, s.barge_in) == ("off", "off", "remote", "off")
    assert (s.stt_model, s.stt_language) == ("whisper-large-v3-turbo", "ko")
    assert s.effective_stt_base_url == s.llm_base_url == "https://api.groq.com/openai/v1"
    assert s.effective_stt_api_key == ""


def test_environment_names_and_fallback_to_the_llm(home):
    s = load(home, {"MIC_MODE": "ptt", "STT_INPUT_DEVICE": "wav:C:/v.wav", "GROQ_API_KEY": "gsk_llm",
                    "LLM_BASE_URL": "http://127.0.0.1:9/v1", "STT_VAD_HANGOVER_MS": "700", "BARGE_IN": "duck",
                    "STT_LOCAL_MODEL": "small", "STT_VAD_PREROLL_MS": "200", "STT_VAD_MIN_MS": "100"})
    assert (s.mic_mode, s.stt_input_device, s.barge_in, s.stt_local_model) == ("ptt", "wav:C:/v.wav", "duck", "small")
    assert (s.stt_vad_hangover_ms, s.stt_vad_preroll_ms, s.stt_vad_min_ms) == (700, 200, 100)
    assert s.effective_stt_api_key == "gsk_llm" and s.effective_stt_base_url == "http://127.0.0.1:9/v1"
    s = load(home, {"GROQ_API_KEY": "gsk_llm", "STT_API_KEY": "gsk_stt", "STT_BASE_URL": "http://127.0.0.1:8/v1"})
    assert s.effective_stt_api_key == "gsk_stt" and s.effective_stt_base_url == "http://127.0.0.1:8/v1"
    assert "gsk_stt" not in repr(s)


@pytest.mark.parametrize("env,name", [({"MIC_MODE": "always"}, "mic_mode"), ({"BARGE_IN": "yes"}, "barge_in"),
                                      ({"STT_BASE_URL": "groq"}, "stt_base_url"),
                                      ({"STT_INPUT_DEVICE": "wav:"}, "stt_input_device"),
                                      ({"STT_ENGINE": "cloud"}, "stt_engine")])
def test_bad_values_are_named(home, env, name):
    with pytest.raises(SettingsError) as ei:
        load(home, env)
    assert list(ei.value.problems) == [name]


def test_every_microphone_setting_is_in_the_readme_table():
    from pathlib import Path

    from aischoco_gui.settings import setting_fields

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `"))
    names = [f.metadata["env"] for f in setting_fields() if f.metadata["env"].startswith(("MIC_", "STT_", "BARGE_"))]
    assert len(names) >= 10
    assert [n for n in names if f"`{n}`" not in table] == []
