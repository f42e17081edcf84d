"""Engines the worker can host. ``create_engine`` imports each lazily (torch only for qwen)."""

from __future__ import annotations

from typing import Any

from aischoco_gui.tts.engine import EngineUnavailable, TtsEngine

ENGINE_NAMES = ("system", "qwen", "faster-qwen", "fake")


def create_engine(name: str, **opts: Any) -> TtsEngine:
    """Build (not load) an engine by name; options not used by an engine are ignored."""
    if name == "system":
        from aischoco_gui.tts.engines.system import create_system_engine  # noqa: PLC0415

        return create_system_engine(voice=opts.get("voice") or "ko")
    if name == "fake":
        from aischoco_gui.tts.engines.fake import FakeEngine  # noqa: PLC0415

        return FakeEngine(sample_rate=int(opts.get("fake_rate") or 24000),
                          first_chunk_s=float(opts.get("fake_first_chunk_s") or 0.0),
                          rtf=float(opts.get("fake_rtf") or 0.0),
                          load_s=float(opts.get("fake_load_s") or 0.0))
    if name in ("qwen", "faster-qwen"):
        from aischoco_gui.tts.engines.qwen import QwenConfig  # noqa: PLC0415

        cfg = QwenConfig(model=opts.get("model") or QwenConfig.model,
                         device=opts.get("device") or QwenConfig.device,
                         dtype=opts.get("dtype") or QwenConfig.dtype,
                         attn_implementation=opts.get("attn") or QwenConfig.attn_implementation,
                         ref_audio=opts.get("ref_audio") or "", ref_text=opts.get("ref_text") or "")
        if name == "qwen":
            from aischoco_gui.tts.engines.qwen import QwenEngine  # noqa: PLC0415

            return QwenEngine(cfg)
        from aischoco_gui.tts.engines.faster_qwen import FasterQwenEngine  # noqa: PLC0415

        return FasterQwenEngine(cfg)
    raise EngineUnavailable(f"unknown TTS engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
