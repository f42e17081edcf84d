"""Stand-ins for ``torch`` and ``qwen_tts`` so the Qwen adapter's argument handling and error
paths are tested without a GPU or weights. They mirror the qwen-tts 0.1.1 API the adapter uses:
``Qwen3TTSModel.from_pretrained(path, device_map, dtype, attn_implementation)``,
``create_voice_clone_prompt(ref_audio, ref_text)``, ``generate_voice_clone(text, language,
voice_clone_prompt)`` → ``([wav], 24000)``."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np


class FakeOOM(RuntimeError):
    pass


def fake_torch(cuda: bool = True, free_gb: float = 20.0, total_gb: float = 24.0) -> SimpleNamespace:
    cuda_ns = SimpleNamespace(
        is_available=lambda: cuda,
        mem_get_info=lambda idx=0: (int(free_gb * 2**30), int(total_gb * 2**30)),
        OutOfMemoryError=FakeOOM,
    )
    return SimpleNamespace(cuda=cuda_ns, bfloat16="torch.bfloat16", float16="torch.float16", float32="torch.float32")


class FakeQwenModel:
    calls: list[tuple[str, dict]] = []
    load_error: Exception | None = None

    def __init__(self) -> None:
        self.prompts = 0

    @classmethod
    def from_pretrained(cls, path, **kw):
        cls.calls.append(("from_pretrained", {"path": path, **kw}))
        if cls.load_error is not None:
            raise cls.load_error
        return cls()

    def create_voice_clone_prompt(self, ref_audio=None, ref_text=None, **kw):
        self.prompts += 1
        FakeQwenModel.calls.append(("create_voice_clone_prompt", {"ref_audio": ref_audio, "ref_text": ref_text}))
        return {"prompt": self.prompts}

    def generate_voice_clone(self, text, language=None, voice_clone_prompt=None, **kw):
        FakeQwenModel.calls.append(("generate_voice_clone", {"text": text, "language": language,
                                                             "voice_clone_prompt": voice_clone_prompt, **kw}))
        n = int(24000 * 0.08 * len(text))
        return [np.full(n, 0.1, dtype=np.float32)], 24000


def fake_qwen_tts() -> SimpleNamespace:
    FakeQwenModel.calls = []
    FakeQwenModel.load_error = None
    return SimpleNamespace(Qwen3TTSModel=FakeQwenModel)


class FakeFasterQwen3TTS:
    """Mirrors faster-qwen3-tts' ``FasterQwen3TTS``: ``from_pretrained(model, device, dtype, …)``;
    the CUDA graphs are captured (``_warmup``) inside the first generation, streaming or not;
    ``generate_voice_clone(text, language, ref_audio, ref_text)`` → ``([wav], sr)``;
    ``generate_voice_clone_streaming(…, chunk_size)`` yields ``(chunk, sr, timing)``. No public warm-up."""

    calls: list[tuple[str, dict]] = []
    RATE = 24000

    def __init__(self) -> None:
        self._warmed_up = False

    @classmethod
    def from_pretrained(cls, model_name, device="cuda", dtype=None, **kw):
        cls.calls.append(("from_pretrained", {"model": model_name, "device": device, "dtype": dtype, **kw}))
        return cls()

    def _warmup(self) -> None:
        if not self._warmed_up:
            FakeFasterQwen3TTS.calls.append(("_warmup", {}))
            self._warmed_up = True

    def generate_voice_clone(self, text, language="English", ref_audio=None, ref_text="", **kw):
        FakeFasterQwen3TTS.calls.append(("generate_voice_clone", {"text": text, "language": language,
                                                                  "ref_audio": ref_audio, "ref_text": ref_text}))
        self._warmup()
        return [np.full(int(self.RATE * 0.05 * len(text)), 0.1, np.float32)], self.RATE

    def generate_voice_clone_streaming(self, text, language="English", ref_audio=None, ref_text="", chunk_size=8,
                                       **kw):
        FakeFasterQwen3TTS.calls.append(("generate_voice_clone_streaming", {
            "text": text, "language": language, "ref_audio": ref_audio, "ref_text": ref_text,
            "warmed_up_before": self._warmed_up}))
        self._warmup()
        for _ in range(3):
            yield np.full(self.RATE // 10, 0.1, np.float32), self.RATE, {}


def fake_faster_qwen3_tts() -> SimpleNamespace:
    FakeFasterQwen3TTS.calls = []
    return SimpleNamespace(FasterQwen3TTS=FakeFasterQwen3TTS)
