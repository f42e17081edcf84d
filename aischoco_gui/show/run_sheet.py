"""Run sheet: timed cues the streamer prepares, each becoming a draft at its time.

Three kinds of cue (``config/run_sheet.json``):

* ``at`` — a wall-clock time today, ``"21:00"`` (fires once per day; a time more than
  ``late_grace_s`` in the past when the show starts is skipped, not fired late);
* ``every`` — every ``minutes`` after the show starts (no catch-up bursts: after a stall it fires
  once and the next is counted from then);
* ``after`` — once, ``minutes`` after the show starts.

A cue's ``text`` is either said as written (``"llm": false`` — still filtered and approved) or
handed to the LLM to phrase (``"llm": true``). Drafts go through the submit gate, kind ``run_sheet``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aischoco_gui.i18n import tr
from aischoco_gui.paths import atomic_write_text
from aischoco_gui.show import strings as _strings  # noqa: F401  (registers the UI strings)
from aischoco_gui.show.base import LineGenerator, Submit, data_block
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)

RUN_SHEET_FILE = "run_sheet.json"
KIND = "run_sheet"
KINDS = ("at", "every", "after")
MAX_CUES = 100
MAX_TEXT = 500
LLM_INSTRUCTION = ("방송 진행표의 안내 멘트입니다. 내용을 빠짐없이, 캐릭터 말투로 자연스럽게 1~3문장으로 "
                   "시청자에게 전하기.")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class CueError(ValueError):
    pass


@dataclass
class Cue:
    kind: str  # at | every | after
    text: str
    at: str = ""  # "HH:MM" for kind "at"
    minutes: float = 0.0  # for "every" and "after"
    llm: bool = False  # ask the LLM to phrase it
    enabled: bool = True
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise CueError(tr("cue.bad_kind", kinds=", ".join(KINDS), got=self.kind))
        if not self.text.strip():
            raise CueError(tr("cue.empty"))
        if len(self.text) > MAX_TEXT:
            raise CueError(tr("cue.too_long", n=MAX_TEXT))
        if self.kind == "at" and not _HHMM.match(self.at):
            raise CueError(tr("cue.bad_time", got=self.at))
        if self.kind in ("every", "after") and not (0 < self.minutes <= 24 * 60):
            raise CueError(tr("cue.bad_minutes", got=self.minutes))

    @classmethod
    def from_json(cls, d: Any) -> Cue:
        if not isinstance(d, dict):
            raise CueError(tr("cue.not_object"))
        try:
            cue = cls(kind=str(d.get("kind", "")), text=str(d.get("text", "")), at=str(d.get("at", "")).strip(),
                      minutes=float(d.get("minutes", 0) or 0), llm=bool(d.get("llm", False)),
                      enabled=bool(d.get("enabled", True)), id=str(d.get("id") or uuid.uuid4().hex[:8])[:32])
        except (TypeError, ValueError) as e:
            log.info("bad run sheet cue %r: %s", d, e)
            raise CueError(tr("cue.bad_value")) from None
        cue.validate()
        return cue


def load_run_sheet(path: Path, now: Callable[[], datetime] = datetime.now) -> tuple[list[Cue], list[str]]:
    """Cues from ``path`` and notices for the streamer. A missing file is an empty sheet; an
    unreadable one is moved aside (``run_sheet.json.corrupt-YYYYmmdd-HHMMSS``) and reported;
    a bad cue is skipped and reported, the others load."""
    notices: list[str] = []
    if not path.exists():
        return [], notices
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        raw = doc.get("cues") if isinstance(doc, dict) else None
        if not isinstance(raw, list):
            raise ValueError('expected {"cues": [...]}')
    except (OSError, UnicodeDecodeError, ValueError) as e:
        aside = path.with_name(f"{path.name}.corrupt-{now():%Y%m%d-%H%M%S}")
        try:
            path.replace(aside)
            notices.append(tr("show.run_sheet.corrupt", name=path.name, error=explain(e), aside=aside.name))
        except OSError as e2:
            log.warning("run sheet %s unreadable (%s) and not moved (%s)", path, e, e2)
            notices.append(tr("show.run_sheet.unmovable", name=path.name, error=explain(e2)))
        return [], notices
    cues: list[Cue] = []
    for i, d in enumerate(raw[:MAX_CUES], 1):
        try:
            cues.append(Cue.from_json(d))
        except CueError as e:
            notices.append(tr("show.run_sheet.bad_cue", n=i, error=e))
    if len(raw) > MAX_CUES:
        notices.append(tr("show.run_sheet.too_many", n=MAX_CUES))
    return cues, notices


def save_run_sheet(path: Path, cues: list[Cue]) -> None:
    """Write atomically (temp file + replace). Raises :class:`CueError` for an invalid cue."""
    for c in cues:
        c.validate()
    doc = {"version": 1, "cues": [asdict(c) for c in cues]}
    atomic_write_text(path, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def render_prompt(cue: Cue) -> str:
    return data_block("진행표 안내", LLM_INSTRUCTION, {"announcement": cue.text})


class RunSheet:
    """Schedules cues against an injectable wall clock (``now``) and submits them when due."""

    def __init__(self, cues: list[Cue], *, submit: Submit, generate: LineGenerator | None = None,
                 now: Callable[[], datetime] = datetime.now, late_grace_s: float = 300.0,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.submit = submit
        self.generate = generate
        self.now = now
        self.late_grace = timedelta(seconds=late_grace_s)
        self.on_error = on_error
        self.started_at: datetime | None = None
        self.fired: list[tuple[str, datetime]] = []  # (cue id, when) for the panel and tests
        self._next: dict[str, datetime | None] = {}
        self.cues: list[Cue] = []
        self.set_cues(cues)

    def set_cues(self, cues: list[Cue]) -> None:
        """Replace the sheet (the streamer edited it); a cue whose id and timing did not change keeps
        its schedule (an edited text does not make it fire again)."""
        old = {c.id: (c.kind, c.at, c.minutes) for c in self.cues}
        old_next = self._next
        self.cues = [c for c in cues if c.enabled]
        self._next = {}
        for c in self.cues:
            same = old.get(c.id) == (c.kind, c.at, c.minutes) and c.id in old_next
            self._next[c.id] = old_next[c.id] if same else self._first_due(c)

    def start(self) -> None:
        """The show starts now: offsets (``every``, ``after``) count from here."""
        self.started_at = self.now()
        self._next = {c.id: self._first_due(c) for c in self.cues}

    def _first_due(self, c: Cue) -> datetime | None:
        if self.started_at is None:
            return None
        if c.kind == "at":
            h, m = (int(x) for x in c.at.split(":"))
            now = self.now()
            t = now.replace(hour=h, minute=m, second=0, microsecond=0)
            if now - t > self.late_grace:  # long past today: tomorrow
                t += timedelta(days=1)
            return t
        return self.started_at + timedelta(minutes=c.minutes)

    def due(self) -> list[Cue]:
        """Cues due now; each one's next time is advanced before it is returned (never fires twice)."""
        if self.started_at is None:
            return []
        now = self.now()
        out: list[Cue] = []
        for c in self.cues:
            t = self._next.get(c.id)
            if t is None or now < t:
                continue
            out.append(c)
            if c.kind == "every":
                step = timedelta(minutes=c.minutes)
                nxt = t + step
                self._next[c.id] = nxt if nxt > now else now + step  # no catch-up burst
            elif c.kind == "at":
                self._next[c.id] = t + timedelta(days=1)
            else:
                self._next[c.id] = None
        return out

    def next_due(self, cue_id: str) -> datetime | None:
        return self._next.get(cue_id)

    async def tick(self) -> list[Cue]:
        """Submit every cue due now; returns them."""
        cues = self.due()
        for c in cues:
            self.fired.append((c.id, self.now()))
            await self._fire(c)
        return cues

    async def _fire(self, c: Cue) -> None:
        if not c.llm or self.generate is None:
            self.submit(c.text.strip(), "neutral", KIND)
            return
        try:
            line = await self.generate(render_prompt(c))
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning("run sheet cue %s: LLM failed: %s; using the text as written", c.id, e)
            if self.on_error is not None:
                self.on_error(tr("show.run_sheet.llm_failed", error=explain(e)))
            line = None
        if line is None or not line.text.strip():
            self.submit(c.text.strip(), "neutral", KIND)
        else:
            self.submit(line.text, line.emotion, KIND)

    async def run(self, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep, tick_s: float = 1.0) -> None:
        if self.started_at is None:
            self.start()
        while True:
            await self.tick()
            await sleep(tick_s)
