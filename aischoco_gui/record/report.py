"""The replay report: one self-contained HTML file (inline CSS and SVG, no script, no network) and JSON.

Every recorded or viewer-written text is HTML-escaped (viewer text is hostile data). The window's
QTextBrowser does not draw inline SVG, so :func:`render_html` can name an image resource for the plot
instead (``plot_src``); the window renders :func:`latency_svg` into that resource.
"""

from __future__ import annotations

import html
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from aischoco_gui import __version__
from aischoco_gui.i18n import all_keys, language, tr
from aischoco_gui.paths import atomic_write_text
from aischoco_gui.record import strings as _strings  # noqa: F401  (registers the UI text)

REPORT_FORMAT = "aischoco-replay"
REPORT_VERSION = 1
OLD_COLOUR, NEW_COLOUR = "#8a8f98", "#2f6fdf"
EMOJI = {"happy": "😊", "sad": "😢", "angry": "😠", "surprised": "😲", "neutral": "😐", "excited": "🤩"}

CSS = """
body{font-family:"Malgun Gothic","Apple SD Gothic Neo","Noto Sans CJK KR","Noto Sans KR",sans-serif;margin:24px;
color:#1d2430;background:#fff;font-size:14px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px}
.meta{color:#5b6270;margin:0 0 14px}
table{border-collapse:collapse;width:100%}
table.sum{width:auto;min-width:520px}
.cards{margin:0 0 12px}
.card{display:inline-block;border:1px solid #d9dde3;border-radius:8px;padding:8px 14px;margin:0 8px 8px 0;
min-width:110px}
.card b{display:block;font-size:22px}
.card.hot{border-color:#e6a23c;background:#fff8e6}
th,td{border:1px solid #d9dde3;padding:6px 8px;vertical-align:top;text-align:left}
th{background:#f2f4f7}
.sum td.n{text-align:right;font-variant-numeric:tabular-nums}
.turns td.idx{width:32px;text-align:right;color:#5b6270}
.turns td.chat{width:24%;white-space:pre-wrap}
.turns td.old{background:#fafafa}
.reply{white-space:pre-wrap}
.edit{color:#2f6f3f}
.tag{display:inline-block;font-size:12px;border-radius:9px;padding:0 7px;margin:2px 0 0 0;background:#eef0f3;
color:#3a4150}
.flag{background:#fde2e1;color:#a3201a;font-weight:bold}
.chg{background:#fff4cc}
.muted{color:#8a8f98}
.warn{background:#fff4cc;border:1px solid #e6c84f;padding:8px 10px;margin:10px 0}
footer{margin-top:24px;color:#8a8f98;font-size:12px}
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _ms(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f} ms"


def _when(wall: float | None) -> str:
    return datetime.fromtimestamp(wall).strftime("%Y-%m-%d %H:%M:%S") if wall else "—"


def _nice(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least ``x`` (an axis step)."""
    x = max(x, 0.1)
    k = 10 ** math.floor(math.log10(x))
    return next(m * k for m in (1, 2, 2.5, 5, 10) if m * k >= x)


def latency_svg(turns: list[dict[str, Any]], width: int = 900, height: int = 220) -> str:
    """Old (grey) and new (blue) LLM latency per turn as an inline SVG line chart."""
    pts = [(t["index"], t.get("old_llm_ms"), t.get("new_llm_ms")) for t in turns]
    vals = [v for _, a, b in pts for v in (a, b) if v is not None]
    left, right, top, bottom = 56, 16, 30, 30
    w, h = width - left - right, height - top - bottom
    step = _nice((max(vals) if vals else 1.0) / 4)
    ymax = step * 4
    n = max(len(pts), 2)

    def x(i: int) -> float:
        return left + (i - 1) * w / (n - 1)

    def y(v: float) -> float:
        return top + h - v / ymax * h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    digits = 0 if step >= 1 else 1
    for k in range(5):
        v = step * k
        yy = y(v)
        out.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{width - right}" y2="{yy:.1f}" stroke="#e3e6ea"/>')
        out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" fill="#5b6270">{v:,.{digits}f}</text>')
    step = max(1, round(len(pts) / 10))
    for i, _, _ in pts[::step]:
        out.append(f'<text x="{x(i):.1f}" y="{height - 10}" text-anchor="middle" fill="#5b6270">{i}</text>')
    for col, series in ((OLD_COLOUR, 1), (NEW_COLOUR, 2)):  # turns without an LLM call (filtered) are skipped
        seg = [f"{x(p[0]):.1f},{y(p[series]):.1f}" for p in pts if p[series] is not None]
        if len(seg) > 1:
            out.append(f'<polyline fill="none" stroke="{col}" stroke-width="2" points="{" ".join(seg)}"/>')
        if len(pts) <= 200:
            for p in pts:
                if p[series] is not None:
                    out.append(f'<circle cx="{x(p[0]):.1f}" cy="{y(p[series]):.1f}" r="3" fill="{col}"/>')
    lx, ly = left, 6
    out.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{OLD_COLOUR}"/>'
               f'<text x="{lx + 14}" y="{ly + 9}" fill="#1d2430">{_e(tr("report.before"))}</text>')
    out.append(f'<rect x="{lx + 130}" y="{ly}" width="10" height="10" fill="{NEW_COLOUR}"/>'
               f'<text x="{lx + 144}" y="{ly + 9}" fill="#1d2430">{_e(tr("report.after"))}</text>')
    out.append("</svg>")
    return "".join(out)


def _who(m: dict[str, Any]) -> str:
    tags = []
    kind = m.get("kind")
    if m.get("donation_amount") is not None:
        tags.append(tr("report.donation", amount=f"{m['donation_amount']:,}"))
    elif kind == "subscription":
        tags.append(tr("report.subscription"))
    elif kind == "director":
        tags.append(tr("report.director"))
    elif kind == "voice":
        tags.append(tr("report.voice"))
    tag = "".join(f'<span class="tag">{_e(t)}</span>' for t in tags)
    return f"<b>{_e(m.get('nickname') or '?')}</b> {tag}<br>{_e(m.get('text'))}"


def filter_text(decision: str) -> str:
    """``chat: banned_word`` with the chat filter's own words for the reason, where the app registered them."""
    head, sep, reason = decision.partition(": ")
    if sep and head == "chat" and f"filter.reason.{reason}" in all_keys():
        return f"{tr('report.chat')}: {tr(f'filter.reason.{reason}')}"
    return decision


def _side(t: dict[str, Any], side: str) -> str:
    kind = t[f"{side}_kind"]
    if kind is None:
        return f'<span class="muted">{_e(tr("report.not_recorded" if side == "old" else "report.not_replayed"))}</span>'
    reply = t[f"{side}_reply"]
    parts = []
    if reply:
        parts.append(f'<div class="reply">{_e(reply)}</div>')
    else:
        parts.append(f'<div class="muted">{_e(tr("report.no_reply"))}</div>')
    if t.get(f"{side}_edited"):
        parts.append(f'<div class="reply edit">✎ {_e(t[f"{side}_edited"])}</div>')
    tags = []
    emo = t[f"{side}_emotion"]
    if emo:
        cls = "tag chg" if t["emotion_changed"] else "tag"
        tags.append(f'<span class="{cls}">{EMOJI.get(emo, "")} {_e(emo)}</span>')
    if t[f"{side}_llm_ms"] is not None:
        tags.append(f'<span class="tag">{_e(_ms(t[f"{side}_llm_ms"]))}</span>')
    if t[f"{side}_tokens"] is not None:
        tags.append(f'<span class="tag">{t[f"{side}_tokens"]:,} tok</span>')
    for f in t[f"{side}_filters"]:
        cls = "tag flag" if (f.startswith(("chat:", "output:"))) else "tag"
        tags.append(f'<span class="{cls}">🚩 {_e(filter_text(f))}</span>')
    if t[f"{side}_flagged"] and not t[f"{side}_filters"]:
        tags.append(f'<span class="tag flag">🚩 {_e(tr("report.flagged"))}</span>')
    decision = t[f"{side}_decision"]
    if decision:
        tags.append(f'<span class="tag">{_e(tr("report.decision." + decision))}</span>')
    if t[f"{side}_error"]:
        tags.append(f'<span class="tag flag">{_e(tr("report.error"))}: {_e(t[f"{side}_error"][:200])}</span>')
    if side == "new" and t["batch_changed"]:
        tags.append(f'<span class="tag chg">{_e(tr("report.batch_changed"))}</span>')
    parts.append("<div>" + " &nbsp;".join(tags) + "</div>")  # the space: Qt's rich text ignores span margins
    return "".join(parts)


def render_html(result: dict[str, Any], plot_src: str | None = None) -> str:
    """The report page. ``plot_src``: use ``<img src=…>`` for the latency plot instead of inline SVG."""
    s = result["summary"]
    turns = result["turns"]
    head = result.get("recording_header") or {}
    o, n = s["old_llm_ms"], s["new_llm_ms"]
    speed = result.get("speed")
    speed_text = tr("report.speed_turns") if not speed else f"{speed:g}×"
    models = f"{', '.join(s['old_models']) or '—'} → {', '.join(s['new_models']) or '—'}"
    cards = [(tr("report.turns"), s["turns"], False), (tr("report.replies_changed"), s["replies_changed"], False),
             (tr("report.emotions_changed"), s["emotions_changed"], s["emotions_changed"] > 0),
             (tr("report.newly_flagged"), s["newly_flagged"], s["newly_flagged"] > 0),
             (tr("report.no_longer_flagged"), s["no_longer_flagged"], s["no_longer_flagged"] > 0)]
    out = [f'<!DOCTYPE html><html lang="{language()}"><head><meta charset="utf-8">',
           f"<title>{_e(tr('report.title'))} — {_e(result.get('show'))}</title><style>{CSS}</style></head><body>",
           f"<h1>{_e(tr('report.title'))}</h1>",
           f'<p class="meta">{_e(tr("report.recording"))}: <b>{_e(result.get("recording_name"))}</b> · '
           f'{_e(tr("report.recorded_at"))} {_e(_when(head.get("started_wall")))} · '
           f'{_e(tr("report.replayed_at"))} {_e(_when(result.get("replayed_wall")))} · '
           f'{_e(tr("report.model"))} {_e(models)} · {_e(tr("report.speed"))} {_e(speed_text)}</p>']
    if result.get("interrupted"):
        out.append(f'<div class="warn">{_e(tr("report.interrupted"))}</div>')
    if result.get("error"):
        out.append(f'<div class="warn">{_e(tr("report.error"))}: {_e(result["error"])}</div>')
    out.append(f"<h2>{_e(tr('report.summary'))}</h2>")
    if plot_src:  # Qt's rich text has no inline-block: the counts as one table row
        out.append('<table class="sum" cellpadding="6"><tr>')
        out.extend(f'<td{" bgcolor=#fff8e6" if hot else ""}><b style="font-size:18px">{value:,}</b><br>{_e(label)}</td>'
                   for label, value, hot in cards)
        out.append("</tr></table><br>")
    else:
        out.append('<div class="cards">')
        out.extend(f'<span class="card{" hot" if hot else ""}"><b>{value:,}</b>{_e(label)}</span>'
                   for label, value, hot in cards)
        out.append("</div>")
    out.append('<table class="sum">')
    out.append(f'<tr><th></th><th>{_e(tr("report.before"))}</th><th>{_e(tr("report.after"))}</th></tr>')
    out.append(f'<tr><th>{_e(tr("report.latency"))}</th><td class="n">{_e(_ms(o["p50"]))} / {_e(_ms(o["p90"]))}</td>'
               f'<td class="n">{_e(_ms(n["p50"]))} / {_e(_ms(n["p90"]))}</td></tr>')
    tok = [("—" if v is None else f"{v:,}") for v in (s["old_tokens"], s["new_tokens"])]
    out.append(f'<tr><th>{_e(tr("report.tokens"))}</th><td class="n">{tok[0]}</td><td class="n">{tok[1]}</td></tr>')
    out.append(f'<tr><th>{_e(tr("report.flagged"))}</th><td class="n">{s["flagged_old"]}</td>'
               f'<td class="n">{s["flagged_new"]}</td></tr></table>')
    out.append(f"<h2>{_e(tr('report.plot'))}</h2>")
    out.append(f'<div><img src="{_e(plot_src)}" alt=""></div>' if plot_src else f"<div>{latency_svg(turns)}</div>")
    out.append(f'<h2>{_e(tr("report.turns"))}</h2><table class="turns"><tr><th>#</th><th>{_e(tr("report.chat"))}</th>'
               f'<th>{_e(tr("report.before"))}</th><th>{_e(tr("report.after"))}</th></tr>')
    for t in turns:
        chat = "<br><br>".join(_who(m) for m in t["messages"])
        out.append(f'<tr id="turn-{t["index"]}"><td class="idx">{t["index"]}</td><td class="chat">{chat}</td>'
                   f'<td class="old">{_side(t, "old")}</td><td class="new">{_side(t, "new")}</td></tr>')
    out.append("</table>")
    out.append(f"<footer>{_e(tr('report.footer', version=__version__))}</footer></body></html>")
    return "".join(out)


def write_html(result: dict[str, Any], path: Path) -> Path:
    atomic_write_text(path, render_html(result))
    return path


def write_json(result: dict[str, Any], path: Path) -> Path:
    atomic_write_text(path, json.dumps(result, ensure_ascii=False, indent=1))
    return path
