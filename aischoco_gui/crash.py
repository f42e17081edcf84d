"""Crash reports: traceback, version, platform and recent log lines, with secrets redacted.

Written to ``<logs>/crash-YYYYmmdd-HHMMSS.txt`` by the exception hooks (``app.install_exception_hooks``)
and by ``__main__`` for crashes before the window exists. A native crash (segfault in a Qt or audio
library) is caught by :mod:`faulthandler` into ``<logs>/native-crash.log``.
"""

from __future__ import annotations

import faulthandler
import logging
import platform
import re
import sys
import time
import traceback
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from aischoco_gui import __version__
from aischoco_gui.logging_setup import LOG_FILE, redactor

log = logging.getLogger(__name__)

# Key-shaped strings are removed even when we do not know the value (a key pasted into a chat message…).
SECRET_PATTERNS = [
    (re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]{6,}"), "Bearer ***"),
    (re.compile(r"\bgsk_[A-Za-z0-9]{8,}"), "gsk_***"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"), "sk-***"),
    (re.compile(r"(?i)\b(api[_-]?key|client[_-]?secret|access[_-]?token|refresh[_-]?token|authorization|password)"
                r"(\s*[=:]\s*|\"\s*:\s*\")([^\s\"',;]{4,})"), r"\1\2***"),
]
MAX_REPORTS_PER_RUN = 20
MIN_INTERVAL_S = 2.0
LOG_TAIL_LINES = 200


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Known secret values (the log redactor's + ``secrets``) and key-shaped strings → ``***``."""
    for s in sorted({v for v in secrets if v and len(v) >= 6}, key=len, reverse=True):
        text = text.replace(s, "***")
    text = redactor.redact(text)
    for rx, repl in SECRET_PATTERNS:
        text = rx.sub(repl, text)
    return text


def tail_lines(path: Path, n: int = LOG_TAIL_LINES, max_bytes: int = 256_000) -> list[str]:
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - max_bytes))
            data = f.read()
    except OSError:
        return []
    return data.decode("utf-8", "replace").splitlines()[-n:]


def format_report(exc: tuple[type[BaseException], BaseException, Any] | BaseException, *,
                  log_lines: list[str] | None = None, context: str = "", now: datetime | None = None) -> str:
    if isinstance(exc, BaseException):
        exc = (type(exc), exc, exc.__traceback__)
    tb = "".join(traceback.format_exception(*exc))
    now = now or datetime.now()
    parts = [
        f"aischoco crash report {now:%Y-%m-%d %H:%M:%S}",
        f"version: {__version__}",
        f"python: {sys.version.split()[0]} ({platform.python_implementation()})",
        f"platform: {platform.platform()}",
        f"frozen: {bool(getattr(sys, 'frozen', False))}",
    ]
    if context:
        parts.append(f"context: {context}")
    parts += ["", "traceback:", tb.rstrip(), "", f"recent log lines ({len(log_lines or [])}):", *(log_lines or [])]
    return "\n".join(parts) + "\n"


def write_crash_report(logs_dir: Path, exc: Any, *, secrets: Iterable[str] = (), context: str = "",
                       now: datetime | None = None) -> Path:
    """Write one redacted report and return its path (a new name if one exists for this second)."""
    now = now or datetime.now()
    logs_dir = Path(logs_dir)
    logs_dir.mkdir(parents=True, exist_ok=True)
    text = redact(format_report(exc, log_lines=tail_lines(logs_dir / LOG_FILE), context=context, now=now), secrets)
    base = f"crash-{now:%Y%m%d-%H%M%S}"
    path = logs_dir / f"{base}.txt"
    i = 1
    while path.exists():
        path = logs_dir / f"{base}-{i}.txt"
        i += 1
    path.write_text(text, encoding="utf-8")
    return path


class CrashReporter:
    """Rate-limited report writer used by the exception hooks (a fault in a timer must not fill the disk)."""

    def __init__(self, logs_dir: Path, secrets: Iterable[str] = ()) -> None:
        self.logs_dir = Path(logs_dir)
        self.secrets = list(secrets)
        self.written: list[Path] = []
        self._last = 0.0

    def report(self, exc: Any, context: str = "") -> Path | None:
        now = time.monotonic()
        if len(self.written) >= MAX_REPORTS_PER_RUN or (self.written and now - self._last < MIN_INTERVAL_S):
            return None
        try:
            path = write_crash_report(self.logs_dir, exc, secrets=self.secrets, context=context)
        except Exception:
            log.exception("could not write a crash report")
            return None
        self._last = now
        self.written.append(path)
        log.error("crash report written: %s", path)
        return path


_fault_file: IO[str] | None = None


def install_faulthandler(logs_dir: Path) -> Path | None:
    """Native crashes (segfaults in C libraries) dump Python stacks to ``native-crash.log``."""
    global _fault_file
    path = Path(logs_dir) / "native-crash.log"
    try:
        if _fault_file is None:
            _fault_file = open(path, "a", encoding="utf-8")  # noqa: SIM115 (must stay open for faulthandler)
        faulthandler.enable(file=_fault_file, all_threads=True)
        return path
    except (OSError, RuntimeError, ValueError):
        return None


def report_startup_crash(exc: BaseException) -> Path | None:
    """Best effort for crashes outside the window's hooks (settings not loaded: only patterns redact)."""
    try:
        from aischoco_gui.paths import usable_dirs, user_dirs

        return write_crash_report(usable_dirs(user_dirs()).logs, exc, context="startup")  # temp if unwritable
    except Exception:
        return None
