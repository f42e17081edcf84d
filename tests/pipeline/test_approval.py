import pytest

from aischoco_gui.models import ChatMessage, Reply
from aischoco_gui.pipeline.approval import ApprovalError, ApprovalQueue, Draft, DraftState


def draft(text="안녕!", emotion="happy", flagged=None, t=0.0):
    d = Draft(reply=Reply(text=text, emotion=emotion, flagged=flagged), batch=[ChatMessage("a", "hi")], turn=1)
    d.created_at = t
    return d


def test_manual_approve_in_order():
    q = ApprovalQueue()
    a, b = q.add(draft("a")), q.add(draft("b"))
    assert [d.state for d in (a, b)] == [DraftState.PENDING] * 2
    q.approve(b.id, now=1.0)
    assert q.pending == [a] and q.approved == [b] and b.state is DraftState.APPROVED and not b.auto
    assert q.take_approved() is b and b.state is DraftState.SPEAKING
    q.finish(b)
    assert b.state is DraftState.DONE and q.take_approved() is None


def test_edit_changes_text_and_version_and_rejects_empty():
    q = ApprovalQueue()
    d = q.add(draft("원래 답변"))
    q.edit(d.id, "  고친 답변  ", "sad")
    assert (d.text, d.emotion, d.edited, d.version) == ("고친 답변", "sad", True, 1)
    assert d.sentences == ["고친 답변"]
    q.edit(d.id, "고친 답변")  # no change → no new version
    assert d.version == 1
    with pytest.raises(ApprovalError):
        q.edit(d.id, "   ")


def test_skip_and_reorder():
    q = ApprovalQueue()
    a, b, c = (q.add(draft(x)) for x in "abc")
    q.move(c.id, 0)
    assert q.pending == [c, a, b]
    q.move(c.id, 99)
    assert q.pending == [a, b, c]
    q.skip(b.id)
    assert q.pending == [a, c] and b.state is DraftState.SKIPPED
    with pytest.raises(ApprovalError):
        q.approve(b.id)


def test_auto_mode_approves_immediately_but_not_flagged():
    q = ApprovalQueue(mode="auto")
    a = q.add(draft("ok"))
    f = q.add(draft("bad word", flagged="banned word: bad"))
    assert a.state is DraftState.APPROVED and a.auto
    assert f.state is DraftState.PENDING
    assert q.tick(now=1e9) == []  # flagged never auto-approves
    with pytest.raises(ApprovalError):
        q.approve(f.id, auto=True)
    q.approve(f.id)  # a human may approve it
    assert f.state is DraftState.APPROVED


def test_auto_after_timer():
    q = ApprovalQueue(mode="manual", auto_after_s=5)
    d = q.add(draft(t=100.0))
    assert q.seconds_left(d, now=102.0) == pytest.approx(3.0)
    assert q.tick(now=104.9) == []
    assert q.tick(now=105.0) == [d] and d.auto
    assert q.seconds_left(d) is None


def test_switching_to_auto_approves_waiting_drafts():
    q = ApprovalQueue()
    a, b = q.add(draft("a")), q.add(draft("b"))
    q.set_mode("auto")
    assert q.approved == [a, b]


def test_panic_clear_drops_pending_and_approved():
    q = ApprovalQueue()
    a, b = q.add(draft("a")), q.add(draft("b"))
    q.approve(a.id)
    seen = []
    q.listen(lambda action, d: seen.append((action, d.id)))
    dropped = q.clear()
    assert {d.id for d in dropped} == {a.id, b.id} and not q.pending and not q.approved
    assert all(d.state is DraftState.SKIPPED for d in dropped)
    assert sorted(seen) == sorted([("skipped", a.id), ("skipped", b.id)])


def test_cannot_approve_empty_text():
    q = ApprovalQueue()
    d = q.add(draft("x"))
    d.text = ""
    with pytest.raises(ApprovalError):
        q.approve(d.id)
