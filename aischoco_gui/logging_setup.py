"""Rotating log file under the user log dir, console at LOG_CONSOLE_LEVEL, secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path

LOG_FILE = "aischoco.log"


class RedactFilter(logging.Filter):
    """Replaces known secret values in every record (defence in depth: we never log them)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def add(self, *values: str) -> None:
        for v in values:
            if v and len(v) >= 6 and v not in self.secrets:
                self.secrets.append(v)

    def redact(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            msg = self.redact(record.getMessage())
            record.msg, record.args = msg, None
        return True


redactor = RedactFilter()


def setup_logging(log_dir: Path, console_level: str = "WARNING", max_mb: float = 10,
                  backups: int = 5) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_aischoco", False):
            root.removeHandler(h)
    fh = logging.handlers.RotatingFileHandler(path, maxBytes=int(max_mb * 1024 * 1024), backupCount=backups,
                                              encoding="utf-8")
    fh.setLevel(logging.DEBUG)
    fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    ch = logging.StreamHandler(sys.stderr)
    ch.setLevel(getattr(logging, console_level.upper(), logging.WARNING))
    ch.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for h in (fh, ch):
        h._aischoco = True  # type: ignore[attr-defined]
        h.addFilter(redactor)
        root.addHandler(h)
    root.setLevel(logging.DEBUG)
    # qasync logs every executor hand-off at DEBUG (the audio watchdog's rescan: 4 lines every 10 s)
    for noisy in ("httpx", "httpcore", "websockets", "engineio", "socketio", "asyncio", "PIL", "qasync"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    def _thread_hook(args: threading.ExceptHookArgs) -> None:
        logging.getLogger("aischoco.thread").error(
            "unhandled exception in thread %s", args.thread.name if args.thread else "?",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    threading.excepthook = _thread_hook
    return path
