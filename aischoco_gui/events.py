"""Timestamped pipeline events and per-service status, published on one in-process bus.

The bus is synchronous and Qt-free: the GUI bridge subscribes and re-emits as Qt signals;
benchmarks and tests subscribe directly. Subscribers must be quick (they run inline).
"""

from __future__ import annotations

import enum
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


class EventKind(str, enum.Enum):
    CHAT_RECEIVED = "chat_received"        # data: message
    CHAT_FILTERED = "chat_filtered"        # data: message, reason
    BATCH_READY = "batch_ready"            # data: turn, messages
    LLM_REQUEST_SENT = "llm_request_sent"  # data: turn
    LLM_FIRST_BYTE = "llm_first_byte"      # data: turn
    LLM_REPLY_RECEIVED = "llm_reply_received"  # data: turn, reply
    LLM_FAILED = "llm_failed"              # data: turn, error
    DRAFT_CREATED = "draft_created"        # data: draft
    DRAFT_UPDATED = "draft_updated"        # data: draft (edited / reordered / state change)
    APPROVED = "approved"                  # data: draft
    SKIPPED = "skipped"                    # data: draft
    SPEECH_STARTED = "speech_started"      # data: draft
    FIRST_AUDIO = "first_audio"            # data: draft, [engine_first_chunk_s, ...]
    SENTENCE_SPOKEN = "sentence_spoken"    # data: draft, index, text
    PLAYBACK_END = "playback_end"          # data: draft, cancelled
    EMOTION = "emotion"                    # data: emotion
    PANIC = "panic"
    STATUS = "status"                      # data: status (ServiceStatus)
    NOTICE = "notice"                      # data: level, text (shown to the streamer), detail (log/tooltip)
    TTS_METRICS = "tts_metrics"            # data: per-utterance latency numbers
    MIC_TRANSCRIPT = "mic_transcript"      # data: text, director (the control room only; never the overlay)
    MIC_METRICS = "mic_metrics"            # data: metrics (one voice turn: end of speech → transcript → LLM → audio)
    OVERLAY = "overlay"                    # data: overlay-specific
    OBS_SCENES = "obs_scenes"              # data: current, scenes, connected (OBS's program scene and scene list)
    LOCKDOWN = "lockdown"                  # data: record (lockdown.LockdownRecord: time, what each step did)
    LOCKDOWN_LIFTED = "lockdown_lifted"    # data: record (what each restore step did)
    # one LLM HTTP attempt (replies, thanks, tarot, summaries): purpose, endpoint, request (the body sent:
    # model, messages, parameters — never a header, so never the key), answer (raw content, finish reason,
    # usage) or error, latency_s, first_byte_s, attempt. Recorded for replay (DESIGN.md §4.10).
    LLM_EXCHANGE = "llm_exchange"
    SETTINGS_CHANGED = "settings_changed"  # data: changed {field: value} (secret values masked), services
    VIEWERS_CHANGED = "viewers_changed"    # data: keys (viewer keys written), forgotten (keys), error
    FACT_PROPOSALS = "fact_proposals"      # data: proposals (the facts waiting for the streamer, a list)
    OVERLAY_CHANGED = "overlay_changed"    # data: rev (the overlay state changed; at most once per loop turn)
    SERVICE_REPLACED = "service_replaced"  # data: name (compose.rebuild swapped that service: look it up again)
    SETTINGS_APPLIED = "settings_applied"  # data: changed (field names), rebuilt (service names); after the rebuilds
    CHZZK_LOGIN = "chzzk_login"            # the shared CHZZK login changed (tokens, log out, replaced)


#: The chat message ids the work running now answers: the pipeline sets it around a turn and around the
#: interceptors (tasks started there inherit it), so a recording ties an LLM call to the chat it answers
#: (a donation's thanks runs in a task of its own). Read it inside a subscriber: it runs in the emitter's context.
origin: ContextVar[tuple[int, ...]] = ContextVar("aischoco_origin", default=())


@dataclass(frozen=True)
class Event:
    kind: EventKind
    t: float  # time.monotonic()
    wall: float  # time.time()
    turn: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0


class ServiceState(str, enum.Enum):
    OFF = "off"                    # not started / stopped
    NOT_CONFIGURED = "not_configured"
    CONNECTING = "connecting"
    READY = "ready"                # live / connected / serving
    RECONNECTING = "reconnecting"
    ERROR = "error"
    DEGRADED = "degraded"          # working with a fallback


@dataclass(frozen=True)
class ServiceStatus:
    name: str  # "chat", "llm", "tts", "vts", "overlay", …
    state: ServiceState
    detail: str = ""
    last_error: str = ""
    attempt: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    t: float = 0.0

    @property
    def settled(self) -> bool:
        """True once the service has reported something other than OFF/CONNECTING."""
        return self.state not in (ServiceState.OFF, ServiceState.CONNECTING)


Subscriber = Callable[[Event], None]


class EventBus:
    """Synchronous publish/subscribe with a bounded history and the latest status per service."""

    def __init__(self, history: int = 2000) -> None:
        self._subs: list[Subscriber] = []
        self.recent: deque[Event] = deque(maxlen=history)
        self.status: dict[str, ServiceStatus] = {}
        self._seq = itertools.count(1)

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        self._subs.append(fn)

        def unsubscribe() -> None:
            if fn in self._subs:
                self._subs.remove(fn)

        return unsubscribe

    def emit(self, kind: EventKind, turn: int | None = None, **data: Any) -> Event:
        ev = Event(kind=kind, t=time.monotonic(), wall=time.time(), turn=turn, data=data, seq=next(self._seq))
        self.recent.append(ev)
        for fn in list(self._subs):
            try:
                fn(ev)
            except Exception:  # a broken subscriber must not break the pipeline
                log.exception("event subscriber %r failed on %s", fn, kind.value)
        return ev

    def set_status(self, name: str, state: ServiceState, detail: str = "", *, error: str | None = None,
                   attempt: int = 0, **extra: Any) -> ServiceStatus:
        prev = self.status.get(name)
        last_error = error if error is not None else (prev.last_error if prev else "")
        st = ServiceStatus(name=name, state=state, detail=detail, last_error=last_error, attempt=attempt,
                           extra=extra, t=time.monotonic())
        self.status[name] = st
        self.emit(EventKind.STATUS, status=st)
        return st

    def notice(self, text: str, level: str = "info", detail: str = "") -> None:
        """A message for the streamer (shown in the status bar / log panel): ``text`` in the UI language
        says what happened and what to do; ``detail`` (an exception, a server's words) goes to the log
        and to the message's tooltip, never into the text."""
        log_fn = getattr(log, "warning" if level in ("warning", "error") else "info")
        if detail:
            log_fn("notice: %s (%s)", text, detail)
        else:
            log_fn("notice: %s", text)
        self.emit(EventKind.NOTICE, text=text, level=level, detail=detail)
