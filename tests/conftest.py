"""Shared test set-up: offscreen Qt, an isolated AISCHOCO_HOME, no keyring, no network."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import pytest

from tests.qt_async import qloop  # noqa: F401  (fixture: a qasync loop for Qt tests)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Settings that a developer's shell might carry must not leak into tests.
for _k in list(os.environ):
    if _k.startswith(("CHZZK_", "GROQ_", "TTS_", "VTS_", "OVERLAY_", "LLM_", "STT_", "OBS_", "LOCKDOWN_")) or _k in (
        "CHAT_SOURCE", "APPROVAL_MODE", "AUTO_APPROVE_SECONDS", "TAROT_ENABLED", "AISCHOCO_HOME",
        "MIC_MODE", "BARGE_IN", "BARGE_IN_DUCK_GAIN",
    ):
        del os.environ[_k]


# Like the app (aischoco_gui/gui/gc_guard.py): no automatic garbage collection, which would run in
# whatever thread allocates (VTS loop, microphone, audio sink) and could destroy a Qt object there;
# each test's garbage is collected on the main thread when it ends.
gc.disable()


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread():
    yield
    gc.collect()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty AISCHOCO_HOME for the test, set in the environment."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("AISCHOCO_HOME", str(h))
    monkeypatch.chdir(tmp_path)
    return h


# -- the loopback doubles as fixtures (shared by every layer's tests) -------------------------------
@pytest.fixture
async def openai_double():
    """An OpenAI-compatible LLM server on a free loopback port (Groq-strict request checks)."""
    from tests.doubles.openai_server import OpenAIDouble

    async with OpenAIDouble() as d:
        yield d


@pytest.fixture
async def chzzk_double():
    """The CHZZK Open API + Socket.IO session double (short pings so drops are noticed quickly)."""
    from tests.doubles.chzzk_server import ChzzkDouble

    d = await ChzzkDouble(ping_interval_ms=300, ping_timeout_ms=300).start()
    yield d
    await d.stop()


@pytest.fixture
def english_ui():
    """Run a test with the English UI text (the default is Korean); restored afterwards."""
    from aischoco_gui.i18n import language, set_language

    before = language()
    set_language("en")
    yield
    set_language(before)
