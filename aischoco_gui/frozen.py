"""Frozen-bundle helpers (Qt-free): is this a PyInstaller build, and where is the TTS worker.

The GUI bundle runs light engines (system voice, fake) itself as ``<exe> --tts-worker``. The
cloned voice needs torch + qwen-tts, shipped as a separate bundle ``aischoco-tts`` that the
user unpacks next to the app (``<app dir>/aischoco-tts/aischoco-tts.exe``) or points
``AISCHOCO_TTS_WORKER`` at. From source, ``python -m aischoco_gui.tts.server`` is used.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HEAVY_ENGINES = ("qwen", "faster-qwen")
WORKER_NAME = "aischoco-tts"


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def app_dir() -> Path:
    """Folder holding the running exe (frozen) or the source checkout."""
    if is_frozen():
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def heavy_worker_exe(env: dict[str, str] | None = None, base: Path | None = None) -> Path | None:
    """The separately built cloned-voice worker, if present."""
    env = os.environ if env is None else env
    override = env.get("AISCHOCO_TTS_WORKER", "").strip()
    if override:
        p = Path(override).expanduser()
        return p if p.is_file() else None
    exe = f"{WORKER_NAME}.exe" if sys.platform == "win32" else WORKER_NAME
    base = base or app_dir()
    for cand in (base / WORKER_NAME / exe, base / exe, base.parent / WORKER_NAME / exe):
        if cand.is_file():
            return cand
    return None


def frozen_worker_base(engine: str, env: dict[str, str] | None = None) -> list[str]:
    """Command prefix of the worker in the frozen app (the caller appends ``--engine …``)."""
    if engine in HEAVY_ENGINES:
        heavy = heavy_worker_exe(env)
        if heavy is not None:
            return [str(heavy)]
    return [sys.executable, "--tts-worker"]
