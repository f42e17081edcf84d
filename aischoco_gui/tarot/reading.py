"""The tarot reading document: the LLM prompt and JSON schema, and repair of whatever comes back.

A reading is ``{"summary", "cards", "visual_data", "soul_color", "danger_alert"}`` where
``visual_data`` holds ``radar_fixed`` (five fixed axes, 0–100), ``radar_dynamic`` (3–6 axes the
LLM picks for the question), ``yes_no`` (0–100 chance of "yes" plus a label), ``keywords``,
``candidates`` (options with a 0–100 score) and ``decision_map`` (choice → likely outcome with a
0–100 risk). ``repair_reading`` accepts anything and returns that shape: numbers clamped,
strings trimmed, missing parts defaulted, so the page never has to guess.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from aischoco_gui.text import clean_display_text

if TYPE_CHECKING:
    from aischoco_gui.tarot.request import TarotRequest

RADAR_FIXED_AXES = (("love", "연애"), ("work", "일"), ("money", "금전"), ("health", "건강"), ("relations", "인간관계"))
DEFAULT_COLOR = {"name": "보랏빛", "hex": "#8E7CC3"}
_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_NUM = re.compile(r"-?\d+(?:\.\d+)?")

def _obj(**props: dict[str, Any]) -> dict[str, Any]:
    """A JSON-schema object as strict structured outputs require it (Groq, OpenAI): every property required,
    no other property allowed. Optional content is an empty array or string, never a missing key."""
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


_NUMBER, _STRING = {"type": "number"}, {"type": "string"}
SCHEMA: dict[str, Any] = _obj(
    summary=_STRING,
    cards={"type": "array", "items": _obj(number={"type": "integer"}, meaning=_STRING)},
    visual_data=_obj(
        radar_fixed=_obj(**{k: _NUMBER for k, _ in RADAR_FIXED_AXES}),
        radar_dynamic={"type": "array", "items": _obj(label=_STRING, value=_NUMBER)},
        yes_no=_obj(yes=_NUMBER, label=_STRING),
        keywords={"type": "array", "items": _STRING},
        candidates={"type": "array", "items": _obj(name=_STRING, score=_NUMBER, note=_STRING)},
        decision_map={"type": "array", "items": _obj(choice=_STRING, outcome=_STRING, risk=_NUMBER)},
    ),
    soul_color=_obj(name=_STRING, hex=_STRING),
    danger_alert=_obj(active={"type": "boolean"}, message=_STRING),
)

SYSTEM_PROMPT = (
    "너는 방송 속 친근한 타로 리더야. 시청자의 질문과 뽑힌 카드(위치, 정/역방향)를 보고 해석해.\n"
    "반드시 JSON 하나로만 답해. 형식:\n"
    '{"summary": "2~4문장 한국어 해석", "cards": [{"number": 뽑은번호, "meaning": "한 문장"}],\n'
    ' "visual_data": {"radar_fixed": {"love":0-100,"work":0-100,"money":0-100,"health":0-100,"relations":0-100},\n'
    '   "radar_dynamic": [{"label": "질문에 맞춘 축", "value": 0-100}] (3~6개),\n'
    '   "yes_no": {"yes": 0-100, "label": "한 줄"}, "keywords": ["3~6개 키워드"],\n'
    '   "candidates": [{"name": "선택지", "score": 0-100, "note": "짧게"}] (질문에 선택지가 없으면 빈 배열),\n'
    '   "decision_map": [{"choice": "행동", "outcome": "예상 결과", "risk": 0-100}] (2~4개)},\n'
    ' "soul_color": {"name": "색 이름", "hex": "#RRGGBB"},\n'
    ' "danger_alert": {"active": true/false, "message": "주의할 점 (없으면 빈 문자열)"}}\n'
    "건강·법률·금융에 대한 단정적인 조언은 하지 말고, 재미로 보는 타로임을 잊지 마."
)


def build_messages(req: TarotRequest) -> list[dict[str, str]]:
    lines = [f"질문: {req.question}", f"질문자: {req.nickname}", "뽑힌 카드:"]
    for c in req.cards:
        lines.append(f"- {c.position}({c.position_en}) #{c.number}: {c.card.name_ko} ({c.card.name_en})"
                     f"{' 역방향' if c.reversed else ' 정방향'}")
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(lines)}]


# -- repair ---------------------------------------------------------------------------------

def _num(v: Any, default: float = 50.0) -> int:
    """A 0–100 integer from a number, "70%", "0.7" (fractions scaled) or junk (→ default)."""
    if isinstance(v, bool):
        v = 100 if v else 0
    if isinstance(v, str):
        m = _NUM.search(v)
        v = float(m.group()) if m else None
    if not isinstance(v, (int, float)) or v != v:  # NaN
        v = default
    v = float(v)
    if 0 < v < 1:
        v *= 100
    return int(round(min(100.0, max(0.0, v))))


def _text(v: Any, limit: int) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        v = json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v)
    return clean_display_text(v, limit).replace("\n", " ").strip()


def _list(v: Any) -> list:
    if isinstance(v, list):
        return v
    if isinstance(v, dict):
        return [{"label": k, "value": x, "name": k, "score": x} for k, x in v.items()]
    if isinstance(v, str) and v.strip():
        return [s.strip() for s in re.split(r"[,،、\n]", v) if s.strip()]
    return []


def _color(v: Any) -> dict[str, str]:
    name, hexv = "", ""
    if isinstance(v, dict):
        name, hexv = _text(v.get("name"), 20), str(v.get("hex") or v.get("color") or "")
    elif isinstance(v, str):
        hexv = v if _HEX.match(v.strip()) else ""
        name = "" if hexv else _text(v, 20)
    m = _HEX.match(hexv.strip())
    if not m:
        return {"name": name or DEFAULT_COLOR["name"], "hex": DEFAULT_COLOR["hex"]}
    h = m.group(1)
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    return {"name": name or f"#{h.upper()}", "hex": f"#{h.upper()}"}


def _danger(v: Any) -> dict[str, Any]:
    if isinstance(v, dict):
        msg = _text(v.get("message") or v.get("text"), 120)
        a = v.get("active", v.get("level"))
        if a is None:
            active = bool(msg)
        elif isinstance(a, bool):
            active = a
        else:
            active = _num(a, 0) > 0
        return {"active": active, "message": msg}
    if isinstance(v, str):
        msg = _text(v, 120)
        return {"active": bool(msg) and msg.lower() not in ("none", "없음", "false"), "message": msg}
    return {"active": bool(v) if isinstance(v, bool) else False, "message": ""}


def repair_reading(raw: Any, req: TarotRequest | None = None) -> dict[str, Any]:
    """Turn whatever the LLM returned into a complete, bounded reading document."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = {"summary": raw}
    if not isinstance(raw, dict):
        raw = {}
    vd = raw.get("visual_data")
    vd = vd if isinstance(vd, dict) else {}
    notes: list[str] = []

    rf_in = vd.get("radar_fixed")
    rf_in = rf_in if isinstance(rf_in, dict) else {}
    radar_fixed = {k: _num(rf_in.get(k, rf_in.get(ko)), 50) for k, ko in RADAR_FIXED_AXES}
    if not rf_in:
        notes.append("radar_fixed missing")

    dyn = []
    for item in _list(vd.get("radar_dynamic"))[:6]:
        if isinstance(item, dict):
            label = _text(item.get("label") or item.get("name") or item.get("axis"), 16)
            if label:
                dyn.append({"label": label, "value": _num(item.get("value", item.get("score")), 50)})
    if len(dyn) < 3:
        notes.append("radar_dynamic padded")
        for label in ("흐름", "기회", "마음"):
            if len(dyn) >= 3:
                break
            if all(d["label"] != label for d in dyn):
                dyn.append({"label": label, "value": 50})

    yn = vd.get("yes_no")
    if isinstance(yn, dict):
        yes = yn.get("yes", yn.get("value", yn.get("probability")))
        yes_no = {"yes": _num(yes, 50), "label": _text(yn.get("label"), 40)}
    else:
        yes_no = {"yes": _num(yn, 50), "label": ""}

    keywords = []
    for k in _list(vd.get("keywords")):
        t = _text(k if not isinstance(k, dict) else (k.get("label") or k.get("name")), 16)
        if t and t not in keywords:
            keywords.append(t)
        if len(keywords) >= 6:
            break

    candidates = []
    for item in _list(vd.get("candidates"))[:5]:
        if isinstance(item, dict):
            name = _text(item.get("name") or item.get("label"), 24)
            if name:
                candidates.append({"name": name, "score": _num(item.get("score", item.get("value")), 50),
                                   "note": _text(item.get("note"), 40)})
        elif isinstance(item, str) and item.strip():
            candidates.append({"name": _text(item, 24), "score": 50, "note": ""})

    dmap = []
    for item in _list(vd.get("decision_map"))[:4]:
        if isinstance(item, dict):
            choice = _text(item.get("choice") or item.get("option") or item.get("if"), 30)
            if choice:
                dmap.append({"choice": choice, "outcome": _text(item.get("outcome") or item.get("then"), 50),
                             "risk": _num(item.get("risk"), 50)})

    meanings: dict[int, str] = {}
    for item in _list(raw.get("cards")):
        if isinstance(item, dict):
            try:
                n = int(item.get("number"))
            except (TypeError, ValueError):
                continue
            meanings[n] = _text(item.get("meaning"), 80)
    cards = []
    if req is not None:
        for c in req.cards:
            cards.append({**c.to_json(), "meaning": meanings.get(c.number, "")})

    summary = _text(raw.get("summary") or raw.get("interpretation") or raw.get("message"), 400)
    if not summary:
        summary = "카드가 조용하네요. 오늘은 마음이 가는 쪽을 믿어 보세요."
        notes.append("summary missing")
    return {
        "summary": summary,
        "cards": cards,
        "visual_data": {"radar_fixed": radar_fixed, "radar_dynamic": dyn, "yes_no": yes_no, "keywords": keywords,
                        "candidates": candidates, "decision_map": dmap},
        "soul_color": _color(raw.get("soul_color")),
        "danger_alert": _danger(raw.get("danger_alert")),
        "repairs": notes,
    }


def make_llm_interpret(client: Any):
    """The production ``interpret``: one JSON call through the LLM client's ``chat_json``."""

    async def interpret(req: TarotRequest) -> dict[str, Any]:
        return await client.chat_json(build_messages(req), schema=SCHEMA, schema_name="tarot_reading")

    return interpret
