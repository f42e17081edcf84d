"""Issue 18: a burst of draft events costs the reply panel one list rebuild, run after the burst."""

from __future__ import annotations

from types import SimpleNamespace

from aischoco_gui.events import EventBus
from aischoco_gui.models import Reply
from aischoco_gui.pipeline.approval import ApprovalQueue
from aischoco_gui.pipeline.pipeline import Pipeline
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator


def make_panel(qtbot):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.panels.reply_panel import ReplyPanel

    bus = EventBus()
    pipeline = Pipeline(bus, ApprovalQueue(), None, ScriptedGenerator(), RecordingSpeaker(bus),
                        RecordingAvatar(bus), max_pending=50)
    bridge = Bridge(bus)
    panel = ReplyPanel(SimpleNamespace(pipeline=pipeline, bus=bus), bridge)
    qtbot.addWidget(panel)
    calls: list[int] = []
    real = panel.rebuild

    def counting_rebuild() -> None:
        calls.append(len(pipeline.queue.pending))
        real()

    panel.rebuild_soon._fn = counting_rebuild
    return panel, pipeline, calls


def test_a_burst_of_draft_events_is_one_rebuild_after_the_burst(qtbot):
    panel, pipeline, calls = make_panel(qtbot)
    drafts = [pipeline.add_reply(Reply(text=f"답변 {i}")) for i in range(20)]  # 20 × DRAFT_CREATED
    for d in drafts[:5]:
        pipeline.skip(d.id)  # + 5 × SKIPPED (draft_updated)
    pipeline.move(drafts[10].id, 0)  # + DRAFT_UPDATED
    assert calls == []  # nothing rebuilt inside the emits: the work the events started goes first
    assert panel.list.count() == 0
    qtbot.waitUntil(lambda: panel.list.count() == 15)
    assert calls == [15]  # 26 bus events → one rebuild, with the final state
    assert panel.list.item(0).data(256) == drafts[10].id  # Qt.UserRole: the moved draft is on top


def test_events_after_a_rebuild_start_a_new_one(qtbot):
    panel, pipeline, calls = make_panel(qtbot)
    pipeline.add_reply(Reply(text="첫 답변"))
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    pipeline.add_reply(Reply(text="둘째 답변"))
    qtbot.waitUntil(lambda: panel.list.count() == 2)
    assert calls == [1, 2]


def test_the_countdown_timer_runs_only_while_a_countdown_is_shown(qtbot):
    """Issue 18 (idle cost): no twice-a-second wake while nothing counts down."""
    panel, pipeline, calls = make_panel(qtbot)
    assert not panel._timer.isActive()  # empty list: asleep
    d = pipeline.add_reply(Reply(text="답변"))
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    assert not panel._timer.isActive()  # manual approval: no countdown to show
    panel.auto_after.setValue(30)  # the streamer sets "auto-approve after 30 s": a countdown per draft
    assert pipeline.queue.auto_after_s == 30
    assert panel._timer.isActive()
    pipeline.skip(d.id)
    qtbot.waitUntil(lambda: panel.list.count() == 0)
    assert not panel._timer.isActive()
