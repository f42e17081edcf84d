"""Qwen3-TTS adapter without weights: arguments passed to qwen-tts and the clear error messages.

torch is not installed here; fakes of torch/qwen_tts are injected (tests/doubles/tts_qwen_fakes.py).
The adapter was NOT run with real weights in this environment."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from aischoco_gui.audio.pcm import wav_bytes
from aischoco_gui.tts.engine import EngineUnavailable
from aischoco_gui.tts.engines.qwen import QwenConfig, QwenEngine, qwen_installed
from tests.doubles.tts_qwen_fakes import FakeOOM, FakeQwenModel, fake_qwen_tts, fake_torch


@pytest.fixture
def ref(tmp_path):
    p = tmp_path / "ref.wav"
    t = np.arange(3 * 44100) / 44100
    stereo_like = (0.3 * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
    p.write_bytes(wav_bytes(stereo_like, 44100))
    (tmp_path / "ref_text.txt").write_text("안녕하세요, 저는 초코예요.\n", encoding="utf-8")
    return p


def _engine(ref, **kw) -> tuple[QwenEngine, list]:
    mods = {"torch": kw.pop("torch", fake_torch()), "qwen_tts": fake_qwen_tts()}
    cfg = QwenConfig(ref_audio=str(ref), **kw)
    progress: list = []
    return QwenEngine(cfg, modules=mods), progress


def test_load_passes_documented_arguments_and_builds_prompt_once(ref):
    eng, progress = _engine(ref, attn_implementation="sdpa")
    eng.load(lambda p, w: progress.append((p, w)))
    fp = FakeQwenModel.calls[0][1]
    assert fp == {"path": "Qwen/Qwen3-TTS-12Hz-1.7B-Base", "device_map": "cuda:0", "dtype": "torch.bfloat16",
                  "attn_implementation": "sdpa"}
    prompt_calls = [c for n, c in FakeQwenModel.calls if n == "create_voice_clone_prompt"]
    assert len(prompt_calls) == 1
    audio, rate = prompt_calls[0]["ref_audio"]
    assert rate == 44100 and audio.dtype == np.float32 and len(audio) == 3 * 44100  # mono, native rate
    assert prompt_calls[0]["ref_text"] == "안녕하세요, 저는 초코예요."
    assert progress[-1] == (1.0, "ready") and [p for p, _ in progress] == sorted(p for p, _ in progress)
    # every sentence reuses the one prompt, in Korean, chunked at 24 kHz
    chunks = list(eng.synthesize("반가워요.", "happy", threading.Event()))
    gens = [c for n, c in FakeQwenModel.calls if n == "generate_voice_clone"]
    assert gens[-1]["language"] == "Korean" and gens[-1]["voice_clone_prompt"] == {"prompt": 1}
    assert eng.sample_rate == 24000 and sum(len(c) for c in chunks) == int(24000 * 0.08 * 5)
    assert len([c for n, c in FakeQwenModel.calls if n == "create_voice_clone_prompt"]) == 1


def test_cancel_between_chunks(ref):
    eng, _ = _engine(ref)
    eng.load(lambda p, w: None)
    cancel = threading.Event()
    it = eng.synthesize("가" * 30, "neutral", cancel)
    next(it)
    cancel.set()
    assert list(it) == []


def test_small_model_option(ref):
    eng, _ = _engine(ref, model="Qwen/Qwen3-TTS-12Hz-0.6B-Base", torch=fake_torch(free_gb=3.0))
    eng.load(lambda p, w: None)  # 3 GB is enough for 0.6B
    assert FakeQwenModel.calls[0][1]["path"].endswith("0.6B-Base")


def test_no_cuda_is_a_clear_error(ref):
    eng, _ = _engine(ref, torch=fake_torch(cuda=False))
    with pytest.raises(EngineUnavailable, match="no CUDA GPU"):
        eng.load(lambda p, w: None)


def test_not_enough_vram_suggests_the_small_model(ref):
    eng, _ = _engine(ref, torch=fake_torch(free_gb=2.5, total_gb=4.0))
    with pytest.raises(EngineUnavailable, match=r"not enough GPU memory: 2\.5 GB free.*0\.6B"):
        eng.load(lambda p, w: None)


def test_oom_during_load_is_a_clear_error(ref):
    eng, _ = _engine(ref)
    FakeQwenModel.load_error = FakeOOM("CUDA out of memory")
    with pytest.raises(EngineUnavailable, match="not enough GPU memory to load"):
        eng.load(lambda p, w: None)


def test_missing_weights_is_a_clear_error(ref):
    eng, _ = _engine(ref, model="/models/missing")
    FakeQwenModel.load_error = OSError("/models/missing does not appear to have a file named config.json")
    with pytest.raises(EngineUnavailable, match="weights for '/models/missing' not found"):
        eng.load(lambda p, w: None)


def test_missing_reference_or_transcript(tmp_path, ref):
    eng, _ = _engine(tmp_path / "nope.wav")
    with pytest.raises(EngineUnavailable, match="reference voice sample not found"):
        eng.load(lambda p, w: None)
    (ref.parent / "ref_text.txt").unlink()
    eng, _ = _engine(ref)
    with pytest.raises(EngineUnavailable, match="ref_text.txt"):
        eng.load(lambda p, w: None)


def test_without_torch_installed_the_message_names_the_extra(ref):
    eng = QwenEngine(QwenConfig(ref_audio=str(ref)))  # real import path: torch is absent here
    if qwen_installed():
        pytest.skip("torch and qwen-tts are installed in this environment")
    with pytest.raises(EngineUnavailable, match=r"pip install \.\[qwen\]"):
        eng.load(lambda p, w: None)


@pytest.mark.parametrize("subtype,rate", [("FLOAT", 44100), ("PCM_24", 48000), ("PCM_16", 22050)])
def test_reference_wav_goes_to_the_engine_at_its_native_rate(tmp_path, subtype, rate):
    """Issue 12: float and 24-bit WAVs are read (soundfile), stereo mixed to mono, never resampled by us."""
    sf = pytest.importorskip("soundfile")
    t = np.arange(3 * rate) / rate
    left = 0.4 * np.sin(2 * np.pi * 220 * t)
    right = 0.2 * np.sin(2 * np.pi * 220 * t)
    p = tmp_path / "ref.wav"
    sf.write(str(p), np.stack([left, right], axis=1), rate, subtype=subtype)
    (tmp_path / "ref_text.txt").write_text("안녕하세요.", encoding="utf-8")
    eng, _ = _engine(p)
    eng.load(lambda p_, w: None)
    audio, got_rate = [c for n, c in FakeQwenModel.calls if n == "create_voice_clone_prompt"][0]["ref_audio"]
    assert got_rate == rate and len(audio) == 3 * rate and audio.dtype == np.float32
    tol = 1e-3 if subtype == "PCM_16" else 1e-5
    assert np.max(np.abs(audio - (left + right) / 2)) < tol


def test_faster_qwen_warms_up_after_loading_before_the_first_reply(ref):
    from aischoco_gui.tts.engines.faster_qwen import FasterQwenEngine
    from tests.doubles.tts_qwen_fakes import FakeFasterQwen3TTS, fake_faster_qwen3_tts

    mods = {"torch": fake_torch(), "faster_qwen3_tts": fake_faster_qwen3_tts()}
    eng = FasterQwenEngine(QwenConfig(ref_audio=str(ref)), modules=mods)
    eng.load(lambda p, w: None)
    names = [n for n, _ in FakeFasterQwen3TTS.calls]
    assert names[:3] == ["from_pretrained", "generate_voice_clone", "_warmup"]  # warmed up inside load()
    assert FakeFasterQwen3TTS.calls[1][1]["ref_audio"] == str(ref)  # the file itself: native rate
    chunks = list(eng.synthesize("반가워요.", "happy", threading.Event()))
    first = next(c for n, c in FakeFasterQwen3TTS.calls if n == "generate_voice_clone_streaming")
    assert first["warmed_up_before"] and sum(len(c) for c in chunks) == 3 * 2400
