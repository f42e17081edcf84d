"""The show recorder: every bus event, one JSON line each, written as it happens (``SHOW_RECORD``).

A bus subscriber (the bus is synchronous, so it sees every event in order, including kinds other parts
add later) encodes the event (:func:`format.encode_event`), removes every known secret value from the
line and writes it with one ``write`` on an unbuffered file: the line is in the operating system's
hands before ``emit`` returns, so a crash of the app loses at most the event being written (a power
cut can lose what the OS had not flushed yet). Measured cost per event: ``bench/show_record.py``.

Owned by the composition root like any service (``start``/``stop``; ``apply`` takes a new
:class:`RecorderConfig` live). A write error stops recording with one notice; the show goes on.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aischoco_gui import __version__
from aischoco_gui.events import Event, EventBus, origin
from aischoco_gui.i18n import tr
from aischoco_gui.record.format import END_KIND, encode_event, header

log = logging.getLogger(__name__)

SHOWS_DIR = "shows"  # under history/
SECRETS_REFRESH_S = 1.0  # runtime tokens (a refreshed CHZZK login) are picked up within this long


@dataclass(frozen=True)
class RecorderConfig:
    """Plain config of the recorder (from ``SHOW_RECORD``, ``SHOW_RECORD_ROTATE_MB``, ``SHOW_RECORD_KEEP_DAYS``)."""

    enabled: bool
    folder: Path
    rotate_bytes: int = 50 * 1024 * 1024
    keep_days: int = 30  # 0 = keep every recording

    @classmethod
    def from_values(cls, show_record: str, history_dir: Path, rotate_mb: float, keep_days: int) -> RecorderConfig:
        return cls(enabled=show_record == "on", folder=history_dir / SHOWS_DIR,
                   rotate_bytes=max(1, int(rotate_mb * 1024 * 1024)), keep_days=max(0, int(keep_days)))


def _secret_forms(values: Iterable[str]) -> list[str]:
    """Each secret as typed and as JSON escapes it (a ``"`` or ``\\`` inside a key), longest first."""
    out: set[str] = set()
    for v in values:
        if v and len(v) >= 6:
            out.add(v)
            out.add(json.dumps(v, ensure_ascii=False)[1:-1])
    return sorted(out, key=len, reverse=True)


class ShowRecorder:
    """Writes the show to ``<folder>/<start>.jsonl`` (then ``.part2.jsonl`` … past ``rotate_bytes``)."""

    name = "record"

    def __init__(self, bus: EventBus, config: RecorderConfig, *, secrets: Callable[[], Iterable[str]] = tuple,
                 snapshot: Callable[[], dict[str, Any]] = dict, clock: Callable[[], float] = time.monotonic) -> None:
        """``secrets()``: every secret value in use now (settings and runtime tokens), removed from each line;
        ``snapshot()``: what the header carries besides the format (settings, persona, memory)."""
        self.bus = bus
        self.config = config
        self.secrets = secrets
        self.snapshot = snapshot
        self.clock = clock
        self.path: Path | None = None  # the part being written
        self.paths: list[Path] = []  # every part written by this recorder
        self.failed = ""
        self.events = 0
        self._f: Any = None
        self._size = 0
        self._part = 1
        self._show = ""
        self._unsubscribe: Callable[[], None] | None = None
        self._running = False
        self._forms: list[str] = []
        self._forms_at = 0.0
        self._lock = threading.Lock()  # the bus is used on the loop; a stray emit from a thread still gets whole lines

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self._running = True
        if self.config.enabled:
            self.prune()
            self._open_show()

    async def stop(self) -> None:
        self._running = False
        self._close("stop")

    async def apply(self, config: RecorderConfig) -> None:
        """A settings change, live: off closes the file, on starts a new one; sizes/retention apply at once."""
        old, self.config = self.config, config
        if not config.enabled:
            self._close("off")
            return
        self._forms_at = 0.0
        if self._running and self._f is None:
            self.failed = ""
            self.prune()
            self._open_show()
        elif old.folder != config.folder and self._f is not None:
            self._close("folder")
            self._open_show()

    # -- files -----------------------------------------------------------------------------------
    def _open_show(self) -> None:
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        folder = self.config.folder
        name, n = stamp, 2
        while (folder / f"{name}.jsonl").exists():
            name, n = f"{stamp}_{n}", n + 1
        self._show, self._part = name, 1
        self._open_part(folder / f"{name}.jsonl")

    def _open_part(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            f = open(path, "xb", buffering=0)  # noqa: SIM115 (kept open for the show; closed in _close)
        except OSError as e:
            self._fail(tr("record.notice.open_failed", error=f"{path}: {e.strerror or e}"))
            return
        extra: dict[str, Any] = {}
        try:
            extra = dict(self.snapshot())
        except Exception:
            log.exception("show recorder: snapshot for the header failed")
        head = header(self._show, self._part, time.time(), self.clock(), __version__, extra)
        self._f, self.path, self._size = f, path, 0
        self.paths.append(path)
        self._write(self._redact(json.dumps(head, ensure_ascii=False, default=repr, separators=(",", ":"))))
        if self._f is not None and self._unsubscribe is None:
            self._unsubscribe = self.bus.subscribe(self._on_event)
        log.info("recording the show to %s", path)

    def _close(self, reason: str) -> None:
        if self._unsubscribe is not None and reason != "rotate":
            self._unsubscribe()
            self._unsubscribe = None
        f, self._f = self._f, None
        if f is None:
            return
        try:
            line = json.dumps({"k": END_KIND, "t": self.clock(), "w": time.time(), "reason": reason,
                               "events": self.events}, separators=(",", ":")) + "\n"
            f.write(line.encode("utf-8"))
        except OSError:
            pass
        try:
            f.close()
        except OSError as e:
            log.warning("closing the show recording failed: %s", e)

    def prune(self) -> list[Path]:
        """Delete recordings older than ``keep_days`` (never the one being written). Returns what went."""
        days = self.config.keep_days
        folder = self.config.folder
        if days <= 0 or not folder.is_dir():
            return []
        cutoff = time.time() - days * 86400
        gone = []
        for p in folder.glob("*.jsonl"):
            try:
                if p != self.path and p.stat().st_mtime < cutoff:
                    p.unlink()
                    gone.append(p)
            except OSError as e:
                log.warning("could not delete the old recording %s: %s", p, e)
        if gone:
            log.info("deleted %d show recording(s) older than %d days", len(gone), days)
        return gone

    # -- the hot path ----------------------------------------------------------------------------
    def _on_event(self, ev: Event) -> None:
        if self._f is None:
            return
        line = encode_event(ev, origin.get())
        with self._lock:
            if self._f is None:
                return
            self.events += 1
            self._write(self._redact(line))
            if self._size >= self.config.rotate_bytes and self._f is not None:
                self._close("rotate")
                self._part += 1
                self._open_part(self.config.folder / f"{self._show}.part{self._part}.jsonl")

    def _redact(self, line: str) -> str:
        now = self.clock()
        if now >= self._forms_at:
            try:
                self._forms = _secret_forms(self.secrets())
            except Exception:
                log.exception("show recorder: reading the secrets failed")
            self._forms_at = now + SECRETS_REFRESH_S
        for s in self._forms:
            if s in line:
                line = line.replace(s, "***")
        return line

    def _write(self, line: str) -> None:
        raw = (line + "\n").encode("utf-8")
        data = memoryview(raw)
        try:
            while data:  # an unbuffered file: each write goes straight to the OS
                n = self._f.write(data)
                data = data[n:]
        except (OSError, ValueError) as e:
            self._fail(tr("record.notice.write_failed", error=getattr(e, "strerror", None) or e))
            return
        self._size += len(raw)

    def _fail(self, message: str) -> None:
        f, self._f = self._f, None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if f is not None:
            try:
                f.close()
            except OSError:
                pass
        if self.failed:
            return
        self.failed = message
        log.error("show recorder: %s", message)
        self.bus.notice(message, level="error")


def recordings(folder: Path) -> list[Path]:
    """The recordings in ``folder`` (first parts only), newest first."""
    if not folder.is_dir():
        return []
    firsts = [p for p in folder.glob("*.jsonl") if ".part" not in p.name]
    return sorted(firsts, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
