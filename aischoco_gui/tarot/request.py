"""One viewer's tarot request and the cards drawn for it (shared by the engine and the reading)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aischoco_gui.tarot.cards import Card

POSITIONS = (("과거", "past"), ("현재", "present"), ("미래", "future"), ("조언", "advice"), ("결과", "outcome"))


@dataclass(frozen=True)
class DrawnCard:
    number: int  # the 1–78 number the viewer picked
    card: Card
    reversed: bool
    position: str  # 과거/현재/미래 …
    position_en: str

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "reversed": self.reversed, "position": self.position,
                "position_en": self.position_en, **self.card.to_json()}


@dataclass
class TarotRequest:
    """One viewer's reading: who asked, what, and (once picked) which cards."""

    user_key: str
    nickname: str
    question: str
    created: float = field(default_factory=time.time)
    cards: list[DrawnCard] = field(default_factory=list)
