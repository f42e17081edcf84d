"""kill -9 mid-show: at most the last second of counts is lost and the file is never damaged.

A real subprocess runs the app's ViewerMemory (writer thread, WAL) on a steady chat and is killed with
SIGKILL mid-write; the file must pass ``PRAGMA integrity_check`` and hold every message observed more
than a second before the kill. Three kills at different moments."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aischoco_gui.viewers.store import VIEWERS_FILE

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
@pytest.mark.parametrize("run_s", [0.9, 1.6, 2.3])
def test_kill_9_loses_at_most_the_last_second_and_never_corrupts(tmp_path, run_s):
    path = tmp_path / VIEWERS_FILE
    proc = subprocess.Popen([sys.executable, "-m", "tests.viewers.crash_writer", str(path), "400"], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        seen: list[tuple[int, float]] = []
        end = time.monotonic() + run_s
        while time.monotonic() < end:
            n, t = proc.stdout.readline().split()
            seen.append((int(n), float(t)))
        proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        proc.wait(10)
        for line in proc.stdout.read().splitlines():  # what it printed before it died, unread so far
            parts = line.split()
            if len(parts) == 2 and "." in parts[1]:
                seen.append((int(parts[0]), float(parts[1])))
    finally:
        proc.kill()
        proc.wait(10)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = conn.execute("SELECT coalesce(sum(messages), 0) FROM viewers").fetchone()[0]
    finally:
        conn.close()
    before_last_second = max((n for n, t in seen if t <= killed_at - 1.0), default=0)
    observed = seen[-1][0] if seen else 0
    assert before_last_second <= stored <= observed, (before_last_second, stored, observed)
    assert stored > 0 or run_s < 1.0
