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
# each test's garbage is collected on the main thread when it ends. ``--gc-stress`` does the opposite on
# purpose: a thread collects every few milliseconds, so any Qt object left to the collector is destroyed
# off the GUI thread — which must never crash and never make Qt warn (see _qt_thread_warnings).
gc.disable()


def pytest_addoption(parser):
    parser.addoption("--gc-stress", action="store_true", default=False,
                     help="collect garbage from a background thread every few ms (finds Qt objects that "
                          "outlive their owner; must pass with 0 crashes and 0 Qt thread warnings)")
    parser.addoption("--gc-stress-ms", type=float, default=3.0, help="interval of --gc-stress (ms)")


_THREAD_WARNINGS: list[str] = []  # Qt thread/timer warnings since the current test started


def pytest_configure(config):
    from tests.gc_stress import start_gc_stress

    try:
        from aischoco_gui.gui.qt_messages import install_message_handler
    except ImportError:  # no Qt in this environment: nothing to watch
        pass
    else:
        # every Qt message is logged (pytest shows it with a failing test); a thread warning fails the test
        install_message_handler(_THREAD_WARNINGS.append)
        from tests import qt_ownership

        qt_ownership.install()  # every Bridge a test makes is deleted on this thread when the test ends
    if config.getoption("--gc-stress"):
        config._gc_stress = start_gc_stress(config.getoption("--gc-stress-ms") / 1000.0)
    from tests import hang_watchdog

    global _WATCHDOG
    _WATCHDOG = hang_watchdog.start(float(os.environ.get("AISCHOCO_TEST_HANG_S", "300")),
                                    config.pluginmanager.getplugin("capturemanager"))


_WATCHDOG = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if _WATCHDOG is not None:
        _WATCHDOG.begin(item.nodeid)
    try:
        yield
    finally:
        if _WATCHDOG is not None:
            _WATCHDOG.end()


def pytest_unconfigure(config):
    stress = getattr(config, "_gc_stress", None)
    if stress is not None:
        stress.stop()
        print(f"\n--gc-stress: {stress.collections} collections from thread {stress.name!r}, "
              f"{stress.errors} errors", file=sys.stderr)


@pytest.fixture
def qtbot(qtbot):
    """pytest-qt's qtbot, but a widget given to ``addWidget`` is kept (not left to the garbage collector)
    and deleted on this thread when the test ends (tests/qt_ownership.py)."""
    from tests.qt_ownership import track

    add = qtbot.addWidget

    def add_widget(widget, *, before_close_func=None):
        track(widget)
        add(widget, before_close_func=before_close_func)

    qtbot.addWidget = add_widget
    return qtbot


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread():
    _THREAD_WARNINGS.clear()
    qt = "PySide6.QtWidgets" in sys.modules
    before: list = []
    if qt:
        from tests import qt_ownership

        before = qt_ownership.top_level_widgets()
    yield
    if qt or "PySide6.QtWidgets" in sys.modules:
        from tests import qt_ownership

        qt_ownership.end_of_test(before)  # what the test made is deleted here, on the GUI thread
    gc.collect()
    if _THREAD_WARNINGS:  # the test (or what it left behind) used a Qt object from the wrong thread
        seen = list(_THREAD_WARNINGS)
        _THREAD_WARNINGS.clear()
        pytest.fail("Qt thread warning(s) during this test:\n" + "\n".join(seen), pytrace=False)


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
