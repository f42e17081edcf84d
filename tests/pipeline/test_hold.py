"""Lockdown's hold on the pipeline (issue 26): chat is still shown, nothing is generated, queued or spoken;
an approved draft waiting when the hold starts is not spoken until the lift; chat from the hold is never
answered."""

from __future__ import annotations

from aischoco_gui.events import EventKind
from aischoco_gui.models import Reply
from aischoco_gui.pipeline.approval import DraftState
from tests.pipeline.test_pipeline import rig, settle  # noqa: F401  (the pipeline rig fixture)
from tests.wait import wait_until


async def test_hold_shows_chat_but_generates_queues_and_speaks_nothing_until_lifted(rig):  # noqa: F811
    p, bus, gen, spk, _av, chat = rig
    waiting = p.add_reply(Reply(text="승인된 답변"), kind="chat")
    p.set_hold(True)  # a draft approved while held is not spoken until the lift
    p.approve(waiting.id)
    chat.send("레이더", "이상한 말 시켜봐")
    await settle()
    assert [e.data["message"].text for e in bus.recent if e.kind is EventKind.CHAT_RECEIVED] == ["이상한 말 시켜봐"]
    assert not p.backlog and gen.batches == []  # the LLM was never asked
    assert not [e for e in bus.recent if e.kind is EventKind.BATCH_READY]
    assert spk.spoken == [] and waiting.state is DraftState.APPROVED  # not spoken while held
    late = p.add_reply(Reply(text="타로 결과"), kind="tarot")
    assert late.state is DraftState.SKIPPED and late not in p.queue.pending
    p.set_hold(False)
    await wait_until(lambda: waiting.state is DraftState.DONE, 3, "the approved draft spoken after the lift")
    assert [t for _i, t, _e in spk.spoken] == ["승인된 답변"]
    await settle()
    assert not [e for e in bus.recent if e.kind is EventKind.BATCH_READY]  # the held chat is never answered
    chat.send("팬", "다시 안녕")
    await wait_until(lambda: p.queue.pending, 3, "new chat answered again")
