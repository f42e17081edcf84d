"""Reply model produced by the reply generator."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_EMOTIONS = ("happy", "sad", "angry", "surprised", "neutral", "excited")


@dataclass
class Reply:
    text: str
    emotion: str = "neutral"
    sentences: list[str] = field(default_factory=list)  # the text split for speech
    provider: str = ""  # e.g. "groq"
    model: str = ""
    latency_s: float = 0.0  # request sent → reply complete
    flagged: str | None = None  # output filter hit: never spoken automatically
    repaired: bool = False  # JSON had to be repaired
    notes: list[str] = field(default_factory=list)  # e.g. "unknown emotion 'joy' → neutral"
