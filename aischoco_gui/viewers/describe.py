"""A card as lines of text for people (the command line prints them, the viewers panel shows them)."""

from __future__ import annotations

import time

from aischoco_gui.i18n import tr
from aischoco_gui.viewers import strings  # noqa: F401  (registers the labels)
from aischoco_gui.viewers.store import Card


def day(t: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else tr("viewers.card.none")


def card_lines(c: Card) -> list[tuple[str, str]]:
    """(label, value) lines of a card, in the UI language."""
    none = tr("viewers.card.none")
    sub = (tr("viewers.card.sub_value", tier=c.sub_tier or 1, name=c.sub_tier_name, months=c.sub_months or 0)
           if c.sub_months else none)
    don = (tr("viewers.card.donation_value", total=c.donation_total, count=c.donation_count)
           if c.donation_count else none)
    return [
        (tr("viewers.card.id"), c.key),
        (tr("viewers.card.nicknames"), ", ".join(c.nicknames or [c.nickname])),
        (tr("viewers.card.first_seen"), day(c.first_seen)),
        (tr("viewers.card.last_seen"), day(c.last_seen)),
        (tr("viewers.card.shows"), str(c.shows)),
        (tr("viewers.card.messages"), str(c.messages)),
        (tr("viewers.card.donations"), don),
        (tr("viewers.card.subscription"), sub),
        (tr("viewers.card.pinned"), tr("viewers.card.yes") if c.pinned else tr("viewers.card.no")),
        (tr("viewers.card.note"), c.note or none),
    ]


def summary_lines(c: Card) -> list[str]:
    """The card in three or four short lines (the viewers panel, where height is scarce)."""
    out = [tr("viewers.card.line_id", nick=c.nickname or c.platform_id, id=c.key)
           + (f" · {tr('viewers.card.rehearsal')}" if c.rehearsal else "")]
    if len(c.nicknames) > 1:
        out.append(f"{tr('viewers.card.nicknames')}: {', '.join(c.nicknames)}")
    out.append(tr("viewers.card.line_visits", first=day(c.first_seen)[:10], last=day(c.last_seen)[:10],
                  shows=c.shows, messages=c.messages))
    money = []
    if c.donation_count:
        money.append(f"{tr('viewers.card.donations')} "
                     + tr("viewers.card.donation_value", total=c.donation_total, count=c.donation_count))
    if c.sub_months:
        money.append(f"{tr('viewers.card.subscription')} "
                     + tr("viewers.card.sub_value", tier=c.sub_tier or 1, name=c.sub_tier_name, months=c.sub_months))
    if money:
        out.append(" · ".join(money))
    return out


def fact_line(text: str, at: int, source: str) -> str:
    when = time.strftime("%Y-%m-%d", time.localtime(at))
    if source:
        return tr("viewers.card.fact_line", text=text, when=when, source=source)
    return tr("viewers.card.fact_typed", text=text, when=when)
