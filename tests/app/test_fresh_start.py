"""A fresh start spends nothing and keeps heavy or unneeded modules off the start path (issue 18)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.doubles.openai_server import OpenAIDouble
from tests.doubles.tts_servers import AischocoTtsServer
from tests.qt_async import qloop  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND")}
    e.update(PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=e,
                          timeout=120, cwd=ROOT)


def test_start_path_does_not_import_pyqtgraph_or_the_aiohttp_client_for_the_welcome():
    r = _run("""
        import sys
        from types import SimpleNamespace
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        import aischoco_gui.gui.welcome, aischoco_gui.firstrun
        assert "aiohttp" not in sys.modules, "welcome/firstrun import aiohttp"
        from aischoco_gui.events import EventBus
        from aischoco_gui.gui.bridge import Bridge
        from aischoco_gui.gui.panels.latency_panel import create_panel
        from aischoco_gui.tts.metrics import LatencyHistory
        bus = EventBus()
        panel = create_panel(SimpleNamespace(bus=bus, latency_history=LatencyHistory(), speaker=None), Bridge(bus))
        assert "pyqtgraph" not in sys.modules, "building the latency panel imported pyqtgraph"
        print("ok")
    """)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-2000:]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="D-Bus session rule is Linux only")
def test_no_keyring_import_on_linux_without_a_session_bus(tmp_path):
    r = _run("""
        import sys
        from aischoco_gui.settings import keyring_get, keyring_set
        assert keyring_get("GROQ_API_KEY") == ""
        assert keyring_set("GROQ_API_KEY", "x") is False  # no store: the dialog warns, as before
        assert "keyring" not in sys.modules
        print("ok")
    """, AISCHOCO_HOME=str(tmp_path))
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-2000:]


def test_fresh_smoke_start_spends_nothing(tmp_path):
    """``--smoke`` with a new home against the doubles: services come up (the LLM client pre-connects
    with a free ``GET /models``), but no completion is requested and nothing is synthesised."""
    import threading

    loop = asyncio.new_event_loop()
    t = threading.Thread(target=loop.run_forever, daemon=True)
    t.start()
    llm = OpenAIDouble.start_in_thread()
    tts = asyncio.run_coroutine_threadsafe(AischocoTtsServer().start(), loop).result(10)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ", "CHZZK", "TTS_", "VTS_", "LLM_"))}
        env.update(AISCHOCO_HOME=str(tmp_path / "fresh"), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
                   LLM_BASE_URL=llm.base_url, GROQ_API_KEY="test-key", TTS_REMOTE_URL=tts.url, TTS_ENGINE="remote",
                   TTS_FALLBACK="", TTS_OUTPUT_DEVICE="null", VTS_URL="ws://127.0.0.1:9", OVERLAY_PORT="0")
        r = subprocess.run([sys.executable, "-m", "aischoco_gui", "--smoke", "--smoke-timeout", "40"], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and "aischoco ready" in r.stdout, (r.stdout + r.stderr)[-2000:]
        assert (tmp_path / "fresh").exists()
        assert llm.requests == []  # no completion: nothing billed
        assert tts.requests == []  # no test phrase synthesised
    finally:
        asyncio.run_coroutine_threadsafe(tts.stop(), loop).result(10)
        llm.stop()
        loop.call_soon_threadsafe(loop.stop)
        t.join(5)
