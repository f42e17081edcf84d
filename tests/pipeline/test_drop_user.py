"""Moderating a viewer drops what the pipeline still holds for them (issue 17)."""

from __future__ import annotations

from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.models import ChatMessage, DraftState, Reply
from aischoco_gui.pipeline.approval import ApprovalQueue
from aischoco_gui.pipeline.pipeline import Pipeline
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator


def test_drop_user_skips_their_drafts_and_chat_but_keeps_mixed_ones():
    bus = EventBus()
    p = Pipeline(bus, ApprovalQueue(), None, ScriptedGenerator(), RecordingSpeaker(bus), RecordingAvatar(bus))
    troll = ChatMessage(nickname="트롤", text="도배", user_id="t1")
    fan = ChatMessage(nickname="팬", text="안녕", user_id="f1")
    only = p.add_reply(Reply("트롤님 안녕"), [troll], kind="chat")
    approved = p.add_reply(Reply("트롤님 또 안녕"), [troll], kind="chat")
    p.approve(approved.id)  # approved, not spoken yet (the pipeline is not running)
    mixed = p.add_reply(Reply("두 분 안녕"), [troll, fan], kind="chat")
    other = p.add_reply(Reply("팬님 안녕"), [fan], kind="chat")
    p.backlog.extend([ChatMessage(nickname="트롤", text="또 도배", user_id="t1"), fan])
    skipped, kept = p.drop_user("t1")
    assert skipped == [only, approved] and kept == [mixed]
    assert only.state is DraftState.SKIPPED and approved.state is DraftState.SKIPPED
    assert p.queue.pending == [mixed, other] and p.queue.approved == []
    assert [m.user_id for m in p.backlog] == ["f1"]
    assert sum(1 for e in bus.recent if e.kind is EventKind.SKIPPED) == 2  # panels and memory are told
    assert p.drop_user("") == ([], [])
