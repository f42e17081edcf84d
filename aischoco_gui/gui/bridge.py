"""The one bridge from the core event bus to Qt: one typed signal per topic, always on the GUI thread.

Only the bridge subscribes to the core for the GUI. A panel connects to the topics it shows
(``bridge.chat_received.connect(self._on_chat)``); nobody branches on event kinds. Per service there are
two more topics a panel subscribes to for *its* service only:

- ``bridge.status_of("vts")`` — that service's :class:`~aischoco_gui.events.ServiceStatus` changes;
- ``bridge.replaced_of("vts")`` — ``compose.rebuild`` swapped that service (``services.avatar`` is a new
  object): look it up again through the container (``bridge.service_replaced`` carries every name).

Every signal is emitted on the GUI thread: an event published on another thread is queued over first,
so a slot never runs on a worker thread and a Qt object is never touched from one. Connect bound
methods of the panel (not lambdas): Qt then drops the connection when the panel is destroyed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, SignalInstance

from aischoco_gui.events import Event, EventBus, EventKind


class _ServiceChannel(QObject):
    """The per-service topics (one object per service name, owned by the bridge)."""

    status = Signal(object)  # events.ServiceStatus of this service
    replaced = Signal()  # compose.rebuild swapped this service


class Bridge(QObject):
    """Re-emits bus events as typed Qt signals on the GUI thread."""

    chat_received = Signal(object)  # models.ChatMessage
    chat_filtered = Signal(object, str)  # models.ChatMessage, reason
    batch_ready = Signal(int, list)  # turn, messages
    llm_reply = Signal(int, object)  # turn, models.Reply
    llm_failed = Signal(int, str)  # turn, error
    draft_created = Signal(object)  # models.Draft
    draft_updated = Signal(object)  # models.Draft (edited, reordered, approved, skipped)
    speech_started = Signal(object)  # models.Draft
    speech_ended = Signal(object, bool)  # models.Draft, cancelled
    emotion = Signal(str)
    panic = Signal()
    status = Signal(object)  # events.ServiceStatus of any service (the status bar); a panel: status_of(name)
    notice = Signal(str, str, str)  # text, level, detail (the technical reason: tooltip, never the text)
    tts_metrics = Signal(object)  # one utterance's latency numbers (a dict)
    overlay_changed = Signal(int)  # the overlay state's revision (coalesced: at most once per loop turn)
    mic_transcript = Signal(str, bool)  # text, director (a private whisper)
    mic_metrics = Signal(object)  # one voice turn's latency (a dict: transcript_s, llm_request_s, first_audio_s)
    obs_scenes = Signal(str, list, bool)  # OBS program scene, scene list, connected
    lockdown_changed = Signal(object)  # a lockdown or lift record (dict: action, at, steps, active, pending)
    viewers_changed = Signal(object)  # viewer memory wrote: {"keys": [...], "forgotten": [...]}
    fact_proposals = Signal(list)  # the viewer facts waiting for the streamer (viewers.memory.Proposal)
    service_replaced = Signal(str)  # a service name from compose.REBUILDABLE; a panel: replaced_of(name)
    settings_applied = Signal(object, object)  # changed field names (set), rebuilt service names (list)
    chzzk_login_changed = Signal()  # the shared CHZZK login changed (tokens, log out, a new client): re-read it
    _from_thread = Signal(object)  # an Event published on another thread, queued to the GUI thread

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bus = bus
        self._channels: dict[str, _ServiceChannel] = {}
        self._from_thread.connect(self._forward, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe: Callable[[], None] | None = bus.subscribe(self._on_event)
        # the bus must not keep calling a destroyed bridge: unsubscribe with the object (no reference to self)
        self.destroyed.connect(_unsubscriber(self._unsubscribe))

    # -- per-service topics --------------------------------------------------------------
    def _channel(self, name: str) -> _ServiceChannel:
        ch = self._channels.get(name)
        if ch is None:
            ch = self._channels[name] = _ServiceChannel(self)
        return ch

    def status_of(self, name: str) -> SignalInstance:
        """The status signal of one service (``"chat"``, ``"llm"``, ``"tts"``, ``"audio"``, ``"vts"``,
        ``"overlay"``, ``"stt"`` …): ``bridge.status_of("vts").connect(self._on_status)``."""
        return self._channel(name).status

    def replaced_of(self, name: str) -> SignalInstance:
        """Emitted after ``compose.rebuild`` swapped that service (``"chat"``, ``"llm"``, ``"tts"``, ``"vts"``,
        ``"overlay"``, ``"show"``, ``"mic"``, ``"obs"``, ``"record"``, ``"viewers"``):
        ``bridge.replaced_of("llm").connect(self._rebind)``."""
        return self._channel(name).replaced

    # -- bus → signals ---------------------------------------------------------------------
    def _on_event(self, ev: Event) -> None:
        app = QCoreApplication.instance()
        if app is not None and QThread.currentThread() is not app.thread():
            self._from_thread.emit(ev)  # queued: _forward runs on the GUI thread
        else:
            self._forward(ev)

    def _forward(self, ev: Event) -> None:
        d, k = ev.data, ev.kind
        if k is EventKind.CHAT_RECEIVED:
            self.chat_received.emit(d["message"])
        elif k is EventKind.CHAT_FILTERED:
            self.chat_filtered.emit(d["message"], str(d.get("reason") or ""))
        elif k is EventKind.BATCH_READY:
            self.batch_ready.emit(ev.turn or 0, list(d.get("messages") or []))
        elif k is EventKind.LLM_REPLY_RECEIVED:
            self.llm_reply.emit(ev.turn or 0, d.get("reply"))
        elif k is EventKind.LLM_FAILED:
            self.llm_failed.emit(ev.turn or 0, str(d.get("error", "")))
        elif k is EventKind.DRAFT_CREATED:
            self.draft_created.emit(d["draft"])
        elif k in (EventKind.DRAFT_UPDATED, EventKind.APPROVED, EventKind.SKIPPED):
            self.draft_updated.emit(d["draft"])
        elif k is EventKind.SPEECH_STARTED:
            self.speech_started.emit(d["draft"])
        elif k is EventKind.PLAYBACK_END:
            self.speech_ended.emit(d.get("draft"), bool(d.get("cancelled")))
        elif k is EventKind.EMOTION:
            self.emotion.emit(str(d.get("emotion", "")))
        elif k is EventKind.PANIC:
            self.panic.emit()
        elif k is EventKind.STATUS:
            st = d["status"]
            self.status.emit(st)
            ch = self._channels.get(st.name)
            if ch is not None:
                ch.status.emit(st)
        elif k is EventKind.NOTICE:
            self.notice.emit(d.get("text", ""), d.get("level", "info"), str(d.get("detail") or ""))
        elif k is EventKind.TTS_METRICS:
            self.tts_metrics.emit(d.get("metrics") or d)
        elif k is EventKind.OVERLAY_CHANGED:
            self.overlay_changed.emit(int(d.get("rev") or 0))
        elif k is EventKind.MIC_TRANSCRIPT:
            self.mic_transcript.emit(str(d.get("text", "")), bool(d.get("director")))
        elif k is EventKind.MIC_METRICS:
            self.mic_metrics.emit(d.get("metrics") or d)
        elif k is EventKind.OBS_SCENES:
            self.obs_scenes.emit(str(d.get("current", "")), list(d.get("scenes") or []), bool(d.get("connected")))
        elif k in (EventKind.LOCKDOWN, EventKind.LOCKDOWN_LIFTED):
            self.lockdown_changed.emit(dict(d))
        elif k is EventKind.VIEWERS_CHANGED:
            self.viewers_changed.emit(dict(d))
        elif k is EventKind.FACT_PROPOSALS:
            self.fact_proposals.emit(list(d.get("proposals") or []))
        elif k is EventKind.SERVICE_REPLACED:
            name = str(d.get("name", ""))
            ch = self._channels.get(name)
            if ch is not None:
                ch.replaced.emit()
            self.service_replaced.emit(name)
        elif k is EventKind.SETTINGS_APPLIED:
            self.settings_applied.emit(set(d.get("changed") or ()), list(d.get("rebuilt") or ()))
        elif k is EventKind.CHZZK_LOGIN:
            self.chzzk_login_changed.emit()

    def close(self) -> None:
        """Stop listening to the bus (the app calls it after the services stopped)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


def _unsubscriber(unsubscribe: Callable[[], None]) -> Callable[..., None]:
    return lambda *_: unsubscribe()
