"""Our own card art: every face is generated SVG (geometric motifs per suit / arcana), no copied images."""

from __future__ import annotations

import math
from functools import cache, lru_cache
from xml.sax.saxutils import escape

from aischoco_gui.tarot.cards import DECK, Card

W, H = 120, 200
SUIT_COLORS = {"wands": ("#7a2e12", "#e0823d"), "cups": ("#123f6e", "#4aa3df"),
               "swords": ("#2d3440", "#a9b7c9"), "pentacles": ("#2f4a17", "#c9b53d")}
MAJOR_COLORS = ("#2b1650", "#c9a0ff")
ROMAN = ["0", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
         "XVI", "XVII", "XVIII", "XIX", "XX", "XXI"]
COURT = {11: "P", 12: "N", 13: "Q", 14: "K"}


def _star(cx: float, cy: float, r_out: float, r_in: float, points: int, rot: float = -90) -> str:
    pts = []
    for i in range(points * 2):
        r = r_out if i % 2 == 0 else r_in
        a = math.radians(rot + i * 180 / points)
        pts.append(f"{cx + r * math.cos(a):.1f},{cy + r * math.sin(a):.1f}")
    return " ".join(pts)


def _pip(suit: str, x: float, y: float, s: float, fg: str) -> str:
    if suit == "wands":
        return (f'<rect x="{x - s * 0.12:.1f}" y="{y - s:.1f}" width="{s * 0.24:.1f}" height="{s * 2:.1f}" rx="2" '
                f'fill="{fg}"/><circle cx="{x:.1f}" cy="{y - s:.1f}" r="{s * 0.28:.1f}" fill="{fg}"/>')
    if suit == "cups":
        return (f'<path d="M{x - s * 0.7:.1f},{y - s * 0.6:.1f} Q{x:.1f},{y + s * 0.9:.1f} {x + s * 0.7:.1f},'
                f'{y - s * 0.6:.1f} Z" fill="{fg}"/><rect x="{x - s * 0.1:.1f}" y="{y + s * 0.1:.1f}" '
                f'width="{s * 0.2:.1f}" height="{s * 0.6:.1f}" fill="{fg}"/><rect x="{x - s * 0.4:.1f}" '
                f'y="{y + s * 0.7:.1f}" width="{s * 0.8:.1f}" height="{s * 0.15:.1f}" fill="{fg}"/>')
    if suit == "swords":
        return (f'<path d="M{x:.1f},{y - s:.1f} L{x + s * 0.15:.1f},{y + s * 0.5:.1f} L{x - s * 0.15:.1f},'
                f'{y + s * 0.5:.1f} Z" fill="{fg}"/><rect x="{x - s * 0.45:.1f}" y="{y + s * 0.5:.1f}" '
                f'width="{s * 0.9:.1f}" height="{s * 0.14:.1f}" fill="{fg}"/><rect x="{x - s * 0.08:.1f}" '
                f'y="{y + s * 0.64:.1f}" width="{s * 0.16:.1f}" height="{s * 0.36:.1f}" fill="{fg}"/>')
    return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{s * 0.75:.1f}" fill="none" stroke="{fg}" stroke-width="2"/>'
            f'<polygon points="{_star(x, y, s * 0.65, s * 0.26, 5)}" fill="{fg}"/>')


def _pip_layout(n: int) -> list[tuple[float, float]]:
    cols = 1 if n <= 3 else 2 if n <= 8 else 3
    rows = math.ceil(n / cols)
    out = []
    for i in range(n):
        r, c = divmod(i, cols)
        in_row = min(cols, n - r * cols)
        x = W / 2 + (c - (in_row - 1) / 2) * 30
        y = 100 + (r - (rows - 1) / 2) * (110 / max(rows, 1)) * 0.8
        out.append((x, y))
    return out


def _major_motif(card: Card, fg: str) -> str:
    i = card.rank
    parts = [f'<circle cx="60" cy="96" r="38" fill="none" stroke="{fg}" stroke-opacity="0.5" stroke-width="1.5"/>']
    points = 3 + (i % 7)
    parts.append(f'<polygon points="{_star(60, 96, 32, 13 + (i % 4) * 3, points, rot=-90 + i * 7)}" '
                 f'fill="{fg}" fill-opacity="0.85"/>')
    for k in range(i % 5 + 1):  # small orbiting moons make each major distinct
        a = math.radians(-90 + k * 360 / (i % 5 + 1) + i * 11)
        parts.append(f'<circle cx="{60 + 46 * math.cos(a):.1f}" cy="{96 + 46 * math.sin(a):.1f}" r="4" fill="{fg}"/>')
    parts.append(f'<circle cx="60" cy="96" r="6" fill="{MAJOR_COLORS[0]}" stroke="{fg}" stroke-width="2"/>')
    return "".join(parts)


@cache
def card_svg(index: int) -> str:
    """The face of card ``index`` (0–77) as a standalone SVG document."""
    card = DECK[index]
    bg, fg = MAJOR_COLORS if card.arcana == "major" else SUIT_COLORS[card.suit]
    if card.arcana == "major":
        corner = ROMAN[card.rank]
        motif = _major_motif(card, fg)
    else:
        corner = COURT.get(card.rank, "A" if card.rank == 1 else str(card.rank))
        if card.rank in COURT:
            motif = (f'<polygon points="38,70 48,86 60,64 72,86 82,70 78,100 42,100" fill="{fg}"/>'
                     + _pip(card.suit, 60, 128, 16, fg))
        else:
            motif = "".join(_pip(card.suit, x, y, 12 if card.rank > 1 else 26, fg)
                            for x, y in _pip_layout(card.rank))
    name = escape(card.name_ko)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="{bg}"/>'
        f'<stop offset="1" stop-color="#0d0a14"/></linearGradient></defs>'
        f'<rect x="1" y="1" width="{W - 2}" height="{H - 2}" rx="10" fill="url(#g)" stroke="{fg}" stroke-width="2"/>'
        f'<rect x="7" y="7" width="{W - 14}" height="{H - 14}" rx="7" fill="none" stroke="{fg}" stroke-opacity="0.4"/>'
        f'<text x="60" y="28" text-anchor="middle" font-family="serif" font-size="16" fill="{fg}">{corner}</text>'
        f'{motif}'
        f'<text x="60" y="182" text-anchor="middle" font-family="sans-serif" font-size="12" '
        f'fill="#f3ecff">{name}</text>'
        f'</svg>'
    )


@lru_cache(maxsize=1)
def back_svg() -> str:
    """The shared card back."""
    rings = "".join(f'<circle cx="60" cy="100" r="{r}" fill="none" stroke="#c9a0ff" '
                    f'stroke-opacity="{0.2 + r / 120:.2f}"/>' for r in (12, 24, 36, 48))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}">'
        f'<rect x="1" y="1" width="{W - 2}" height="{H - 2}" rx="10" fill="#1d1233" stroke="#c9a0ff" stroke-width="2"/>'
        f'<rect x="8" y="8" width="{W - 16}" height="{H - 16}" rx="7" fill="none" stroke="#c9a0ff" '
        f'stroke-opacity="0.5"/>'
        f'{rings}<polygon points="{_star(60, 100, 22, 9, 8)}" fill="#c9a0ff"/>'
        f'<polygon points="{_star(60, 30, 7, 3, 4)}" fill="#c9a0ff" fill-opacity="0.7"/>'
        f'<polygon points="{_star(60, 170, 7, 3, 4)}" fill="#c9a0ff" fill-opacity="0.7"/>'
        f'</svg>'
    )
