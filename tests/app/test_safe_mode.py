"""Issue 13: an unwritable AISCHOCO_HOME must not stop the app — it starts in safe mode in a temp folder.

Tests run as root here, where ``chmod 555`` does not stop writes; the unwritable home is simulated
with a path *under a regular file* (``…/file/home``): every mkdir and write there fails with
NotADirectoryError, as a read-only or locked folder fails with PermissionError.
"""

from __future__ import annotations

import os
import subprocess
import sys

from aischoco_gui.paths import usable_dirs, user_dirs


def _blocked_home(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    return blocker / "home"


def test_usable_dirs_falls_back_to_a_temp_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    home = _blocked_home(tmp_path)
    dirs = usable_dirs(user_dirs({"AISCHOCO_HOME": str(home)}))
    assert dirs.safe_mode and str(home) in dirs.unwritable and dirs.wanted == home
    assert str(dirs.logs).startswith(str(tmp_path / "tmp")) and dirs.logs.is_dir()
    ok = usable_dirs(user_dirs({"AISCHOCO_HOME": str(tmp_path / "fine")}))
    assert not ok.safe_mode and ok.home == (tmp_path / "fine").resolve()


def test_smoke_starts_in_safe_mode_with_an_unwritable_home(tmp_path):
    home = _blocked_home(tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ", "CHZZK", "TTS_", "VTS_"))}
    env.update(AISCHOCO_HOME=str(home), QT_QPA_PLATFORM="offscreen", OVERLAY_PORT="0", TMPDIR=str(tmp),
               TTS_OUTPUT_DEVICE="null", VTS_URL="ws://127.0.0.1:9")
    r = subprocess.run([sys.executable, "-m", "aischoco_gui", "--smoke", "--smoke-timeout", "40"],
                       capture_output=True, text=True, env=env, timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == "aischoco ready"
    assert "safe mode" in r.stderr and str(home) in r.stderr
    safe = [p for p in tmp.iterdir() if p.name.startswith("aischoco-safe-mode-")]
    assert len(safe) == 1 and (safe[0] / "logs" / "aischoco.log").exists()
    log = (safe[0] / "logs" / "aischoco.log").read_text(encoding="utf-8")
    assert "safe mode" in log and str(home) in log
    # the window's notice (status bar / log panel) names the folder, the temp folder and what to do
    notice = next(line for line in log.splitlines() if "notice: 안전 모드" in line)
    assert str(home) in notice and str(safe[0]) in notice and "AISCHOCO_HOME" in notice
    assert not home.exists()  # nothing was written to (or under) the user's folder
