"""Speaker construction from settings: engine chain, fallback, text-only when no voice exists."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.paths import user_dirs
from aischoco_gui.service_config import tts_config
from aischoco_gui.settings import load_settings
from aischoco_gui.tts.backend import FallbackChain
from aischoco_gui.tts.client import HttpTtsClient
from aischoco_gui.tts.factory import engine_chain, make_speaker
from aischoco_gui.tts.speaker import TtsSpeaker
from aischoco_gui.tts.worker import WorkerBackend


def _services(home, env: dict[str, str]) -> SimpleNamespace:
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    s = load_settings(dirs, env={"AISCHOCO_HOME": str(home), **env}, use_keyring=False)
    return SimpleNamespace(settings=s, dirs=dirs, bus=EventBus())


def test_remote_url_selects_remote_with_system_fallback(home):
    sv = _services(home, {"TTS_REMOTE_URL": "http://127.0.0.1:9", "TTS_OUTPUT_DEVICE": "null"})
    assert engine_chain(tts_config(sv.settings))[0] == "remote"
    sp = make_speaker(tts_config(sv.settings), sv.bus, sv.dirs.voice_samples)
    assert isinstance(sp, TtsSpeaker)
    if shutil.which("espeak-ng"):
        assert isinstance(sp.backend, FallbackChain)
        assert isinstance(sp.backend.backends[0], HttpTtsClient)
        assert isinstance(sp.backend.backends[1], WorkerBackend) and sp.backend.backends[1].engine == "system"


def test_explicit_engine_and_no_fallback(home):
    sv = _services(home, {"TTS_ENGINE": "fake", "TTS_FALLBACK": "", "TTS_OUTPUT_DEVICE": "wav:out.wav"})
    sp = make_speaker(tts_config(sv.settings), sv.bus, sv.dirs.voice_samples)
    assert isinstance(sp.backend, WorkerBackend) and sp.backend.engine == "fake"
    assert sp.output.spec.kind == "wav"


def test_no_voice_at_all_is_text_only_and_says_why(home, monkeypatch):
    monkeypatch.setenv("PATH", str(home))  # no espeak-ng on PATH; torch is not installed here
    sv = _services(home, {"TTS_ENGINE": "system", "TTS_FALLBACK": ""})
    sp = make_speaker(tts_config(sv.settings), sv.bus, sv.dirs.voice_samples)
    assert not isinstance(sp, TtsSpeaker)
    st = sv.bus.status["tts"]
    assert st.state == ServiceState.NOT_CONFIGURED and "espeak-ng" in st.last_error


@pytest.mark.espeak
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_auto_without_gpu_uses_the_system_voice_worker(home):
    sv = _services(home, {"TTS_OUTPUT_DEVICE": "null"})
    assert engine_chain(tts_config(sv.settings)) == ["system"]  # auto → system (no torch), fallback system deduplicated
    sp = make_speaker(tts_config(sv.settings), sv.bus, sv.dirs.voice_samples)
    await sp.start()
    try:
        assert await sp.backend.wait_ready(20)
        assert sv.bus.status["tts"].state == ServiceState.READY
        from aischoco_gui.i18n import tr

        assert tr("voice.system") in sv.bus.status["tts"].detail  # "system voice, not the cloned voice", translated
        assert sv.bus.status["audio"].state == ServiceState.READY
    finally:
        await sp.shutdown()
