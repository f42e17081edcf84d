"""The approval gate: a plain state machine over reply drafts.

Drafts wait in order; the streamer approves, edits, skips or reorders them. Auto-approval is
either immediate (``mode="auto"``) or after ``auto_after_s`` seconds in the queue; flagged drafts
are never auto-approved. Time is passed in (``now``) so the machine is deterministic to test.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aischoco_gui.i18n import register, tr
from aischoco_gui.models import Draft, DraftState

__all__ = ["ApprovalError", "ApprovalQueue", "Draft", "DraftState"]

register({
    "approval.gone": ("이 답변은 이미 처리됐어요 (승인·건너뛰기·긴급 정지). 목록에서 다른 답변을 고르세요",
                      "This reply was already handled (approved, skipped or panic). Pick another one"),
    "approval.flagged": ("검토가 필요한 답변은 자동 승인하지 않아요. 직접 확인하고 승인하세요",
                         "A reply held for review is never auto-approved. Check it and approve it yourself"),
    "approval.empty": ("빈 답변은 승인할 수 없어요. 내용을 쓰거나 건너뛰세요",
                       "An empty reply cannot be approved. Write something or skip it"),
    "approval.empty_edit": ("답변을 비울 수는 없어요. 내용을 쓰거나 건너뛰세요",
                            "A reply cannot be emptied. Write something or skip it"),
})


class ApprovalError(ValueError):
    """A refused approval action; ``text`` says it to the streamer in the UI language."""

    def __init__(self, message: str, key: str = "approval.gone") -> None:
        super().__init__(message)
        self.key = key

    @property
    def text(self) -> str:
        return tr(self.key)


Listener = Callable[[str, Draft], None]  # (action, draft)


class ApprovalQueue:
    """Pending drafts in display order plus the FIFO of approved drafts waiting to be spoken."""

    def __init__(self, mode: str = "manual", auto_after_s: float = 0.0) -> None:
        self.mode = mode
        self.auto_after_s = auto_after_s
        self.pending: list[Draft] = []
        self.approved: list[Draft] = []
        self._listeners: list[Listener] = []

    # -- observation ----------------------------------------------------------------------
    def listen(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def _notify(self, action: str, d: Draft) -> None:
        for fn in list(self._listeners):
            fn(action, d)

    def get(self, draft_id: int) -> Draft:
        for d in self.pending:
            if d.id == draft_id:
                return d
        raise ApprovalError(f"no pending draft {draft_id}")

    @property
    def held(self) -> list[Draft]:
        """Flagged drafts: their own lane, waiting for a human, never auto-approved, never blocking."""
        return [d for d in self.pending if d.flagged]

    @property
    def waiting(self) -> list[Draft]:
        """Pending drafts that are not held (these count against the pipeline's pending limit)."""
        return [d for d in self.pending if not d.flagged]

    # -- transitions ----------------------------------------------------------------------
    def add(self, d: Draft, now: float | None = None) -> Draft:
        self.pending.append(d)
        self._notify("added", d)
        if self.mode == "auto" and not d.flagged:
            self.approve(d.id, auto=True, now=now)
        return d

    def approve(self, draft_id: int, *, auto: bool = False, now: float | None = None) -> Draft:
        d = self.get(draft_id)
        if auto and d.flagged:
            raise ApprovalError(f"draft {draft_id} is flagged ({d.flagged}); it needs a manual approval",
                                "approval.flagged")
        if not d.text.strip():
            raise ApprovalError("cannot approve an empty reply", "approval.empty")
        self.pending.remove(d)
        d.state = DraftState.APPROVED
        d.auto = auto
        d.approved_at = time.monotonic() if now is None else now
        self.approved.append(d)
        self._notify("approved", d)
        return d

    def approve_next(self, now: float | None = None) -> Draft | None:
        return self.approve(self.pending[0].id, now=now) if self.pending else None

    def edit(self, draft_id: int, text: str, emotion: str | None = None) -> Draft:
        d = self.get(draft_id)
        text = text.strip()
        if not text:
            raise ApprovalError("an edited reply cannot be empty (skip it instead)", "approval.empty_edit")
        changed = text != d.text or (emotion is not None and emotion != d.emotion)
        if changed:
            d.text = text
            if emotion is not None:
                d.emotion = emotion
            d.edited = True
            d.version += 1
            d.created_at = time.monotonic()  # the auto timer restarts after an edit
            self._notify("edited", d)
        return d

    def skip(self, draft_id: int) -> Draft:
        d = self.get(draft_id)
        self.pending.remove(d)
        d.state = DraftState.SKIPPED
        self._notify("skipped", d)
        return d

    def withdraw(self, draft_id: int) -> Draft:
        """Take back an approved draft that has not started speaking (moderation of its viewer)."""
        for d in self.approved:
            if d.id == draft_id:
                self.approved.remove(d)
                d.state = DraftState.SKIPPED
                self._notify("skipped", d)
                return d
        raise ApprovalError(f"no approved draft {draft_id} waiting to be spoken")

    def move(self, draft_id: int, new_index: int) -> Draft:
        d = self.get(draft_id)
        self.pending.remove(d)
        new_index = max(0, min(new_index, len(self.pending)))
        self.pending.insert(new_index, d)
        self._notify("moved", d)
        return d

    def take_approved(self) -> Draft | None:
        """Next approved draft to speak (FIFO), marked SPEAKING."""
        if not self.approved:
            return None
        d = self.approved.pop(0)
        d.state = DraftState.SPEAKING
        self._notify("speaking", d)
        return d

    def finish(self, d: Draft) -> None:
        d.state = DraftState.DONE
        self._notify("done", d)

    def clear(self) -> list[Draft]:
        """Panic: drop every pending and approved-but-unspoken draft."""
        dropped = self.pending + self.approved
        self.pending, self.approved = [], []
        for d in dropped:
            d.state = DraftState.SKIPPED
            self._notify("skipped", d)
        return dropped

    def set_mode(self, mode: str, auto_after_s: float | None = None, now: float | None = None) -> None:
        self.mode = mode
        if auto_after_s is not None:
            self.auto_after_s = auto_after_s
        self.tick(now)

    def tick(self, now: float | None = None) -> list[Draft]:
        """Auto-approve what is due; returns the drafts approved."""
        now = time.monotonic() if now is None else now
        done = []
        for d in list(self.pending):
            if d.flagged:
                continue
            due = self.mode == "auto" or (self.auto_after_s > 0 and now - d.created_at >= self.auto_after_s)
            if due:
                done.append(self.approve(d.id, auto=True, now=now))
        return done

    def seconds_left(self, d: Draft, now: float | None = None) -> float | None:
        """Seconds until the auto timer approves ``d`` (None when no timer applies)."""
        if self.auto_after_s <= 0 or d.flagged or d.state != DraftState.PENDING:
            return None
        now = time.monotonic() if now is None else now
        return max(0.0, self.auto_after_s - (now - d.created_at))
