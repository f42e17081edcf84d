"""The show recording format: JSON Lines, one object per line, a format line first.

Line 1 (the header)::

    {"format": "aischoco-show", "version": 1, "app_version": "…", "show": "2026-03-01_20-15-03", "part": 1,
     "started_wall": 1772…, "started_mono": 1234.5, "settings": {… every setting but the secrets …},
     "secrets_set": ["groq_api_key", …], "persona": "…", "memory": {"summary": "…", "turns": [[role, content], …]}}

Then one line per bus event, in the order the bus delivered them::

    {"k": "chat_received", "seq": 17, "t": 1240.1, "w": 1772….4, "turn": 3, "o": [12, 13], "d": {…}}

``k`` is the :class:`~aischoco_gui.events.EventKind` value (any kind, including ones added later), ``t``
the monotonic and ``w`` the wall time of the event, ``turn`` the pipeline turn, ``o`` the chat message
ids the work answers (:data:`aischoco_gui.events.origin`), ``d`` the event's data: chat messages whole
(as parsed, viewer text as sent), drafts with their reply and the ids of the chat they answer, service
statuses, and everything else as plain JSON. The last line of a part is ``{"k": "record_end", …}`` when
the recorder closed it (a crash leaves none, and at most a cut last line, which the reader skips).

A part that grew past ``SHOW_RECORD_ROTATE_MB`` continues in ``<show>.part2.jsonl`` (its own header,
``part`` 2) and so on; reading the first part reads them all.

Versions: ``VERSION`` is written; a reader upgrades every older version it knows (``UPGRADES``) and
refuses a newer or unknown one with a clear message. Lines are split on ``\\n`` only (JSON keeps raw
U+2028 in strings, which ``str.splitlines`` would split on).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aischoco_gui.events import Event, ServiceStatus
from aischoco_gui.i18n import tr
from aischoco_gui.models import ChatMessage, Draft, Reply
from aischoco_gui.record import strings as _strings  # noqa: F401  (registers the UI text)

FORMAT = "aischoco-show"
VERSION = 1
END_KIND = "record_end"
# version n → a function turning one event of version n into version n + 1 (none yet: v1 is the first)
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
OLDEST = min(UPGRADES, default=VERSION)
PART_RE = re.compile(r"^(?P<stem>.+?)(?:\.part(?P<n>\d+))?$")


class RecordingError(ValueError):
    """A recording that cannot be replayed; the message says why (in the UI language)."""


# -- writing -------------------------------------------------------------------------------------
def _draft(d: Draft) -> dict[str, Any]:
    return {"id": d.id, "turn": d.turn, "kind": d.kind, "state": d.state.value, "text": d.text,
            "emotion": d.emotion, "edited": d.edited, "auto": d.auto, "trimmed": d.trimmed, "flagged": d.flagged,
            "version": d.version, "created_at": d.created_at, "approved_at": d.approved_at,
            "batch": [m.id for m in d.batch], "reply": d.reply}


def _status(s: ServiceStatus) -> dict[str, Any]:
    return {"name": s.name, "state": s.state.value, "detail": s.detail, "last_error": s.last_error,
            "attempt": s.attempt, "extra": s.extra}


def _default(o: Any) -> Any:
    """JSON for what the bus carries; called by the C encoder only for non-JSON objects (cheap)."""
    if isinstance(o, ChatMessage | Reply):
        return o.__dict__  # flat dataclasses: ids, strings, numbers, lists of strings
    if isinstance(o, Draft):
        return _draft(o)
    if isinstance(o, ServiceStatus):
        return _status(o)
    if isinstance(o, enum.Enum):
        return o.value
    if isinstance(o, BaseException):
        return f"{type(o).__name__}: {o}"
    if isinstance(o, set | frozenset):
        return sorted(o, key=str)
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, bytes | bytearray | memoryview):
        return f"<{len(o)} bytes>"
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}
    return repr(o)[:300]


def encode_event(ev: Event, origin: tuple[int, ...] = ()) -> str:
    """One event as one line of JSON (no newline; newlines inside strings are escaped)."""
    rec: dict[str, Any] = {"k": ev.kind.value, "seq": ev.seq, "t": ev.t, "w": ev.wall}
    if ev.turn is not None:
        rec["turn"] = ev.turn
    if origin:
        rec["o"] = origin
    rec["d"] = ev.data
    try:
        return json.dumps(rec, default=_default, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:  # a circular or odd object: keep the event, say what was lost
        rec["d"] = {"unencodable": f"{type(e).__name__}: {e}"}
        return json.dumps(rec, default=repr, ensure_ascii=False, separators=(",", ":"))


def public_settings(settings: Any) -> tuple[dict[str, Any], list[str]]:
    """Every setting except the secrets (their names only), for the header."""
    values: dict[str, Any] = {}
    secret: list[str] = []
    for f in dataclasses.fields(settings):
        if f.name == "sources":
            continue
        v = getattr(settings, f.name)
        if f.metadata.get("secret"):
            if v:
                secret.append(f.name)
            continue
        values[f.name] = v
    return values, secret


def header(show: str, part: int, started_wall: float, started_mono: float, app_version: str,
           extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "app_version": app_version, "show": show, "part": part,
            "started_wall": started_wall, "started_mono": started_mono, **(extra or {})}


# -- reading -------------------------------------------------------------------------------------
@dataclass
class Recording:
    """A recording read back: the first part's header and every event of every part, in order."""

    path: Path
    header: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    parts: list[Path] = field(default_factory=list)
    damaged: int = 0  # lines that could not be read (a cut last line after a crash)
    upgraded_from: int | None = None

    @property
    def show(self) -> str:
        return str(self.header.get("show") or self.path.stem)

    @property
    def started_wall(self) -> float:
        return float(self.header.get("started_wall") or 0.0)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("k") == kind]


def part_paths(path: Path) -> list[Path]:
    """``path`` and the parts that follow it (``<stem>.part2.jsonl`` …), in order."""
    m = PART_RE.match(path.name[: -len(".jsonl")] if path.name.endswith(".jsonl") else path.stem)
    if m is None:
        return [path]
    stem, first = m.group("stem"), int(m.group("n") or 1)
    out = [path]
    n = first + 1
    while (nxt := path.with_name(f"{stem}.part{n}.jsonl")).exists():
        out.append(nxt)
        n += 1
    return out


def _lines(path: Path) -> Iterable[bytes]:
    with open(path, "rb") as f:
        for line in f:  # binary iteration splits on b"\n" only
            line = line.rstrip(b"\r\n")
            if line:
                yield line


def check_header(first: dict[str, Any], path: Path) -> int:
    """The version of a header line, or a :class:`RecordingError` saying why it cannot be replayed."""
    if not isinstance(first, dict) or first.get("format") != FORMAT:
        raise RecordingError(tr("record.error.not_recording", path=path))
    version = first.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise RecordingError(tr("record.error.not_recording", path=path))
    if version > VERSION:
        raise RecordingError(tr("record.error.newer", version=version, supported=VERSION))
    if version < OLDEST:
        raise RecordingError(tr("record.error.older", version=version, supported=VERSION))
    return version


def load_recording(path: str | Path) -> Recording:
    """Read a recording (and its later parts). Raises :class:`RecordingError` with a clear message."""
    path = Path(path)
    if not path.is_file():
        raise RecordingError(tr("record.error.missing", path=path))
    rec: Recording | None = None
    for part in part_paths(path):
        try:
            lines = iter(_lines(part))
            head_raw = next(lines, b"")
            try:
                head = json.loads(head_raw)
            except ValueError:
                head = None
            version = check_header(head, part)
            if rec is None:
                rec = Recording(path=path, header=head, upgraded_from=version if version != VERSION else None)
            rec.parts.append(part)
            for raw in lines:
                try:
                    ev = json.loads(raw)
                except ValueError:
                    rec.damaged += 1
                    continue
                if not isinstance(ev, dict) or "k" not in ev:
                    rec.damaged += 1
                    continue
                for v in range(version, VERSION):
                    ev = UPGRADES[v](ev)
                rec.events.append(ev)
        except OSError as e:
            raise RecordingError(tr("record.error.unreadable", path=part, error=e.strerror or e)) from e
    assert rec is not None
    return rec
