"""The local Whisper engine up to the model download (faster-whisper is not installed here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from aischoco_gui.stt.engines import SttError, SttUnavailable
from aischoco_gui.stt.local import COMPLETE_MARK, MODEL_FILES, LocalWhisper, ensure_model, repo_for

FILES = {"config.json": 600, "preprocessor_config.json": 300, "model.bin": 40_000, "tokenizer.json": 2_000,
         "vocabulary.json": 1_000}


class FakeHub:
    """Stands in for ``huggingface_hub.snapshot_download`` (the network layer): writes the files into
    ``local_dir`` in chunks, driving ``tqdm_class`` the way the hub client does (one byte bar per file)."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[dict] = []
        self.fail = fail

    def __call__(self, *, repo_id: str, local_dir: str, allow_patterns: list[str], tqdm_class: type) -> str:
        self.calls.append({"repo_id": repo_id, "local_dir": local_dir, "allow_patterns": allow_patterns})
        if self.fail:
            raise ConnectionError("hub unreachable")
        for name, size in FILES.items():
            with tqdm_class(total=size, unit="B", unit_scale=True, desc=name, disable=True) as bar:
                with open(Path(local_dir) / name, "wb") as f:
                    for i in range(0, size, 8192):
                        n = min(8192, size - i)
                        f.write(b"\0" * n)
                        bar.update(n)
        return local_dir


def test_model_names_map_to_faster_whisper_repositories():
    assert repo_for("large-v3-turbo") == "mobiuslabsgmbh/faster-whisper-large-v3-turbo"
    assert repo_for("small") == "Systran/faster-whisper-small"
    assert repo_for("me/my-ct2-whisper") == "me/my-ct2-whisper"
    with pytest.raises(SttError, match="unknown local speech model"):
        repo_for("whisper-9000")


def test_first_use_downloads_into_the_cache_with_progress_then_reuses_it(tmp_path):
    hub = FakeHub()
    progress: list[tuple[int, int, str]] = []
    path = ensure_model("small", tmp_path / "stt-models", lambda *a: progress.append(a), download=hub)
    assert path == tmp_path / "stt-models" / "Systran--faster-whisper-small"
    assert (path / "model.bin").stat().st_size == FILES["model.bin"] and (path / COMPLETE_MARK).exists()
    assert hub.calls[0]["repo_id"] == "Systran/faster-whisper-small"
    assert hub.calls[0]["allow_patterns"] == MODEL_FILES
    bin_progress = [p for p in progress if p[1] == FILES["model.bin"]]
    assert bin_progress[-1][0] == FILES["model.bin"] and len(bin_progress) == 5  # 40 kB in 8 kB chunks
    assert all(label == "Systran/faster-whisper-small" for *_, label in progress)
    assert ensure_model("small", tmp_path / "stt-models", download=hub) == path
    assert len(hub.calls) == 1  # complete in the cache: no second download


def test_interrupted_download_is_resumed_not_trusted(tmp_path):
    target = tmp_path / "Systran--faster-whisper-small"
    target.mkdir()
    (target / "model.bin").write_bytes(b"\0" * 10)  # a partial file, no completion mark
    hub = FakeHub()
    ensure_model("small", tmp_path, download=hub)
    assert len(hub.calls) == 1 and (target / COMPLETE_MARK).exists()


def test_download_failure_is_an_error_with_the_cause(tmp_path):
    with pytest.raises(SttError, match="hub unreachable"):
        ensure_model("small", tmp_path, download=FakeHub(fail=True))
    assert not (tmp_path / "Systran--faster-whisper-small" / COMPLETE_MARK).exists()


STAND_INS = Path(__file__).resolve().parent / "stand_ins"
ROOT = Path(__file__).resolve().parents[2]


def worker_env(tmp_path, *layers: str) -> dict[str, str]:
    import os

    path = os.pathsep.join([*(str(STAND_INS / x) for x in layers), str(ROOT)])
    return {**os.environ, "PYTHONPATH": path, "FAKE_HUB_LOG": str(tmp_path / "hub.log")}


@pytest.mark.skipif(importlib.util.find_spec("faster_whisper") is not None, reason="faster-whisper installed")
async def test_without_faster_whisper_the_worker_says_how_to_install_and_downloads_nothing(tmp_path):
    eng = LocalWhisper("small", tmp_path / "models", env=worker_env(tmp_path, "hub"))
    assert "stt-local" in eng.problem()
    with pytest.raises(SttUnavailable, match=r"stt-local"):
        await eng.transcribe(np.zeros(16000, np.float32), language="ko")
    await eng.aclose()
    assert not (tmp_path / "hub.log").exists() and not (tmp_path / "models").exists()


async def test_worker_fetches_the_model_with_progress_then_serves_transcriptions(tmp_path):
    """A real worker process; only the hub client and faster-whisper's WhisperModel are stand-ins."""
    progress: list[tuple[int, int, str]] = []
    eng = LocalWhisper("large-v3-turbo", tmp_path / "models", on_progress=lambda *a: progress.append(a),
                       env=worker_env(tmp_path, "hub", "whisper"))
    try:
        audio = np.zeros(24000, np.float32)
        audio[100] = 0.5
        tr = await eng.transcribe(audio, language="ko")
        assert tr.engine == "local"
        assert tr.text == "24000 samples, language ko, peak 0.50"  # the WAV went through intact
        proc = eng.proc
        assert proc is not None and proc.returncode is None
        tr2 = await eng.transcribe(audio[:16000], language="")
        assert tr2.text.startswith("16000 samples, language None") and eng.proc is proc  # one worker
    finally:
        await eng.aclose()
    assert proc.returncode is not None  # closing stdin ended it
    folder = tmp_path / "models" / "mobiuslabsgmbh--faster-whisper-large-v3-turbo"
    assert (folder / "model.bin").exists() and (folder / COMPLETE_MARK).exists()
    assert (tmp_path / "hub.log").read_text().split() == ["mobiuslabsgmbh/faster-whisper-large-v3-turbo"]
    model_bin = [p for p in progress if p[1] == 40_000]
    assert model_bin[-1][0] == 40_000 and model_bin[-1][2] == "mobiuslabsgmbh/faster-whisper-large-v3-turbo"
    # second start: the cache is complete, no download
    eng = LocalWhisper("large-v3-turbo", tmp_path / "models", env=worker_env(tmp_path, "hub", "whisper"))
    try:
        await eng.load()
    finally:
        await eng.aclose()
    assert len((tmp_path / "hub.log").read_text().split()) == 1


async def test_worker_failure_is_reported_with_its_cause(tmp_path):
    eng = LocalWhisper("whisper-9000", tmp_path / "models", env=worker_env(tmp_path, "hub", "whisper"))
    with pytest.raises(SttError, match="unknown local speech model"):
        await eng.load()
    await eng.aclose()


def test_factory_reports_download_progress_and_retries_on_the_bus(tmp_path):
    from aischoco_gui.events import EventBus, ServiceState
    from aischoco_gui.stt.factory import build_engine

    bus = EventBus()
    eng = build_engine("local", bus, base_url="", api_key="", model="", local_model="small", cache_dir=tmp_path)
    assert isinstance(eng, LocalWhisper) and eng.cache_dir == tmp_path / "stt-models"
    ensure_model("small", eng.cache_dir, eng.on_progress, download=FakeHub())
    st = bus.status["stt"]
    assert st.state == ServiceState.CONNECTING and "100%" in st.detail
    if importlib.util.find_spec("faster_whisper") is None:
        assert "stt-local" in eng.problem()
    rem = build_engine("remote", bus, base_url="http://127.0.0.1:9/v1", api_key="k", model="m", local_model="",
                       cache_dir=tmp_path)
    rem.on_retry(429, 1.5, 1)
    st = bus.status["stt"]
    assert st.state == ServiceState.DEGRADED and "429" in st.last_error
    assert "요청 한도" in st.detail and "1.5" in st.detail
    with pytest.raises(ValueError):
        build_engine("cloud", bus, base_url="", api_key="", model="", local_model="", cache_dir=tmp_path)
