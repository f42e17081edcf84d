"""The 78-card tarot deck: 22 major arcana and 4 suits × 14 minor arcana (names in Korean and English)."""

from __future__ import annotations

from dataclasses import dataclass

MAJOR = [
    ("The Fool", "바보"), ("The Magician", "마법사"), ("The High Priestess", "여사제"),
    ("The Empress", "여황제"), ("The Emperor", "황제"), ("The Hierophant", "교황"),
    ("The Lovers", "연인"), ("The Chariot", "전차"), ("Strength", "힘"), ("The Hermit", "은둔자"),
    ("Wheel of Fortune", "운명의 수레바퀴"), ("Justice", "정의"), ("The Hanged Man", "매달린 사람"),
    ("Death", "죽음"), ("Temperance", "절제"), ("The Devil", "악마"), ("The Tower", "탑"),
    ("The Star", "별"), ("The Moon", "달"), ("The Sun", "태양"), ("Judgement", "심판"), ("The World", "세계"),
]
SUITS = [("wands", "Wands", "완드"), ("cups", "Cups", "컵"), ("swords", "Swords", "소드"),
         ("pentacles", "Pentacles", "펜타클")]
RANKS = [("Ace", "에이스"), ("Two", "2"), ("Three", "3"), ("Four", "4"), ("Five", "5"), ("Six", "6"),
         ("Seven", "7"), ("Eight", "8"), ("Nine", "9"), ("Ten", "10"), ("Page", "페이지"), ("Knight", "나이트"),
         ("Queen", "퀸"), ("King", "킹")]


@dataclass(frozen=True)
class Card:
    index: int  # 0–77, stable id (art is served as /tarot/cards/<index>.svg)
    name_en: str
    name_ko: str
    arcana: str  # major | minor
    suit: str = ""  # wands | cups | swords | pentacles for minor cards
    rank: int = 0  # major: 0–21; minor: 1–14

    def to_json(self) -> dict:
        return {"index": self.index, "name_en": self.name_en, "name_ko": self.name_ko, "arcana": self.arcana,
                "suit": self.suit, "rank": self.rank}


def _build() -> tuple[Card, ...]:
    cards = [Card(i, en, ko, "major", "", i) for i, (en, ko) in enumerate(MAJOR)]
    for suit, suit_en, suit_ko in SUITS:
        for r, (rank_en, rank_ko) in enumerate(RANKS, start=1):
            cards.append(Card(len(cards), f"{rank_en} of {suit_en}", f"{suit_ko} {rank_ko}", "minor", suit, r))
    return tuple(cards)


DECK: tuple[Card, ...] = _build()
assert len(DECK) == 78
