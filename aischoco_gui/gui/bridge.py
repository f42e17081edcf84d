"""The one bridge from the core event bus to Qt: one typed signal per topic.

A panel connects only to the topics it shows (``bridge.chat_received.connect(...)``); nobody branches
on event kinds. Signals emitted from another thread are queued to the GUI thread by Qt.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from aischoco_gui.events import Event, EventBus, EventKind


class Bridge(QObject):
    """Re-emits bus events as typed Qt signals."""

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
    status = Signal(object)  # events.ServiceStatus
    notice = Signal(str, str, str)  # text, level, detail (the technical reason: tooltip, never the text)
    tts_metrics = Signal(object)  # one utterance's latency numbers (a dict)
    overlay = Signal(object)  # overlay-specific data (a dict)
    mic_transcript = Signal(str, bool)  # text, director (a private whisper)
    mic_metrics = Signal(object)  # one voice turn's latency (a dict: transcript_s, llm_request_s, first_audio_s)
    obs_scenes = Signal(str, list, bool)  # OBS program scene, scene list, connected
    lockdown_changed = Signal(object)  # a lockdown or lift record (dict: action, at, steps, active, pending)
    viewers_changed = Signal(object)  # viewer memory wrote: {"keys": [...], "forgotten": [...]}
    fact_proposals = Signal(list)  # the viewer facts waiting for the streamer (viewers.memory.Proposal)

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bus = bus
        self._unsubscribe = bus.subscribe(self._forward)

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
            self.status.emit(d["status"])
        elif k is EventKind.NOTICE:
            self.notice.emit(d.get("text", ""), d.get("level", "info"), str(d.get("detail") or ""))
        elif k is EventKind.TTS_METRICS:
            self.tts_metrics.emit(d.get("metrics") or d)
        elif k is EventKind.OVERLAY:
            self.overlay.emit(d)
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

    def close(self) -> None:
        self._unsubscribe()
