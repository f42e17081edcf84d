"""The show tools as ONE feature with start/stop (built by ``compose`` from ``Settings``).

Holds the thanks lane (a pipeline interceptor), idle talk, the run sheet and chat echo, and the
donation/subscription overlay alert. Everything it needs from the rest of the app comes in as
small callables (the composition root passes the pipeline's gate, the LLM line generator, the
CHZZK send call, the overlay's ``push_alert``), so this folder stays Qt-free and imports no adapter.
Each background loop is a named task of this feature, cancelled on :meth:`stop`; a failure is
shown through ``notify`` (the bus), never swallowed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aischoco_gui.events import Event, EventBus, EventKind
from aischoco_gui.i18n import tr
from aischoco_gui.show import strings as _strings  # noqa: F401  (registers the UI strings)
from aischoco_gui.show.base import LineGenerator, Submit
from aischoco_gui.show.echo import ChatEcho, EchoError
from aischoco_gui.show.idle_talk import IdleTalk, load_topics
from aischoco_gui.show.run_sheet import RUN_SHEET_FILE, Cue, RunSheet, load_run_sheet
from aischoco_gui.show.thanks import Thanks, ThanksLane, ThanksPolicy
from aischoco_gui.tasks import TaskGroup

log = logging.getLogger(__name__)

Alert = Callable[..., Any]  # overlay.push_alert(kind, nickname, amount=, tier_no=, tier_name=, months=, text=)


class ShowTools:
    """Thanks lane + idle talk + run sheet + chat echo + overlay alerts, owned as one service."""

    name = "show"

    def __init__(self, settings: Any, bus: EventBus, config_dir: Path | None, *, generate: LineGenerator,
                 submit: Submit, prioritize: Callable[[Any], Any], approve: Callable[[Any], Any],
                 draft_pending: Callable[[], bool], speaking: Callable[[], bool],
                 summary: Callable[[], str] = lambda: "",
                 send_chat: Callable[[str], Awaitable[object]] | None = None,
                 alert: Callable[[], Alert | None] = lambda: None,
                 screen: Callable[[str], str] | None = None) -> None:
        """``screen``: the app's banned-word mask, applied to everything the chat echo posts."""
        self.settings = settings
        self.bus = bus
        self.config_dir = config_dir
        self.alert = alert
        self.tasks = TaskGroup("show", bus)
        self.policy, self.problems = ThanksPolicy.from_settings(settings)  # env name → why it fell back
        for env, why in self.problems.items():  # the window's settings banner shows them too
            log.error("setting %s: %s", env, why)
        self.lane = ThanksLane(self.policy, generate=generate, submit=submit, classify=self.classify,
                               prioritize=prioritize, approve=approve, auto_approve=bool(settings.thanks_auto_approve),
                               on_error=self._error, tasks=TaskGroup("thanks", bus))
        self.idle = IdleTalk(interval_s=max(0.0, float(settings.idle_talk_seconds)), generate=generate,
                             submit=submit, topics=lambda: load_topics(config_dir), summary=summary,
                             draft_pending=draft_pending, speaking=speaking, on_error=self._error)
        cues: list[Cue] = []
        if config_dir is not None:
            cues, notices = load_run_sheet(self.run_sheet_path)
            for n in notices:
                self._error(n)
        self.sheet = RunSheet(cues, submit=submit, generate=generate, on_error=self._error)
        self.run_sheet_enabled = bool(settings.run_sheet_enabled)
        self.echo = ChatEcho(send_chat or self._no_send,
                             enabled=settings.chzzk_chat_echo == "on" and send_chat is not None,
                             mode=settings.chat_echo_mode, min_interval_s=settings.chat_echo_min_interval_s,
                             burst=settings.chat_echo_burst, on_error=self._echo_error, screen=screen)
        self.echo_errors: list[str] = []
        self._unsubscribe: list[Callable[[], None]] = []

    @property
    def run_sheet_path(self) -> Path:
        return (self.config_dir or Path(".")) / RUN_SHEET_FILE

    # -- classification (the thanks lane) -------------------------------------------------
    def classify(self, msg: Any) -> Thanks | None:
        """Donations by amount, subscriptions by months and tier; everything else is chat."""
        if getattr(msg, "kind", "") == "subscription":
            return self.policy.for_subscription(getattr(msg, "subscription_months", None) or 1,
                                                getattr(msg, "subscription_tier", None) or 1,
                                                getattr(msg, "subscription_tier_name", "") or "",
                                                getattr(msg, "nickname", ""), getattr(msg, "text", ""))
        return self.lane.donation_of(msg)

    # -- bus → alert, idle talk, echo -----------------------------------------------------
    def on_event(self, ev: Event) -> None:
        if ev.kind != EventKind.CHAT_RECEIVED:
            return
        msg = ev.data.get("message")
        kind = getattr(msg, "kind", "")
        if msg is None or not (kind == "subscription" or getattr(msg, "donation_amount", None) is not None):
            return
        if getattr(msg, "filtered_reason", None) is not None:  # the chat filter rejected it: no alert at all
            return
        push = self.alert()
        if push is None:
            return
        try:
            if kind == "subscription":
                push("subscription", msg.nickname, tier_no=msg.subscription_tier, tier_name=msg.subscription_tier_name,
                     months=msg.subscription_months, text=msg.text)
            else:
                push("donation", msg.nickname, amount=msg.donation_amount, text=msg.text)
        except Exception as e:  # an overlay problem must not stop the chat
            log.exception("overlay alert failed")
            self.bus.notice(tr("show.alert_failed"), level="error", detail=f"{type(e).__name__}: {e}")

    # -- lifecycle --------------------------------------------------------------------------
    def intercept(self, msg: Any) -> bool:
        """The pipeline interceptor (donations/subscriptions → the priority lane)."""
        return self.lane.intercept(msg)

    async def start(self) -> None:
        self._unsubscribe = [self.bus.subscribe(self.on_event), self.bus.subscribe(self.idle.on_event),
                             self.bus.subscribe(self.echo.on_event)]
        if self.idle.enabled:
            self.idle.activity()  # quiet counts from the start of the show
            self.tasks.spawn(self.idle.run(), "idle-talk")
        if self.run_sheet_enabled:
            self.sheet.start()
            self.tasks.spawn(self.sheet.run(), "run-sheet")
        if self.echo.enabled:
            self.tasks.spawn(self.echo.run(), "chat-echo")

    async def stop(self) -> None:
        for u in self._unsubscribe:
            u()
        self._unsubscribe = []
        await self.tasks.cancel_all()
        await self.lane.tasks.cancel_all()

    def reload_run_sheet(self) -> list[str]:
        """The streamer saved the run sheet: load it again (returns notices)."""
        cues, notices = load_run_sheet(self.run_sheet_path)
        self.sheet.set_cues(cues)
        return notices

    # -- errors -----------------------------------------------------------------------------
    def _error(self, text: str) -> None:
        self.bus.notice(text, level="error")

    def _echo_error(self, err: EchoError) -> None:
        text = err.describe()
        self.echo_errors.append(text)
        self.bus.notice(text, level="error")

    @staticmethod
    async def _no_send(_text: str) -> None:
        raise RuntimeError("chat echo needs the official CHZZK source")
