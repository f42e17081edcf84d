"""The bridge: one typed Qt signal per topic, no catch-all event signal to branch on."""

from __future__ import annotations

from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.models import ChatMessage, Draft, Reply


def test_each_topic_has_its_own_typed_signal(qtbot):
    from aischoco_gui.gui.bridge import Bridge

    bus = EventBus()
    bridge = Bridge(bus)
    assert "event" not in Bridge.__dict__  # panels connect to topics, never to "everything"
    got: list[tuple] = []
    for name in ("chat_received", "chat_filtered", "batch_ready", "draft_created", "draft_updated",
                 "speech_started", "speech_ended", "emotion", "panic", "status", "notice", "tts_metrics"):
        getattr(bridge, name).connect(lambda *a, name=name: got.append((name, *a)))
    m = ChatMessage("시청자", "안녕")
    d = Draft(reply=Reply(text="네"), batch=[m], turn=1)
    bus.emit(EventKind.CHAT_RECEIVED, message=m)
    bus.emit(EventKind.CHAT_FILTERED, message=m, reason="spam")
    bus.emit(EventKind.BATCH_READY, turn=1, messages=[m])
    bus.emit(EventKind.DRAFT_CREATED, turn=1, draft=d)
    bus.emit(EventKind.APPROVED, turn=1, draft=d)
    bus.emit(EventKind.SPEECH_STARTED, turn=1, draft=d)
    bus.emit(EventKind.PLAYBACK_END, turn=1, draft=d, cancelled=True)
    bus.emit(EventKind.EMOTION, emotion="happy")
    bus.emit(EventKind.PANIC)
    bus.set_status("vts", ServiceState.READY, "ok")
    bus.notice("hello", "warning", detail="why it happened")
    bus.emit(EventKind.TTS_METRICS, turn=1, rtf=0.5)
    names = [g[0] for g in got]
    assert names == ["chat_received", "chat_filtered", "batch_ready", "draft_created", "draft_updated",
                     "speech_started", "speech_ended", "emotion", "panic", "status", "notice", "tts_metrics"]
    assert ("chat_filtered", m, "spam") in got and ("speech_ended", d, True) in got
    assert ("emotion", "happy") in got and ("notice", "hello", "warning", "why it happened") in got
    assert next(g for g in got if g[0] == "status")[1].name == "vts"
    assert next(g for g in got if g[0] == "tts_metrics")[1]["rtf"] == 0.5
    bridge.close()


def test_per_service_topics_and_events_from_other_threads_arrive_on_the_gui_thread(qtbot):
    """A panel subscribes to its own service (status_of / replaced_of); an event published on a worker
    thread reaches every slot on the GUI thread, queued (a slot never runs on the worker)."""
    import threading

    from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread

    from aischoco_gui.gui.bridge import Bridge

    bus = EventBus()
    bridge = Bridge(bus)
    seen: list[tuple] = []

    class Panel(QObject):  # a bound method on a QObject: the connection dies with it
        def on_vts(self, st) -> None:
            seen.append(("vts", st.state, QThread.currentThread() is QCoreApplication.instance().thread()))

        def on_llm_replaced(self) -> None:
            seen.append(("llm replaced", QThread.currentThread() is QCoreApplication.instance().thread()))

    panel = Panel()
    bridge.status_of("vts").connect(panel.on_vts)
    bridge.replaced_of("llm").connect(panel.on_llm_replaced)
    bus.set_status("chat", ServiceState.READY)  # another service: not delivered to this panel
    bus.set_status("vts", ServiceState.CONNECTING)
    bus.emit(EventKind.SERVICE_REPLACED, name="tts")
    assert seen == [("vts", ServiceState.CONNECTING, True)]

    def worker() -> None:
        bus.set_status("vts", ServiceState.READY)
        bus.emit(EventKind.SERVICE_REPLACED, name="llm")

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert len(seen) == 1  # queued, not run on the worker
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=2000)
    assert seen[1:] == [("vts", ServiceState.READY, True), ("llm replaced", True)]
    panel.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the panel is gone
    bus.set_status("vts", ServiceState.OFF)  # no slot on a deleted panel, no error
    assert len(seen) == 3
    bridge.close()
