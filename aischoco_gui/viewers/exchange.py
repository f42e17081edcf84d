"""The viewer cards as one JSON file (``aischoco viewers export`` / ``import``), checked strictly.

    {"format": "aischoco-viewers", "version": 1, "exported_at": "2026-…Z",
     "viewers": [{"id": "chzzk:…", "nicknames": ["latest", …], "first_seen": 1760000000, "last_seen": …,
                  "previous_visit": … | null, "shows": 3, "messages": 120, "donation_total": 15000,
                  "donation_count": 3, "subscription": {"tier": 1, "tier_name": "…", "months": 6} | null,
                  "note": "…", "pinned": false, "facts": [{"text": "…", "at": 1760000000, "source": "…"}]}]}

Times are epoch seconds. An import is all or nothing: every problem is found first (with where it is,
e.g. ``viewers[3].facts[0].text``) and nothing is written unless the whole file is valid; a card with
the same id is replaced.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from aischoco_gui.viewers.keys import valid_key
from aischoco_gui.viewers.store import MAX_FACTS, MAX_NICKNAMES, MAX_NOTE_CHARS, Card, Fact

FORMAT = "aischoco-viewers"
VERSION = 1
MAX_TEXT = 1000  # any one string in the file


class ImportProblem(ValueError):
    """The file is not a viewers export (the message names the place)."""


def card_to_json(c: Card) -> dict[str, Any]:
    return {
        "id": c.key, "nicknames": c.nicknames or ([c.nickname] if c.nickname else []),
        "first_seen": c.first_seen, "last_seen": c.last_seen, "previous_visit": c.prev_seen, "shows": c.shows,
        "messages": c.messages, "donation_total": c.donation_total, "donation_count": c.donation_count,
        "subscription": ({"tier": c.sub_tier, "tier_name": c.sub_tier_name, "months": c.sub_months}
                         if c.sub_months or c.sub_tier else None),
        "note": c.note, "pinned": c.pinned,
        "facts": [{"text": f.text, "at": f.at, "source": f.source} for f in c.facts],
    }


def export_document(cards: Iterable[Card], now: float | None = None) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION,
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "viewers": [card_to_json(c) for c in cards]}


def _int(v: Any, where: str, *, minimum: int = 0, optional: bool = False) -> int | None:
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ImportProblem(f"{where}: must be a whole number ≥ {minimum}" + (" or null" if optional else ""))
    return v


def _str(v: Any, where: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(v, str):
        raise ImportProblem(f"{where}: must be a string")
    if len(v) > limit:
        raise ImportProblem(f"{where}: longer than {limit} characters")
    return v


def parse_document(doc: Any) -> list[Card]:
    """The cards of an export file; raises :class:`ImportProblem` at the first thing that is wrong."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ImportProblem(f'not an aischoco viewers export (needs "format": "{FORMAT}")')
    if doc.get("version") != VERSION:
        raise ImportProblem(f"version {doc.get('version')!r} is not supported (this app reads {VERSION})")
    rows = doc.get("viewers")
    if not isinstance(rows, list):
        raise ImportProblem('"viewers": must be a list')
    cards: list[Card] = []
    seen: set[str] = set()
    for i, v in enumerate(rows):
        w = f"viewers[{i}]"
        if not isinstance(v, dict):
            raise ImportProblem(f"{w}: must be an object")
        key = _str(v.get("id"), f"{w}.id", 200)
        if not valid_key(key):
            raise ImportProblem(f"{w}.id: must look like platform:id (e.g. chzzk:abc123), got {key!r}")
        if key in seen:
            raise ImportProblem(f"{w}.id: {key} appears twice")
        seen.add(key)
        names = v.get("nicknames", [])
        if not isinstance(names, list):
            raise ImportProblem(f"{w}.nicknames: must be a list of strings")
        nicknames = [_str(n, f"{w}.nicknames[{j}]", 100) for j, n in enumerate(names)][:MAX_NICKNAMES]
        first = _int(v.get("first_seen"), f"{w}.first_seen")
        last = _int(v.get("last_seen"), f"{w}.last_seen")
        if last < first:
            raise ImportProblem(f"{w}.last_seen: before first_seen")
        sub = v.get("subscription")
        tier = months = None
        tier_name = ""
        if sub is not None:
            if not isinstance(sub, dict):
                raise ImportProblem(f"{w}.subscription: must be an object or null")
            tier = _int(sub.get("tier"), f"{w}.subscription.tier", minimum=1, optional=True)
            months = _int(sub.get("months"), f"{w}.subscription.months", minimum=1, optional=True)
            tier_name = _str(sub.get("tier_name", ""), f"{w}.subscription.tier_name", 100)
        pinned = v.get("pinned", False)
        if not isinstance(pinned, bool):
            raise ImportProblem(f"{w}.pinned: must be true or false")
        raw_facts = v.get("facts", [])
        if not isinstance(raw_facts, list):
            raise ImportProblem(f"{w}.facts: must be a list")
        facts = []
        for j, f in enumerate(raw_facts):
            fw = f"{w}.facts[{j}]"
            if not isinstance(f, dict):
                raise ImportProblem(f"{fw}: must be an object")
            facts.append(Fact(_str(f.get("text"), f"{fw}.text"), _int(f.get("at"), f"{fw}.at"),
                              _str(f.get("source", ""), f"{fw}.source")))
        cards.append(Card(
            id=0, key=key, nickname=nicknames[0] if nicknames else "", first_seen=first, last_seen=last,
            prev_seen=_int(v.get("previous_visit"), f"{w}.previous_visit", optional=True),
            shows=_int(v.get("shows", 1), f"{w}.shows", minimum=1), last_show=0,
            messages=_int(v.get("messages", 0), f"{w}.messages"),
            donation_total=_int(v.get("donation_total", 0), f"{w}.donation_total"),
            donation_count=_int(v.get("donation_count", 0), f"{w}.donation_count"),
            sub_tier=tier, sub_tier_name=tier_name, sub_months=months,
            note=_str(v.get("note", ""), f"{w}.note", MAX_NOTE_CHARS), pinned=pinned,
            nicknames=nicknames, facts=facts[-MAX_FACTS:]))
    return cards
