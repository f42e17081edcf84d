"""Issue 22: the banned list and the bypasses a hostile viewer (or a prompted model) uses, by class.

Shared by the unit tests, the end-to-end surface tests and ``bench/word_filter.py``. Every text hides
one of :data:`BANNED` the way Korean chat writes it; each class failed on the filter before issue 22.
"""

from __future__ import annotations

from pathlib import Path

# The streamer's list as the README says (LLM_BANNED_WORDS): Korean swear words, English ones, one leet word.
BANNED = ["시발", "씨발", "병신", "개새끼", "존나", "좆", "지랄", "미친놈", "닥쳐", "fuck", "bitch", "bastard", "cunt",
          "leet:shit"]
BANNED_SETTING = ", ".join(BANNED)

BYPASSES: dict[str, list[str]] = {
    # a separator between the letters, and a Korean particle/ending attached to the last syllable
    "particle": ["이건 시.발이다", "너 병·신이네", "개 새 끼들아 조용히 해", "존.나를 외쳐", "진짜 지 랄이야",
                 "닥.쳐라 좀", "f.u.c.king great", "미.친.놈아 저리 가", "시 발 입니다", "b.i.t.c.h이다"],
    # separators other than a plain space: middle dots, ㆍ (U+318D) as a dot, emoji, punctuation, mixed
    "separator": ["시ㆍ발이라고", "병ㆍ신아", "시😀발이야", "개🐶새🐶끼야", "fㆍuㆍcㆍk you", "b😀a😀s😀t😀a😀r😀d",
                  "시~발놈아", "병^신들", "씨/발이다", "존ㆍ나 크네"],
    # the same across a sentence end (each sentence alone is clean)
    "sentence": ["정말 시. 발이다.", "너는 병! 신이야!", "개. 새. 끼들아.", "이건 f. u. c. k 이야.",
                 "진짜 존. 나 웃겨요.", "좋아요 시? 발이네요."],
    # Hangul compatibility jamo typed one by one
    "jamo": ["ㅅㅣㅂㅏㄹ 뭐야", "ㅂㅕㅇㅅㅣㄴ아", "ㄱㅐㅅㅐㄲㅣ들", "시바ㄹ 진짜", "ㅈㅗㄴㄴㅏ 좋아", "ㅅ ㅣ ㅂ ㅏ ㄹ",
             "ㅈㅣㄹㅏㄹ 하네", "ㄷㅏㄱㅊㅕ 줄래"],
    # look-alike letters: small capitals, (negative) squared letters, Greek/Cyrillic inside a Latin word
    "lookalike": ["ꜰᴜᴄᴋ this", "ʙᴀsᴛᴀʀᴅ idea", "🅵🆄🅲🅺 off", "🅱🅸🆃🅲🅷 luck", "бastard day", "fuсk that",
                  "🇫🇺🇨🇰 yes", "ʙɪᴛᴄʜ please", "fμck it", "ϲunt", "bιtch"],
    # leetspeak on a word marked leet: in the list
    "leet": ["5h1t happens", "sh!t show", "$hit storm", "5hi7 talk", "s h 1 t again"],
}


def all_bypasses() -> list[tuple[str, str]]:
    return [(cls, t) for cls, texts in BYPASSES.items() for t in texts]


DATA = Path(__file__).resolve().parents[1] / "data"


def innocent_lines() -> list[str]:
    """The shipped corpus of ordinary Korean chat and AI replies (written for this project)."""
    text = (DATA / "korean_innocent.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def innocent_words() -> list[str]:
    """Ordinary words and phrases that contain a banned string (must never be held)."""
    text = (DATA / "korean_innocent_words.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
