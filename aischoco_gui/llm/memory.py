"""Conversation memory: a token-counted window of recent turns plus a persisted summary (PRD §4.5).

* When the recent turns reach ``threshold`` tokens (7 K), the oldest turns are summarized in the
  background (never delaying a reply) so that about ``keep`` tokens (5 K) of recent turns remain.
* Requests never carry more than ``hard_limit`` tokens (8 K) of turns: while a summary is still
  running the oldest turns are left out of the request (not forgotten); if summarizing fails and
  the window keeps growing, the oldest turns are dropped with a notice.
* ``history/summary.json`` = ``{"summary", "timestamp", "message_count"}`` (AIsChoco's format),
  timestamped copies in ``history/summaries/``, manual backups in ``history/backups/``; all writes
  atomic; a corrupt ``summary.json`` is moved aside (``summary.corrupt-<time>.json``) with a warning.
* The summary is viewer-derived data: it goes into requests as a **user** message (never system).
* The summary is capped at ``summary_max_tokens`` (default ``hard_limit - keep``): an oversized one
  (a 300K-character file froze start-up: Qt lays out the history editor's one huge paragraph for
  tens of seconds, and every request carried 0.9 MB) is trimmed on load to its newest part, the
  original kept in ``history/backups/``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aischoco_gui.i18n import tr
from aischoco_gui.llm import labels  # noqa: F401  (registers the UI text)
from aischoco_gui.llm.tokens import TokenCounter
from aischoco_gui.paths import atomic_write_text
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)

SUMMARY_FILE = "summary.json"


@dataclass
class Turn:
    role: str  # "user" | "assistant"
    content: str  # exactly what goes on the wire
    tokens: int
    ts: float = field(default_factory=time.time)
    cut: bool = False  # an assistant reply cut off while it played: ``content`` is what was heard


@dataclass
class SummaryState:
    summary: str = ""
    timestamp: str = ""
    message_count: int = 0


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d_%H%M%S_%f")


class ConversationMemory:
    """Recent turns + summary. Plain Python; the generator owns the background summarize task."""

    def __init__(self, history_dir: Path, counter: TokenCounter | None = None, *, threshold: int = 7000,
                 keep: int = 5000, hard_limit: int = 8000,
                 notify: Callable[[str, str], None] | None = None, summary_max_tokens: int = 0) -> None:
        if not (0 < keep < threshold <= hard_limit):
            raise ValueError(f"memory limits must satisfy 0 < keep ({keep}) < threshold ({threshold}) "
                             f"<= hard limit ({hard_limit})")
        self.dir = history_dir
        self.counter = counter or TokenCounter()
        self.threshold = threshold
        self.keep = keep
        self.hard_limit = hard_limit
        self.summary_max_tokens = summary_max_tokens or max(256, hard_limit - keep)
        self.notify = notify or (lambda text, level: None)
        self.turns: list[Turn] = []
        self.state = SummaryState()
        self.summary_tokens = 0
        self.version = 0  # bumped on every change (panels refresh on it)
        self.listeners: list[Callable[[], None]] = []
        self.unsaved = ""  # why the current summary is not on disk yet (disk full, …); retried on add()

    # -- change notification -----------------------------------------------------------------
    def _changed(self) -> None:
        self.version += 1
        for fn in list(self.listeners):
            try:
                fn()
            except Exception:
                log.exception("memory listener failed")

    # -- window ------------------------------------------------------------------------------
    @property
    def summary(self) -> str:
        return self.state.summary

    @property
    def total_tokens(self) -> int:
        return sum(t.tokens for t in self.turns)

    def add(self, role: str, content: str) -> Turn:
        t = Turn(role, content, self.counter.count_message(content))
        self.turns.append(t)
        if self.unsaved:
            self._save_summary()
        self._changed()
        return t

    def amend(self, turn: Turn, content: str, *, cut: bool = False) -> bool:
        """Replace one turn's content (a reply cut while it played); False when the turn is no longer
        in the window (summarized meanwhile)."""
        if not any(t is turn for t in self.turns):
            return False
        turn.content = content
        turn.tokens = self.counter.count_message(content)
        turn.cut = cut
        self._changed()
        return True

    def recount(self) -> None:
        """Recount every turn (after the real encoder has loaded)."""
        for t in self.turns:
            t.tokens = self.counter.count_message(t.content)
        self.summary_tokens = self.counter.count(self.state.summary) if self.state.summary else 0
        self._changed()

    def needs_summary(self) -> bool:
        return self.total_tokens >= self.threshold

    def oldest_to_summarize(self) -> list[Turn]:
        """The oldest turns whose removal leaves at most ``keep`` tokens (at least one turn kept)."""
        total = self.total_tokens
        out: list[Turn] = []
        for t in self.turns[:-1]:
            if total <= self.keep:
                break
            out.append(t)
            total -= t.tokens
        # do not leave a dangling assistant turn at the head of the window
        while len(out) < len(self.turns) - 1 and self.turns[len(out)].role == "assistant":
            out.append(self.turns[len(out)])
        return out

    def context_turns(self) -> list[Turn]:
        """The newest turns that fit in ``hard_limit`` (what the next request carries)."""
        out: list[Turn] = []
        total = 0
        for t in reversed(self.turns):
            if total + t.tokens > self.hard_limit and out:
                break
            out.append(t)
            total += t.tokens
        out.reverse()
        while len(out) > 1 and out[0].role == "assistant":
            out.pop(0)
        return out

    def enforce_hard_limit(self) -> int:
        """Drop the oldest turns beyond the hard limit (used when summarizing failed). Returns how many."""
        dropped = 0
        while self.total_tokens > self.hard_limit and len(self.turns) > 1:
            self.turns.pop(0)
            dropped += 1
        if dropped:
            self._changed()
        return dropped

    def context_messages(self, summary_prefix: Callable[[str], str]) -> list[dict[str, str]]:
        msgs: list[dict[str, str]] = []
        if self.state.summary.strip():
            # user role: the summary was written from viewer chat and must never gain system authority
            msgs.append({"role": "user", "content": summary_prefix(self.state.summary)})
        msgs.extend({"role": t.role, "content": t.content} for t in self.context_turns())
        return msgs

    def apply_summary(self, new_summary: str, consumed: list[Turn], base_summary: str) -> bool:
        """Install a finished summary and forget the turns it covers.

        Returns False (and changes nothing) when the summary was edited meanwhile: the streamer's
        edit wins and the turns stay for the next round.
        """
        if self.state.summary != base_summary:
            return False
        ids = {id(t) for t in consumed}
        self.turns = [t for t in self.turns if id(t) not in ids]
        self._set_summary(new_summary.strip(), self.state.message_count + len(consumed), copy=True)
        return True

    def clear(self) -> None:
        """Forget recent turns and the summary (the old summary is backed up first)."""
        if self.state.summary:
            self.backup()
        self.turns.clear()
        self._set_summary("", 0, copy=False)

    # -- summary persistence -----------------------------------------------------------------
    @property
    def summary_path(self) -> Path:
        return self.dir / SUMMARY_FILE

    def load(self) -> None:
        """Read ``summary.json`` (AIsChoco format). Corrupt → moved aside with a warning."""
        p = self.summary_path
        if not p.exists():
            return
        try:
            data: Any = json.loads(p.read_text(encoding="utf-8-sig"))
            if isinstance(data, str):
                data = {"summary": data}
            if not isinstance(data, dict) or not isinstance(data.get("summary", ""), str):
                raise ValueError("expected an object with a text 'summary'")
            self.state = SummaryState(summary=data.get("summary", "") or "",
                                      timestamp=str(data.get("timestamp", "") or ""),
                                      message_count=int(data.get("message_count", 0) or 0))
        except (OSError, ValueError, TypeError) as e:
            aside = p.with_name(f"summary.corrupt-{_stamp()}.json")
            try:
                p.replace(aside)
                text = tr("llm.summary_unreadable", aside=aside.name)
                where = f"moved to {aside.name}"
            except OSError as e2:
                text = tr("llm.summary_unreadable_kept")
                where = f"could not move it aside ({e2})"
            log.warning("history/summary.json was unreadable (%s); %s; starting without a summary", e, where)
            self.notify(text, "warning")
            self.state = SummaryState()
        original = self.state.summary
        capped = self.cap_summary(original)
        if capped != original:
            self.state.summary = capped
            self._trimmed_on_load(p, len(original), len(capped))
        self.summary_tokens = self.counter.count(self.state.summary) if self.state.summary else 0
        self._changed()

    def cap_summary(self, text: str) -> str:
        """``text`` cut to at most ``summary_max_tokens`` (its newest part, from a word boundary).

        Counting is bounded too: at most ``8 × budget`` characters are ever tokenised.
        """
        budget = self.summary_max_tokens
        if len(text) <= budget // 4:  # fewer characters than a quarter of the budget: always fits
            return text
        s = text[-budget * 8:] if len(text) > budget * 8 else text
        n = self.counter.count(s)
        while n > budget and s:
            s = s[len(s) - int(len(s) * budget / n * 0.95):]
            n = self.counter.count(s)
        if s == text:
            return text
        cut = next((i for i, ch in enumerate(s[:200]) if ch.isspace()), -1)
        return "…" + (s[cut + 1:] if cut >= 0 else s).strip()

    def _trimmed_on_load(self, path: Path, before: int, after: int) -> None:
        """Keep the oversized original in backups/, then save the trimmed summary (never lose the original)."""
        try:
            backup = self.dir / "backups" / f"summary_backup_{_stamp()}_oversized.json"
            backup.parent.mkdir(parents=True, exist_ok=True)
            backup.write_bytes(path.read_bytes())
        except OSError as e:
            log.warning("summary backup failed: %s", e)
            self.notify(tr("llm.summary_trimmed_nobackup", before=before, after=after), "warning")
            return
        self._save_summary()
        self.notify(tr("llm.summary_trimmed", before=before, after=after, backup=backup.name), "warning")

    def _payload(self) -> str:
        return json.dumps({"summary": self.state.summary, "timestamp": self.state.timestamp,
                           "message_count": self.state.message_count}, ensure_ascii=False, indent=2)

    def _set_summary(self, text: str, message_count: int, *, copy: bool) -> None:
        self.state = SummaryState(summary=text, timestamp=datetime.now().isoformat(timespec="seconds"),
                                  message_count=message_count)
        self.summary_tokens = self.counter.count(text) if text else 0
        self._save_summary(copy=copy and bool(text))
        self._changed()

    def _save_summary(self, copy: bool = False) -> bool:
        """Write summary.json; a failed write (disk full) keeps the summary in memory, says so once,
        and is retried on the next turn."""
        payload = self._payload()
        try:
            atomic_write_text(self.summary_path, payload)
            if copy:
                atomic_write_text(self.dir / "summaries" / f"summary_{_stamp()}.json", payload)
        except OSError as e:
            if not self.unsaved:
                self.notify(tr("llm.summary_not_saved", error=explain(e)), "error")
            self.unsaved = str(e)
            log.warning("summary not saved: %s", e)
            return False
        if self.unsaved:
            self.notify(tr("llm.summary_saved_again"), "info")
        self.unsaved = ""
        return True

    def set_summary(self, text: str) -> None:
        """The streamer edited the summary: used by the next request (capped), saved now."""
        self._set_summary(self.cap_summary(text.strip()), self.state.message_count, copy=True)

    def backup(self) -> Path:
        p = self.dir / "backups" / f"summary_backup_{_stamp()}.json"
        atomic_write_text(p, self._payload())
        return p

    def backups(self) -> list[Path]:
        d = self.dir / "backups"
        return sorted(d.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True) if d.exists() else []

    def restore(self, path: Path) -> None:
        """Make a backup the current summary (the current one is backed up first)."""
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        if isinstance(data, str):
            data = {"summary": data}
        if not isinstance(data, dict) or not isinstance(data.get("summary"), str):
            raise ValueError(f"{path.name} has no 'summary' text")
        if self.state.summary:
            self.backup()
        self._set_summary(data["summary"], int(data.get("message_count", 0) or 0), copy=False)
