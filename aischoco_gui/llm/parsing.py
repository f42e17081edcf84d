"""Turn model output into (emotion, text): JSON repair, validation, reasoning removal, stream tags."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import json_repair

from aischoco_gui.models import FactProposal

# Reasoning some models put into the content itself; it is never spoken.
_THINK = re.compile(r"<(think|thinking|reasoning|analysis)>.*?(</\1>|$)", re.S | re.I)
_HARMONY = re.compile(r"<\|channel\|>analysis<\|message\|>.*?(<\|end\|>|$)", re.S)
_HARMONY_FINAL = re.compile(r"<\|channel\|>final<\|message\|>", re.S)
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.I)
_TAG_LINE = re.compile(r"^\s*[\[(<{]?\s*(?:emotion\s*[:=]\s*)?([A-Za-z_가-힣]{2,20})\s*[\])>}]?\s*[:\-]?\s*$")


def strip_reasoning(text: str) -> str:
    text = _HARMONY.sub("", text)
    text = _HARMONY_FINAL.sub("", text)
    return _THINK.sub("", text).strip()


def load_json_object(content: str) -> tuple[dict[str, Any] | None, bool]:
    """Parse a JSON object, repairing it when needed. Returns (object or None, repaired)."""
    text = _FENCE.sub("", strip_reasoning(content)).strip()
    try:
        obj = json.loads(text)
        if isinstance(obj, dict):
            return obj, False
    except ValueError:
        pass
    if "{" not in text:
        return None, False
    try:
        obj = json_repair.loads(text[text.index("{"):])
    except Exception:  # json_repair raises assorted errors on pathological input
        return None, True
    if isinstance(obj, list):  # e.g. two objects back to back: take the first dict
        obj = next((o for o in obj if isinstance(o, dict)), None)
    return (obj if isinstance(obj, dict) and obj else None), True


@dataclass
class Parsed:
    text: str
    emotion: str
    repaired: bool = False
    notes: list[str] = field(default_factory=list)
    fact: FactProposal | None = None  # the optional viewer-memory proposal {"memory": {"nick", "fact"}}


def parse_fact(raw: Any) -> FactProposal | None:
    """``{"nick": "...", "fact": "..."}`` with both non-empty strings, else None (the "nothing" answer)."""
    if not isinstance(raw, dict):
        return None
    nick, fact = raw.get("nick"), raw.get("fact")
    if not isinstance(nick, str) or not isinstance(fact, str) or not nick.strip() or not fact.strip():
        return None
    return FactProposal(nick=nick.strip(), text=strip_reasoning(fact).strip())


# Common synonyms → the default emotion names (applied only when the target is configured).
SYNONYMS = {
    "joy": "happy", "joyful": "happy", "glad": "happy", "기쁨": "happy", "행복": "happy",
    "sadness": "sad", "슬픔": "sad", "anger": "angry", "mad": "angry", "화남": "angry",
    "surprise": "surprised", "shocked": "surprised", "놀람": "surprised",
    "calm": "neutral", "평온": "neutral", "excitement": "excited", "신남": "excited",
}


def validate_emotion(raw: Any, emotions: tuple[str, ...], notes: list[str]) -> str:
    fallback = "neutral" if "neutral" in emotions else emotions[0]
    e = str(raw or "").strip().lower()
    if e in emotions:
        return e
    syn = SYNONYMS.get(e)
    if syn in emotions:
        return syn
    notes.append(f"unknown emotion {raw!r} → {fallback}" if e else f"no emotion → {fallback}")
    return fallback


def parse_json_reply(content: str, emotions: tuple[str, ...], finish_reason: str = "") -> Parsed:
    """Parse ``{"emotion","response"}``; tolerate broken JSON and plain text."""
    notes: list[str] = []
    obj, repaired = load_json_object(content)
    if obj is None:
        text = strip_reasoning(content)
        if text and "{" not in text:
            notes.append("answer was not JSON; used as plain text")
            return Parsed(text=text, emotion=validate_emotion("", emotions, notes), repaired=True, notes=notes)
        raise ValueError(f"unusable answer: {content[:80]!r}")
    if repaired:
        notes.append("JSON repaired" + (" (answer was cut off)" if finish_reason == "length" else ""))
    text = obj.get("response", obj.get("text", obj.get("reply", "")))
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    emotion = validate_emotion(obj.get("emotion"), emotions, notes)
    return Parsed(text=strip_reasoning(text), emotion=emotion, repaired=repaired, notes=notes,
                  fact=parse_fact(obj.get("memory")))


def split_emotion_tag(first_line: str, emotions: tuple[str, ...]) -> tuple[str | None, str]:
    """Stream mode: recognise the first line's emotion tag. Returns (emotion or None, leftover text)."""
    m = _TAG_LINE.match(first_line)
    if m:
        word = m.group(1).lower()
        if word in emotions or SYNONYMS.get(word) in emotions or m.group(0).strip()[:1] in "[(<{":
            return word, ""
    return None, first_line
