"""Issue 13: the reply (output) filter sees through the usual tricks, and the overlay shows nothing it missed."""

from __future__ import annotations

import pytest

from aischoco_gui.llm.output_filter import OutputFilter
from aischoco_gui.text import clean_display_text
from aischoco_gui.wordfilter import fold

BANNED = ["badword", "나쁜말"]

# The kinds of bypass that got replies spoken in auto mode (and a few more of the same family).
BYPASSES = {
    "zero-width space": "this is bad\u200bword here",
    "zero-width joiner": "this is bad\u200dword here",
    "zero-width non-joiner": "bad\u200cword",
    "word joiner": "bad\u2060word",
    "soft hyphen": "bad\u00adword",
    "fullwidth": "ｂａｄｗｏｒｄ",
    "combining grapheme joiner": "bad\u034fword",
    "combining accents": "bàdwórd",
    "uppercase": "BADWORD",
    "cyrillic homoglyphs": "b\u0430dw\u043erd",  # а, о
    "greek homoglyphs": "bad\u03c9ord".replace("\u03c9", "w").replace("o", "\u03bf"),  # ο
    "bidi override": "bad\u202eword",
    "hyphen split": "bad-word",
    "dot split": "b.a.d.w.o.r.d",
    "space split": "b a d w o r d",
    "korean zero-width space": "이건 나\u200b쁜말 이에요",
    "korean spaces": "이건 나 쁜 말 이에요",
    "korean compatibility jamo filler": "나\u3164쁜말",
    "korean halfwidth spaces mixed": "나.쁜.말",
}


@pytest.mark.parametrize("kind", list(BYPASSES))
def test_bypass_is_flagged(kind):
    f = OutputFilter(BANNED)
    assert f.check(BYPASSES[kind]) is not None, kind


@pytest.mark.parametrize("kind", list(BYPASSES))
def test_overlay_cleaning_reveals_nothing_the_filter_did_not_see(kind):
    """What the overlay shows folds to exactly what the filter matched on."""
    s = BYPASSES[kind]
    assert fold(clean_display_text(s)) == fold(s)


def test_clean_text_and_near_misses_pass():
    f = OutputFilter(BANNED)
    for ok in ["안녕하세요 여러분!", "rob adam went home", "a bad day, words fail", "나쁜 날씨에 말이죠"[:3] + "씨",
               "good words only"]:
        assert f.check(ok) is None, ok


def test_plain_substring_still_matches_and_patterns_see_folded_text():
    f = OutputFilter(["bad"], ["re:ignored"])
    assert f.check("so xbadx") == "banned word: bad"
    g = OutputFilter([], [r"evil\.example"])
    assert g.check("visit evil\u200b.example") is not None
    assert g.check("visit ｅｖｉｌ.example") is not None


def test_hangul_is_not_folded_away():
    assert fold("나쁜말") == "나쁜말"
    assert fold("ㄱㄴ") == fold("\u1100\u1102")  # compatibility jamo == conjoining jamo after NFKC


def test_shipped_lookalike_table_matches_the_unicode_data():
    """The shipped table is what the generator makes from the confusables data now (issue 22: the whole of it)."""
    pytest.importorskip("confusable_homoglyphs")
    from aischoco_gui.wordfilter.lookalikes import build_tables, skeletons_from_package
    from aischoco_gui.wordfilter.lookalikes_table import AMBIGUOUS, PRIMARY

    assert (PRIMARY, AMBIGUOUS) == build_tables(skeletons_from_package())
    assert fold("\u0430") == "a" and fold("\u03bf") == "o"
    assert not any("\uac00" <= k <= "\ud7a3" for k in PRIMARY)
