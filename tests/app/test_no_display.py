"""Without a display the app says what to do, in Korean and English, and exits non-zero (issue 23): it
used to abort inside Qt's xcb plugin ("could not connect to display", SIGABRT, no way forward)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aischoco_gui.app import display_problem

ROOT = Path(__file__).resolve().parents[2]


def test_display_problem_only_where_there_is_no_display():
    assert display_problem({}, "linux") is not None
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None and display_problem({}, "darwin") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb platform is Linux's")
def test_no_display_prints_what_to_do_and_exits_nonzero(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(AISCHOCO_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "aischoco_gui"], env=env, capture_output=True, text=True,
                       timeout=60, cwd=tmp_path)
    assert r.returncode not in (0, -6), r  # -6: Qt's abort
    out = r.stderr
    assert "화면" in out and "QT_QPA_PLATFORM=offscreen" in out and "no display" in out, out
    assert "xcb" not in out and "Aborted" not in out and "Traceback" not in out
    logs = tmp_path / "home" / "logs"
    assert not list(logs.glob("crash-*")) if logs.exists() else True  # no crash report: nothing crashed
