"""Turns out of a recording, and the recorded and the new ones lined up.

A *turn* is one answer to chat: a draft that answers chat messages (a chat reply, a donation's thanks,
a tarot reading, …), a chat message the chat filter held back (no answer: flagged), or a batch that got
no answer (the LLM failed or said nothing). Drafts that answer no chat (idle talk, run-sheet cues) are
not turns: a replay sends only the recorded chat.

The same function reads the recording and the replay's own events (both are the recorder's JSON), so
the two sides are measured the same way. Turns are matched by the chat they answer: a replay keeps
the recorded message ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

PUBLIC_MESSAGE_KEYS = ("id", "nickname", "text", "kind", "role", "user_id", "donation_amount",
                       "subscription_months", "subscription_tier", "filtered_reason")


@dataclass
class Turn:
    key: tuple[int, ...]  # the chat message ids it answers, in batch order
    t: float  # recording clock of its first chat message (orders the report)
    messages: list[dict[str, Any]]
    kind: str  # chat | thanks | tarot | … | filtered | failed | no_reply
    reply: str | None = None
    emotion: str | None = None
    flagged: bool = False
    filters: list[str] = field(default_factory=list)  # filter decisions, e.g. "chat: banned_word"
    llm_ms: float | None = None
    tokens: int | None = None
    decision: str = ""  # approved_human | approved_auto | edited | skipped_human | skipped_panic | …
    draft_id: int | None = None
    error: str = ""
    model: str = ""
    edited: str | None = None  # what the streamer changed the reply to before approving it


def _public(m: dict[str, Any]) -> dict[str, Any]:
    return {k: m.get(k) for k in PUBLIC_MESSAGE_KEYS if m.get(k) not in (None, "", [])}


def turns_from_events(events: Iterable[dict[str, Any]]) -> list[Turn]:
    """The turns of one show (recorded or replayed), in the order of the chat they answer."""
    msgs: dict[int, dict[str, Any]] = {}
    first_t: dict[int, float] = {}
    turns: list[Turn] = []
    drafts: dict[int, Turn] = {}
    batches: dict[int, tuple[int, ...]] = {}
    errors: dict[int, list[str]] = {}
    llm: dict[tuple[int, ...], dict[str, Any]] = {}
    answered: set[int] = set()
    for ev in events:
        k, d, t = ev.get("k"), ev.get("d") or {}, float(ev.get("t") or 0.0)
        if k == "chat_received":
            m = d.get("message") or {}
            mid = m.get("id")
            if not isinstance(mid, int):
                continue
            msgs[mid] = m
            first_t.setdefault(mid, t)
            if m.get("filtered_reason"):
                turns.append(Turn(key=(mid,), t=t, messages=[_public(m)], kind="filtered", flagged=True,
                                  filters=[f"chat: {m['filtered_reason']}"]))
        elif k == "batch_ready":
            ids = []
            for m in d.get("messages") or []:
                mid = m.get("id")
                if isinstance(mid, int):
                    msgs.setdefault(mid, m)
                    first_t.setdefault(mid, t)
                    ids.append(mid)
            if isinstance(ev.get("turn"), int):
                batches[ev["turn"]] = tuple(ids)
        elif k == "llm_failed" and isinstance(ev.get("turn"), int):
            errors.setdefault(ev["turn"], []).append(str(d.get("error") or ""))
        elif k == "llm_exchange":
            key = tuple(ev.get("o") or ())
            if not key or d.get("purpose") == "summary":
                continue
            x = llm.setdefault(key, {"ms": 0.0, "tokens": 0, "counted": False, "model": ""})
            x["ms"] += float(d.get("latency_s") or 0.0) * 1000
            usage = d.get("usage") or {}
            n = usage.get("total_tokens") or (usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))
            if n:
                x["tokens"] += int(n)
                x["counted"] = True
            x["model"] = str(d.get("model") or x["model"])
        elif k == "draft_created":
            dr = d.get("draft") or {}
            ids = tuple(i for i in dr.get("batch") or () if isinstance(i, int))
            if not ids:
                continue  # idle talk, a run-sheet cue: not an answer to chat
            reply = dr.get("reply") or {}
            turn = Turn(key=ids, t=min(first_t.get(i, t) for i in ids),
                        messages=[_public(msgs.get(i, {"id": i})) for i in ids], kind=str(dr.get("kind") or "reply"),
                        reply=str(dr.get("text") or ""), emotion=dr.get("emotion"), flagged=bool(dr.get("flagged")),
                        draft_id=dr.get("id"), model=str(reply.get("model") or ""))
            turn.filters = [f"chat: {msgs[i]['filtered_reason']}" for i in ids
                            if msgs.get(i, {}).get("filtered_reason")]
            if dr.get("flagged"):
                turn.filters.append(f"output: {dr['flagged']}")
            if dr.get("trimmed"):
                turn.filters.append("trimmed")
            x = llm.get(ids)
            if x is not None:
                turn.llm_ms = round(x["ms"], 1)
                turn.tokens = x["tokens"] if x["counted"] else None
                turn.model = turn.model or x["model"]
            elif reply.get("latency_s"):
                turn.llm_ms = round(float(reply["latency_s"]) * 1000, 1)
            turns.append(turn)
            answered.update(ids)
            if isinstance(dr.get("id"), int):
                drafts[dr["id"]] = turn
        elif k in ("approved", "skipped", "draft_updated"):
            turn = drafts.get((d.get("draft") or {}).get("id"))
            if turn is None:
                continue
            by = str(d.get("by") or ("auto" if d.get("auto") else "human"))
            if k == "approved":
                turn.decision = "edited" if turn.decision == "edited" else f"approved_{by}"
            elif k == "skipped":
                turn.decision = f"skipped_{by}"
            elif d.get("action") == "edited":
                turn.decision = "edited"
                turn.edited = str((d.get("draft") or {}).get("text") or "")
    seen: set[tuple[int, ...]] = set()
    for _n, ids in sorted(batches.items()):
        if not ids or ids in seen or any(i in answered for i in ids):
            continue
        seen.add(ids)
        errs = [e for m, ids2 in sorted(batches.items()) if ids2 == ids for e in errors.get(m, [])]  # every retry
        x = llm.get(ids)
        turns.append(Turn(key=ids, t=min(first_t.get(i, 0.0) for i in ids),
                          messages=[_public(msgs.get(i, {"id": i})) for i in ids],
                          kind="failed" if errs else "no_reply", error=errs[-1] if errs else "",
                          llm_ms=round(x["ms"], 1) if x else None))
    turns.sort(key=lambda tu: tu.t)
    return turns


def chat_text(messages: list[dict[str, Any]]) -> str:
    """The chat a turn answers, one ``nickname: text`` line per message."""
    lines = []
    for m in messages:
        who = m.get("nickname") or "?"
        lines.append(f"{who}: {m.get('text') or ''}")
    return "\n".join(lines)


def pct(xs: Iterable[float | None], p: float) -> float | None:
    """The p-th percentile (linear interpolation); None when there is nothing to measure."""
    s = sorted(x for x in xs if x is not None)
    if not s:
        return None
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return round(s[lo] + (s[hi] - s[lo]) * (k - lo), 1)


def _side(prefix: str, t: Turn | None) -> dict[str, Any]:
    if t is None:
        return {f"{prefix}_reply": None, f"{prefix}_emotion": None, f"{prefix}_flagged": None,
                f"{prefix}_filters": [], f"{prefix}_llm_ms": None, f"{prefix}_tokens": None, f"{prefix}_kind": None,
                f"{prefix}_decision": "", f"{prefix}_error": "", f"{prefix}_model": "", f"{prefix}_edited": None}
    return {f"{prefix}_reply": t.reply, f"{prefix}_emotion": t.emotion, f"{prefix}_flagged": t.flagged,
            f"{prefix}_filters": list(t.filters), f"{prefix}_llm_ms": t.llm_ms, f"{prefix}_tokens": t.tokens,
            f"{prefix}_kind": t.kind, f"{prefix}_decision": t.decision, f"{prefix}_error": t.error,
            f"{prefix}_model": t.model, f"{prefix}_edited": t.edited}


def compare(old: list[Turn], new: list[Turn]) -> list[dict[str, Any]]:
    """Recorded vs new, turn by turn (JSON-ready dicts, in the order of the recorded chat).

    A new turn is the one that answers the first of the recorded turn's messages; a new turn that
    answers chat of two recorded turns (batched differently) is shown with both (``batch_changed``);
    new turns with no recorded counterpart come last in their chat's place."""
    where: dict[int, int] = {}
    for j, t in enumerate(new):
        for mid in t.key:
            where.setdefault(mid, j)
    used: set[int] = set()
    rows: list[tuple[float, dict[str, Any]]] = []
    for o in old:
        j = next((where[m] for m in o.key if m in where), None)
        n = new[j] if j is not None else None
        if j is not None:
            used.add(j)
        rows.append((o.t, _row(o, n)))
    t_of = {m["id"]: o.t for o in old for m in o.messages if "id" in m}
    for j, n in enumerate(new):
        if j not in used:
            rows.append((min((t_of.get(i, float("inf")) for i in n.key), default=float("inf")), _row(None, n)))
    rows.sort(key=lambda r: r[0])
    out = []
    for i, (_t, r) in enumerate(rows, 1):
        out.append({"index": i, **r})
    return out


def _row(o: Turn | None, n: Turn | None) -> dict[str, Any]:
    base = o or n
    assert base is not None
    row: dict[str, Any] = {"chat": chat_text(base.messages), "messages": base.messages,
                           "message_ids": list(base.key), **_side("old", o), **_side("new", n)}
    row["batch_changed"] = o is not None and n is not None and tuple(o.key) != tuple(n.key)
    row["reply_changed"] = (row["old_reply"] or "") != (row["new_reply"] or "")
    row["emotion_changed"] = bool(o and n and o.emotion and n.emotion and o.emotion != n.emotion)
    return row


def summarize(turns: list[dict[str, Any]]) -> dict[str, Any]:
    """The report's top: counts, flag changes, latency p50/p90 old vs new, tokens."""
    both = [t for t in turns if t["old_kind"] is not None and t["new_kind"] is not None]

    def tokens(side: str) -> int | None:
        vals = [t[f"{side}_tokens"] for t in turns if t[f"{side}_tokens"] is not None]
        return sum(vals) if vals else None

    def latency(side: str) -> dict[str, Any]:
        ms = [t[f"{side}_llm_ms"] for t in turns if t[f"{side}_llm_ms"] is not None]
        return {"p50": pct(ms, 50), "p90": pct(ms, 90), "n": len(ms)}

    def models(side: str) -> list[str]:
        return sorted({t[f"{side}_model"] for t in turns if t[f"{side}_model"]})

    return {
        "turns": len(turns),
        "compared": len(both),
        "only_recorded": sum(1 for t in turns if t["new_kind"] is None),
        "only_new": sum(1 for t in turns if t["old_kind"] is None),
        "replies_changed": sum(1 for t in both if t["reply_changed"]),
        "emotions_changed": sum(1 for t in both if t["emotion_changed"]),
        "newly_flagged": sum(1 for t in both if t["new_flagged"] and not t["old_flagged"]),
        "no_longer_flagged": sum(1 for t in both if t["old_flagged"] and not t["new_flagged"]),
        "flagged_old": sum(1 for t in turns if t["old_flagged"]),
        "flagged_new": sum(1 for t in turns if t["new_flagged"]),
        "batch_changed": sum(1 for t in both if t["batch_changed"]),
        "new_errors": sum(1 for t in turns if t["new_error"]),
        "old_llm_ms": latency("old"),
        "new_llm_ms": latency("new"),
        "old_tokens": tokens("old"),
        "new_tokens": tokens("new"),
        "old_models": models("old"),
        "new_models": models("new"),
    }


def turn_dict(t: Turn) -> dict[str, Any]:
    return asdict(t)
