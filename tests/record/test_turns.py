"""Turns out of recorded events, and the recorded and new turns lined up (synthetic recordings)."""

from __future__ import annotations

import json

from aischoco_gui.record.format import load_recording
from aischoco_gui.record.turns import compare, summarize, turns_from_events


def msg(i: int, text: str, **kw) -> dict:
    return {"id": i, "nickname": f"n{i}", "text": text, "kind": "chat", **kw}


def ev(k: str, t: float, d: dict, turn: int | None = None, o: list[int] | None = None) -> dict:
    e = {"k": k, "t": t, "w": 1000 + t, "d": d}
    if turn is not None:
        e["turn"] = turn
    if o:
        e["o"] = o
    return e


def draft(i: int, batch: list[int], text: str, emotion: str = "happy", flagged: str | None = None,
          kind: str = "chat") -> dict:
    return {"draft": {"id": i, "batch": batch, "text": text, "emotion": emotion, "flagged": flagged, "kind": kind,
                      "reply": {"latency_s": 0.5, "model": "m"}}}


def exchange(ms: float, tokens: int, purpose: str = "reply") -> dict:
    return {"purpose": purpose, "latency_s": ms / 1000, "usage": {"total_tokens": tokens}, "model": "m"}


OLD = [
    ev("chat_received", 1.0, {"message": msg(1, "a")}),
    ev("chat_received", 1.1, {"message": msg(2, "b")}),
    ev("batch_ready", 1.2, {"messages": [msg(1, "a"), msg(2, "b")]}, turn=1, o=[1, 2]),
    ev("llm_exchange", 1.3, exchange(300, 100), turn=1, o=[1, 2]),
    ev("llm_exchange", 1.35, exchange(50, 40, purpose="summary"), o=[1, 2]),  # not the turn's cost
    ev("draft_created", 1.4, draft(10, [1, 2], "AB"), turn=1, o=[1, 2]),
    ev("approved", 1.5, {"draft": {"id": 10}, "auto": True, "by": "auto"}),
    ev("chat_received", 2.0, {"message": msg(3, "bad", filtered_reason="banned_word")}),
    ev("chat_received", 3.0, {"message": msg(4, "c")}),
    ev("batch_ready", 3.1, {"messages": [msg(4, "c")]}, turn=2, o=[4]),
    ev("llm_failed", 3.2, {"error": "HTTP 500"}, turn=2, o=[4]),
    ev("batch_ready", 4.1, {"messages": [msg(4, "c")]}, turn=3, o=[4]),
    ev("llm_failed", 4.2, {"error": "HTTP 503"}, turn=3, o=[4]),
    ev("chat_received", 5.0, {"message": msg(5, "d")}),
    ev("draft_created", 5.5, draft(11, [], "idle talk", kind="idle_talk")),  # answers no chat: not a turn
    ev("batch_ready", 5.1, {"messages": [msg(5, "d")]}, turn=4, o=[5]),
    ev("llm_exchange", 5.2, exchange(200, 90), turn=4, o=[5]),
    ev("draft_created", 5.3, draft(12, [5], "D", flagged="banned word: x"), turn=4, o=[5]),
    ev("skipped", 5.4, {"draft": {"id": 12}, "by": "panic"}),
]


def test_turns_from_a_recording():
    turns = turns_from_events(OLD)
    assert [(t.key, t.kind, t.reply, t.flagged, t.decision) for t in turns] == [
        ((1, 2), "chat", "AB", False, "approved_auto"),
        ((3,), "filtered", None, True, ""),
        ((4,), "failed", None, False, ""),
        ((5,), "chat", "D", True, "skipped_panic"),
    ]
    assert turns[0].llm_ms == 300.0 and turns[0].tokens == 100  # the summary call is not counted
    assert turns[1].filters == ["chat: banned_word"] and turns[3].filters == ["output: banned word: x"]
    assert turns[2].error == "HTTP 503"


def test_matching_by_chat_and_a_different_batching():
    new = [  # the new run answered 1 alone and 2 with 4, let 3 through, and never answered 5
        ev("chat_received", 10.0, {"message": msg(1, "a")}),
        ev("batch_ready", 10.1, {"messages": [msg(1, "a")]}, turn=1, o=[1]),
        ev("draft_created", 10.2, draft(20, [1], "A!", emotion="sad"), turn=1, o=[1]),
        ev("chat_received", 10.3, {"message": msg(2, "b")}),
        ev("chat_received", 10.4, {"message": msg(3, "bad")}),
        ev("chat_received", 10.5, {"message": msg(4, "c")}),
        ev("batch_ready", 10.6, {"messages": [msg(2, "b"), msg(3, "bad"), msg(4, "c")]}, turn=2, o=[2, 3, 4]),
        ev("draft_created", 10.7, draft(21, [2, 3, 4], "BC!"), turn=2, o=[2, 3, 4]),
    ]
    rows = compare(turns_from_events(OLD), turns_from_events(new))
    got = [(r["message_ids"], r["old_reply"], r["new_reply"], r["old_flagged"], r["new_flagged"], r["batch_changed"])
           for r in rows]
    assert got == [
        ([1, 2], "AB", "A!", False, False, True),
        ([3], None, "BC!", True, False, True),
        ([4], None, "BC!", False, False, True),
        ([5], "D", None, True, None, False),
    ]
    s = summarize(rows)
    assert (s["turns"], s["compared"], s["only_recorded"], s["no_longer_flagged"], s["emotions_changed"]) == \
        (4, 3, 1, 1, 1)
    assert s["old_llm_ms"] == {"p50": 250.0, "p90": 290.0, "n": 2} and s["old_tokens"] == 190


def test_a_cut_last_line_is_skipped_not_fatal(tmp_path):
    p = tmp_path / "s.jsonl"
    lines = [json.dumps({"format": "aischoco-show", "version": 1, "show": "s", "part": 1}),
             json.dumps(ev("chat_received", 1.0, {"message": msg(1, "a")}), ensure_ascii=False)]
    p.write_bytes(("\n".join(lines) + "\n").encode() + b'{"k":"chat_rec')
    r = load_recording(p)
    assert len(r.events) == 1 and r.damaged == 1
