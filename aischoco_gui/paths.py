"""Where things live: shipped resources (source tree or frozen bundle) and the user's dirs.

``AISCHOCO_HOME`` makes one folder hold everything in the AIsChoco checkout layout
(``config/``, ``history/``, ``assets/``, ``logs/``, ``.env``), so a user can point it at an
existing AIsChoco folder, or use it for portable installs and tests.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from aischoco_gui import APP_NAME


def bundle_root() -> Path:
    """Root holding ``resources/``, ``config/`` and ``assets/``: the source tree or the frozen bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    """Path of a shipped file under ``resources/`` (works frozen and from source)."""
    return bundle_root().joinpath("resources", *parts)


def shipped_path(*parts: str) -> Path:
    """Path of a shipped file relative to the bundle root, e.g. ``shipped_path("config", "character.txt")``."""
    return bundle_root().joinpath(*parts)


@dataclass(frozen=True)
class UserDirs:
    """The user's writable folders."""

    config: Path  # character.txt, pose_mapping.json, vts_token.txt, settings.json, .env
    data: Path  # history/, assets/voice_samples/, cache/
    logs: Path
    home: Path | None = None  # set when AISCHOCO_HOME is used
    # Safe mode: the user's folders could not be written; these dirs are a temp stand-in and
    # ``unwritable`` says which folder failed and why (shown in the window).
    unwritable: str = ""
    wanted: Path | None = None  # the folder the user asked for (safe mode only)

    @property
    def safe_mode(self) -> bool:
        return bool(self.unwritable)

    @property
    def history(self) -> Path:
        return self.data / "history"

    @property
    def voice_samples(self) -> Path:
        return self.data / "assets" / "voice_samples"

    @property
    def cache(self) -> Path:
        return self.data / "cache"

    def env_files(self, cwd: Path | None = None) -> list[Path]:
        """Candidate ``.env`` files, lowest precedence first."""
        cands = [self.config / ".env", self.data / ".env", (cwd or Path.cwd()) / ".env"]
        seen: list[Path] = []
        for c in cands:
            if c not in seen:
                seen.append(c)
        return seen

    def ensure(self) -> None:
        for p in (self.config, self.data, self.logs, self.history, self.voice_samples):
            p.mkdir(parents=True, exist_ok=True)


def _probe_writable(folder: Path) -> None:
    """Raise OSError unless a file can be created and removed in ``folder``."""
    probe = folder / f".aischoco-write-test-{os.getpid()}"
    with open(probe, "wb") as f:
        f.write(b"ok")
    probe.unlink()


def safe_mode_root() -> Path:
    """Where safe mode keeps its files: a per-user folder under the system temp dir."""
    who = os.environ.get("USERNAME") or os.environ.get("USER") or str(getattr(os, "getuid", lambda: 0)())
    return Path(tempfile.gettempdir()) / f"aischoco-safe-mode-{''.join(c for c in who if c.isalnum()) or 'user'}"


def usable_dirs(dirs: UserDirs) -> UserDirs:
    """``dirs`` when they can be created and written; otherwise a safe-mode stand-in under the temp dir.

    A read-only or broken ``AISCHOCO_HOME`` (or user folder) must not stop the app: logs, crash
    reports and everything written this session go to the temp folder, nothing is written to the
    user's folders, and ``unwritable`` names the folder and the error for the window. Readable
    settings (``config/``, ``.env``) and the summary are copied over so the show can go on.
    """
    failed: Path | None = None
    try:
        for p in (dirs.config, dirs.data, dirs.logs, dirs.history, dirs.voice_samples):
            failed = p
            p.mkdir(parents=True, exist_ok=True)
        for p in (dirs.config, dirs.data, dirs.logs):
            failed = p
            _probe_writable(p)
        return dirs
    except OSError as e:
        reason = f"{failed}: {e.strerror or type(e).__name__}"
    root = safe_mode_root()
    safe = UserDirs(config=root / "config", data=root / "data", logs=root / "logs", home=root,
                    unwritable=reason, wanted=dirs.home or dirs.data)
    safe.ensure()
    _copy_readable(dirs, safe)
    logging.getLogger(__name__).error("user folder not writable (%s); safe mode in %s", reason, root)
    return safe


def _copy_readable(src: UserDirs, dst: UserDirs) -> None:
    """Best effort: bring the user's settings and summary into the safe-mode folder (reads only)."""
    pairs = [(src.config, dst.config), (src.data / ".env", dst.data / ".env"),
             (src.history / "summary.json", dst.history / "summary.json")]
    for a, b in pairs:
        try:
            if a.is_dir():
                shutil.copytree(a, b, dirs_exist_ok=True)
            elif a.is_file():
                shutil.copyfile(a, b)
        except OSError:
            pass


def user_dirs(env: dict[str, str] | None = None) -> UserDirs:
    env = os.environ if env is None else env
    home = env.get("AISCHOCO_HOME", "").strip()
    if home:
        h = Path(home).expanduser().resolve()
        return UserDirs(config=h / "config", data=h, logs=h / "logs", home=h)
    return UserDirs(
        config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False, roaming=True)),
        data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=True)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )


SHIPPED_CONFIG_FILES = ("character.txt", "pose_mapping.json", ".env.example", "idle_topics.txt")


def install_defaults(dirs: UserDirs) -> list[Path]:
    """Copy shipped defaults into the user's dirs where missing. Returns the files created."""
    dirs.ensure()
    created: list[Path] = []
    for name in SHIPPED_CONFIG_FILES:
        src = shipped_path("config", name)
        dst = dirs.config / name
        if src.exists() and not dst.exists():
            shutil.copyfile(src, dst)
            created.append(dst)
    for src in sorted(shipped_path("assets", "voice_samples").glob("*")):
        dst = dirs.voice_samples / src.name
        if src.is_file() and not dst.exists():
            shutil.copyfile(src, dst)
            created.append(dst)
    return created


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write via a temp file in the same folder and ``os.replace`` (never a half-written file)."""
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            try:
                tmp.unlink()
            except OSError:
                pass
