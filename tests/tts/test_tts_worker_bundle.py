"""The TTS worker's PyInstaller spec (packaging/aischoco-tts.spec), checked without building it:
torch and qwen-tts are not installed here, so the bundle itself was NOT built (issue 12)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import aischoco_bundle as B  # noqa: E402

sys.path.remove(str(ROOT / "packaging"))

# What qwen-tts 0.1.1's engine code imports (qwen_tts/inference/qwen3_tts_model.py: librosa, numpy,
# soundfile, torch, transformers) and what our adapters import: none of it may be excluded.
ENGINE_NEEDS = ["torch", "transformers", "accelerate", "librosa", "soundfile", "numpy", "qwen_tts",
                "faster_qwen3_tts", "onnxruntime", "einops", "aiohttp", "soxr", "aischoco_gui"]


def test_worker_excludes_the_gradio_demo_and_its_dependencies():
    for demo in ("gradio", "gradio_client", "fastapi", "uvicorn", "pandas", "matplotlib"):
        assert demo in B.WORKER_EXCLUDES, demo
    for gui in ("PySide6", "pyqtgraph", "qasync"):
        assert gui in B.WORKER_EXCLUDES, gui
    assert not set(ENGINE_NEEDS) & set(B.WORKER_EXCLUDES)


def test_submodule_filter_drops_the_demo_cli_but_keeps_the_engine():
    assert not B.worker_module_wanted("qwen_tts.cli")
    assert not B.worker_module_wanted("qwen_tts.cli.demo")
    assert not B.worker_module_wanted("gradio.blocks")
    for keep in ("qwen_tts", "qwen_tts.inference.qwen3_tts_model", "qwen_tts.core.models.modeling_qwen3_tts",
                 "transformers.models.auto", "faster_qwen3_tts.model", "qwen_tts.client"):
        assert B.worker_module_wanted(keep), keep


def test_worker_spec_uses_the_filter_and_the_excludes():
    spec = (ROOT / "packaging" / "aischoco-tts.spec").read_text(encoding="utf-8")
    assert "filter_submodules=B.worker_module_wanted" in spec
    assert "excludes=B.WORKER_EXCLUDES" in spec and "B.WORKER_COLLECT" in spec and "B.WORKER_HIDDEN" in spec
    assert "collect_all(pkg)" not in spec  # the unfiltered form dragged qwen_tts.cli -> gradio in
    for mod in B.WORKER_HIDDEN:
        assert (ROOT / (mod.replace(".", "/") + ".py")).is_file(), mod
