"""Lockdown (잠금): one action that protects the stream, and the lift that puts back what it changed.

Steps, each independent (one failing, timing out or not applying never stops the others; each result is
kept and shown): 1. panic (speech stopped, queue flushed, avatar neutral); 2. hold (no new reply generated
or spoken until lifted; chat is still read and shown); 3. OBS switches to the BRB scene (only when OBS is
configured and a BRB scene is set); 4. CHZZK chat restricted as ``LOCKDOWN_CHAT`` says (only on the official
API); 5. the overlay hides the AI's replies, viewer chat and alerts.

What lockdown changes outside the app (OBS's program scene, CHZZK's chat settings) is read at that moment
and written to ``lockdown.json`` in the data folder **before** it is changed (atomic write), so the lift
restores it even after a crash or a restart. The lift puts back only what is still as lockdown left it: a
scene or a chat setting the streamer changed by hand during lockdown stays as they chose. A restore that
fails (OBS closed, CHZZK refused) stays in the file; pressing the button again retries it.

Qt-free; takes what it needs as arguments (the pipeline's panic and hold, an OBS accessor, a CHZZK chat
settings accessor, the overlay's switch), so the composition root owns it and tests drive it with doubles.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.i18n import tr
from aischoco_gui.lockdown import strings  # noqa: F401  (registers the UI text)
from aischoco_gui.lockdown_spec import parse_lockdown_chat, restricted
from aischoco_gui.paths import atomic_write_text
from aischoco_gui.protocols import ObsControl
from aischoco_gui.user_text import detail_of

log = logging.getLogger(__name__)

STATE_FILE = "lockdown.json"
FORMAT_VERSION = 1
HISTORY = 20  # records kept in the file (the window shows them after a restart too)
STEPS = ("panic", "hold", "obs", "chat", "overlay")
CHAT_KEYS = ("chatSlowModeSec", "chatAvailableGroup", "minFollowerMinute")


class ChatSettingsAccess(Protocol):
    """CHZZK's chat settings in the API's own form (``GET``/``PUT /open/v1/chats/settings``)."""

    async def read(self) -> dict[str, Any]: ...

    async def write(self, settings: dict[str, Any]) -> None: ...


@dataclass
class StepResult:
    step: str  # one of STEPS
    status: str  # "ok", "skipped", "failed"
    detail: str = ""

    def line(self) -> str:
        return f"{tr('lockdown.step.' + self.step)}: {tr('lockdown.status.' + self.status)} — {self.detail}"


@dataclass
class LockdownRecord:
    """One lockdown or lift: when, and what each step did (``to_json`` is what the bus and the file carry)."""

    action: str  # "lockdown" or "lift"
    at: float  # wall time
    steps: list[StepResult] = field(default_factory=list)

    @property
    def failed(self) -> list[StepResult]:
        return [s for s in self.steps if s.status == "failed"]

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "at": self.at, "steps": [asdict(s) for s in self.steps]}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LockdownRecord:
        return cls(str(d.get("action", "")), float(d.get("at", 0.0)),
                   [StepResult(str(s.get("step", "")), str(s.get("status", "")), str(s.get("detail", "")))
                    for s in d.get("steps") or [] if isinstance(s, dict)])

    def summary(self) -> str:
        bad = self.failed
        if bad:
            return tr("lockdown.summary.failed", steps=", ".join(tr("lockdown.step." + s.step) for s in bad))
        return tr("lockdown.summary.ok")


def describe_chat(settings: dict[str, Any], keys: tuple[str, ...] = CHAT_KEYS) -> str:
    """Chat settings as the streamer reads them (only ``keys``)."""
    parts = []
    if "chatSlowModeSec" in keys:
        sec = int(settings.get("chatSlowModeSec") or 0)
        parts.append(tr("lockdown.chat.slow", s=sec) if sec else tr("lockdown.chat.slow_off"))
    if "chatAvailableGroup" in keys or "minFollowerMinute" in keys:
        group = str(settings.get("chatAvailableGroup") or "ALL")
        minutes = int(settings.get("minFollowerMinute") or 0)
        if group == "FOLLOWER" and minutes:
            parts.append(tr("lockdown.chat.group.FOLLOWER_MIN", m=minutes))
        else:
            parts.append(tr(f"lockdown.chat.group.{group}") if group in ("ALL", "FOLLOWER", "SUBSCRIBER", "MANAGER")
                         else group)
    return ", ".join(parts)


def clock_text(wall: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall))


class Lockdown:
    """The lockdown feature: :meth:`engage`, :meth:`lift`, the saved state, and its record on the bus."""

    name = "lockdown"

    def __init__(self, bus: EventBus, data_dir: Path, *, panic: Callable[[], Awaitable[None]],
                 set_hold: Callable[[bool], None], obs: Callable[[], ObsControl | None],
                 chat: Callable[[], ChatSettingsAccess | None], set_overlay: Callable[[bool], bool],
                 chat_lock: Callable[[], str], step_timeout_s: float = 8.0) -> None:
        """``set_overlay(on)`` returns False when there is no overlay to change; ``chat_lock()`` is the current
        ``LOCKDOWN_CHAT`` (read at each lockdown, so a settings change applies to the next one)."""
        self.bus = bus
        self.path = Path(data_dir) / STATE_FILE
        self._panic, self._set_hold, self._obs, self._chat = panic, set_hold, obs, chat
        self._set_overlay, self._chat_lock = set_overlay, chat_lock
        self.step_timeout_s = step_timeout_s
        self._busy = asyncio.Lock()
        self.active = False
        self.since: float | None = None
        self.obs_state: dict[str, Any] | None = None  # {"previous", "brb"} while something is to restore
        self.chat_state: dict[str, Any] | None = None  # {"previous", "applied"} (API form)
        self.history: list[LockdownRecord] = []
        self.load_problem = ""
        self._load()

    # -- saved state ------------------------------------------------------------------------------
    @property
    def pending(self) -> bool:
        """Lifted, but something lockdown changed outside the app still waits to be restored (a failed restore)."""
        return not self.active and (self.obs_state is not None or self.chat_state is not None)

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            d = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(d, dict) or d.get("version") != FORMAT_VERSION:
                raise ValueError(f"not a lockdown state (version {d.get('version') if isinstance(d, dict) else '?'})")
        except (OSError, ValueError) as e:  # never lose it: keep it aside for the streamer to look at
            aside = self.path.with_name(f"{self.path.name}.unreadable-{int(time.time())}")
            try:
                os.replace(self.path, aside)
            except OSError:
                aside = self.path
            self.load_problem = tr("lockdown.notice.unreadable", path=aside, error=e)
            log.error("lockdown state %s unreadable (%s); kept as %s", self.path, e, aside)
            return
        self.active = bool(d.get("active"))
        self.since = d.get("since") if isinstance(d.get("since"), (int, float)) else None
        self.obs_state = d.get("obs") if isinstance(d.get("obs"), dict) else None
        self.chat_state = d.get("chat") if isinstance(d.get("chat"), dict) else None
        self.history = [LockdownRecord.from_json(r) for r in d.get("history") or [] if isinstance(r, dict)]

    def _save(self) -> None:
        d = {"version": FORMAT_VERSION, "active": self.active, "since": self.since, "obs": self.obs_state,
             "chat": self.chat_state, "history": [r.to_json() for r in self.history[-HISTORY:]]}
        try:
            atomic_write_text(self.path, json.dumps(d, ensure_ascii=False, indent=1))
        except OSError as e:  # shown, and the action itself goes on
            log.error("could not save the lockdown state to %s: %s", self.path, e)
            self.bus.notice(tr("lockdown.save_failed", path=self.path), level="error", detail=detail_of(e))

    def reapply(self) -> None:
        """After a restart while locked down (or an overlay rebuilt): hold replies and hide the overlay again.
        OBS and CHZZK are not touched: what they have now is what the streamer sees."""
        if not self.active:
            return
        try:
            self._set_hold(True)
        except Exception:
            log.exception("lockdown: hold could not be re-applied")
        try:
            self._set_overlay(True)
        except Exception:
            log.exception("lockdown: overlay could not be hidden again")

    def resume_notice(self) -> None:
        if self.load_problem:
            self.bus.notice(self.load_problem, level="error")
        if self.active and self.since is not None:
            self.bus.notice(tr("lockdown.notice.resumed", time=clock_text(self.since)), level="warning")

    # -- steps --------------------------------------------------------------------------------------
    async def _step(self, name: str, coro: Awaitable[StepResult]) -> StepResult:
        try:
            return await asyncio.wait_for(coro, self.step_timeout_s)
        except TimeoutError:
            log.warning("lockdown step %s timed out", name)
            return StepResult(name, "failed", tr("lockdown.timeout", s=self.step_timeout_s))
        except Exception as e:
            log.warning("lockdown step %s failed: %s", name, e)
            return StepResult(name, "failed", str(e) or type(e).__name__)  # the adapters' text is for the streamer

    async def _do_panic(self) -> StepResult:
        await self._panic()
        return StepResult("panic", "ok", tr("lockdown.panic.ok"))

    def _sync(self, name: str, fn: Callable[[], StepResult]) -> StepResult:
        try:
            return fn()
        except Exception as e:
            log.warning("lockdown step %s failed: %s", name, e)
            return StepResult(name, "failed", f"{type(e).__name__}: {e}")

    def _hold(self, on: bool) -> StepResult:
        self._set_hold(on)
        return StepResult("hold", "ok", tr("lockdown.hold.on" if on else "lockdown.hold.off"))

    def _overlay(self, on: bool) -> StepResult:
        if not self._set_overlay(on):
            return StepResult("overlay", "skipped", tr("lockdown.overlay.none"))
        return StepResult("overlay", "ok", tr("lockdown.overlay.on" if on else "lockdown.overlay.off"))

    async def _obs_engage(self) -> StepResult:
        obs = self._obs()
        if obs is None or not obs.configured:
            return StepResult("obs", "skipped", tr("lockdown.obs.not_configured"))
        brb = obs.brb_scene
        if not brb:
            return StepResult("obs", "skipped", tr("lockdown.obs.no_brb"))
        if self.obs_state is not None:  # an earlier lockdown's scene was never restored: keep that one
            await obs.set_program_scene(brb)
            return StepResult("obs", "ok", tr("lockdown.obs.switched", previous=self.obs_state["previous"], brb=brb))
        previous = await obs.program_scene()
        if previous == brb:
            return StepResult("obs", "ok", tr("lockdown.obs.already", brb=brb))
        self.obs_state = {"previous": previous, "brb": brb}
        self._save()  # written before OBS is changed: a crash right after still knows what to restore
        await obs.set_program_scene(brb)
        return StepResult("obs", "ok", tr("lockdown.obs.switched", previous=previous, brb=brb))

    async def _chat_engage(self) -> StepResult:
        lock = parse_lockdown_chat(self._chat_lock())
        if lock.off:
            return StepResult("chat", "skipped", tr("lockdown.chat.off"))
        access = self._chat()
        if access is None:
            return StepResult("chat", "skipped", tr("lockdown.chat.not_official"))
        current = await access.read()
        wanted = restricted(current, lock)
        if wanted == current:
            return StepResult("chat", "ok", tr("lockdown.chat.already"))
        if self.chat_state is None:  # else: an earlier lockdown's settings were never restored: keep those
            self.chat_state = {"previous": current, "applied": wanted}
        else:
            self.chat_state["applied"] = wanted
        self._save()  # written before CHZZK is changed
        await access.write(wanted)
        return StepResult("chat", "ok", tr("lockdown.chat.applied", what=describe_chat(wanted)))

    async def _obs_lift(self) -> StepResult:
        st = self.obs_state
        if st is None:
            return StepResult("obs", "skipped", tr("lockdown.obs.nothing"))
        obs = self._obs()
        if obs is None or not obs.configured:
            raise RuntimeError(tr("lockdown.obs.not_configured"))
        current = await obs.program_scene()
        if current != st["brb"]:
            self.obs_state = None
            return StepResult("obs", "skipped", tr("lockdown.obs.moved", current=current))
        await obs.set_program_scene(st["previous"])
        self.obs_state = None
        return StepResult("obs", "ok", tr("lockdown.obs.restored", previous=st["previous"]))

    async def _chat_lift(self) -> StepResult:
        st = self.chat_state
        if st is None:
            return StepResult("chat", "skipped", tr("lockdown.chat.nothing"))
        access = self._chat()
        if access is None:
            raise RuntimeError(tr("lockdown.chat.not_official"))
        previous, applied = st["previous"], st["applied"]
        current = await access.read()
        changed = [k for k in applied if applied.get(k) != previous.get(k)]
        # put back what lockdown changed and is still as lockdown left it; the streamer's own later changes stay
        mine = [k for k in changed if current.get(k) == applied.get(k)]
        theirs = [k for k in changed if k not in mine]
        restored = {**current, **{k: previous[k] for k in mine if k in previous}}
        if restored != current:
            await access.write(restored)
        self.chat_state = None
        keys = tuple(k for k in CHAT_KEYS if k in mine)
        detail = tr("lockdown.chat.restored", what=describe_chat(restored, keys or CHAT_KEYS))
        if theirs:
            detail += " · " + tr("lockdown.chat.moved", what=describe_chat(current, tuple(theirs)))
        return StepResult("chat", "ok", detail)

    # -- the two actions -----------------------------------------------------------------------------
    async def engage(self) -> LockdownRecord | None:
        """Lock down now (None when already locked down or a lift/lockdown is running; a notice says so)."""
        if self._busy.locked():
            self.bus.notice(tr("lockdown.notice.busy"), level="warning")
            return None
        async with self._busy:
            if self.active:
                self.bus.notice(tr("lockdown.notice.already"), level="warning")
                return None
            rec = LockdownRecord("lockdown", time.time())
            self.active, self.since = True, rec.at
            self._save()
            hold = self._sync("hold", lambda: self._hold(True))  # first: nothing new starts from here on
            overlay = self._sync("overlay", lambda: self._overlay(True))
            panic, obs, chat = await asyncio.gather(self._step("panic", self._do_panic()),
                                                    self._step("obs", self._obs_engage()),
                                                    self._step("chat", self._chat_engage()))
            rec.steps = [panic, hold, obs, chat, overlay]
            return self._finish(rec, EventKind.LOCKDOWN, "lockdown.notice.on")

    async def lift(self) -> LockdownRecord | None:
        """Lift the lockdown (or retry the restores that failed last time)."""
        if self._busy.locked():
            self.bus.notice(tr("lockdown.notice.busy"), level="warning")
            return None
        async with self._busy:
            if not self.active and not self.pending:
                self.bus.notice(tr("lockdown.notice.not_active"))
                return None
            rec = LockdownRecord("lift", time.time())
            obs, chat = await asyncio.gather(self._step("obs", self._obs_lift()),
                                             self._step("chat", self._chat_lift()))
            overlay = self._sync("overlay", lambda: self._overlay(False))
            hold = self._sync("hold", lambda: self._hold(False))
            self.active = False
            self.since = None
            rec.steps = [hold, obs, chat, overlay]
            return self._finish(rec, EventKind.LOCKDOWN_LIFTED, "lockdown.notice.off")

    def _finish(self, rec: LockdownRecord, kind: EventKind, notice_key: str) -> LockdownRecord:
        self.history.append(rec)
        self.history = self.history[-HISTORY:]
        self._save()
        for s in rec.steps:
            log.info("%s %s: %s %s", rec.action, s.step, s.status, s.detail)
        self.bus.emit(kind, active=self.active, pending=self.pending, **rec.to_json())
        self.bus.notice(tr(notice_key, time=clock_text(rec.at), summary=rec.summary()),
                        level="warning" if rec.failed or rec.action == "lockdown" else "info")
        return rec

    async def toggle(self) -> LockdownRecord | None:
        """The button: lock down, or lift (and retry a failed restore)."""
        return await (self.lift() if self.active or self.pending else self.engage())
