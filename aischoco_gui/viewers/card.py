"""What one turn's prompt gets about a viewer: a compact card within a token budget.

The card is data about a viewer, so ``llm/prompt.py`` puts it in the user message as escaped JSON
(never in the system message, never in conversation memory). ``greet`` is set once per show per viewer:
``first_time`` for a new viewer, ``returning`` for one seen in an earlier show; the persona greets then,
and not again on their later messages.
"""

from __future__ import annotations

import json
from typing import Any

from aischoco_gui.viewers.store import Card

FIRST_TIME = "first_time"
RETURNING = "returning"
MIN_BUDGET = 30


def estimate_tokens(text: str) -> int:
    """A conservative o200k estimate: ~1 token per Korean syllable (common words merge into fewer), ~2.5 ASCII
    characters per token (JSON punctuation and digits split finely). ``bench/viewer_memory.py`` checks it
    against the real tokenizer on thousands of cards (none over the budget)."""
    ascii_n = len(text.encode("ascii", "ignore"))  # in C: a card is estimated a few dozen times
    return (len(text) - ascii_n) + (2 * ascii_n + 4) // 5 + 1


def _json(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def ago(seconds: float) -> str:
    """'3일 전' — Korean, like the prompt around it."""
    s = max(0, int(seconds))
    if s < 3600:
        return f"{max(1, s // 60)}분 전"
    if s < 86400:
        return f"{s // 3600}시간 전"
    if s < 86400 * 60:
        return f"{s // 86400}일 전"
    if s < 86400 * 730:
        return f"{s // (86400 * 30)}개월 전"
    return f"{s // (86400 * 365)}년 전"


def previous_visit(card: Card, show: int) -> int | None:
    """When this viewer was last seen before the current show (None: never — a first-timer)."""
    return card.prev_seen if card.last_show == show else card.last_seen


def is_first_time(card: Card | None, show: int) -> bool:
    return card is None or previous_visit(card, show) is None


def prompt_card(card: Card | None, nickname: str, *, show: int, now: float, greet: bool,
                budget_tokens: int) -> dict[str, Any]:
    """The card as a small dict (short keys; values Korean where a human reads them), cut to the budget:
    the oldest facts go first, then the note is shortened; the nickname and greeting always stay."""
    out: dict[str, Any] = {"nick": nickname}
    first = is_first_time(card, show)
    if greet:
        out["greet"] = FIRST_TIME if first else RETURNING
    if card is None:
        return out
    prev = previous_visit(card, show)
    if prev is not None:
        out["last_visit"] = ago(now - prev)
        out["shows"] = card.shows if card.last_show == show else card.shows + 1
    out["messages"] = card.messages
    if card.donation_count:
        out["donated"] = f"₩{card.donation_total:,} ({card.donation_count}회)"
    if card.sub_months:
        tier = f"{card.sub_tier}단계 " if card.sub_tier and card.sub_tier > 1 else ""
        out["subscribed"] = f"{tier}{card.sub_months}개월"
    budget = max(MIN_BUDGET, budget_tokens)
    # One pass (a turn may carry five cards): what is always sent, then the note, then facts newest first.
    note = card.note
    facts = [f.text for f in reversed(card.facts)]
    used = estimate_tokens(_json(out))
    if note:
        room = budget - used - estimate_tokens('"note":"",')
        if estimate_tokens(note) > room:  # keep the start of the note
            keep = len(note)
            while keep > 3 and estimate_tokens(note[:keep]) + 1 > room:
                keep = keep * 3 // 4
            note = note[:keep].rstrip() + "…" if keep > 3 else ""
        if note:
            out["note"] = note
            used += estimate_tokens(f'"note":"{note}",')
    kept = []
    if facts:
        used += estimate_tokens('"facts":[],')
        for f in facts:
            cost = estimate_tokens(f) + 1  # its quotes and comma
            if used + cost > budget:
                break
            kept.append(f)
            used += cost
    if kept:
        out["facts"] = kept
    for k in ("subscribed", "donated", "shows", "messages", "last_visit"):  # only when the budget is tiny
        if estimate_tokens(_json(out)) <= budget:
            break
        out.pop(k, None)
    return out
