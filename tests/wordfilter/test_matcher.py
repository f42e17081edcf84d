"""The matcher's parts: jamo composition, the indexed normaliser, rules, masking, allow-list, leet, live changes."""

from __future__ import annotations

import pytest

from aischoco_gui.wordfilter import WordFilter, fold, normalize, normalize_indexed
from aischoco_gui.wordfilter.hangul import compose
from tests.wordfilter.cases import BANNED, all_bypasses, innocent_lines


@pytest.mark.parametrize(("jamo", "word"), [
    ("ㅅㅣㅂㅏㄹ", "시발"), ("ㄱㅐㅅㅐㄲㅣ", "개새끼"), ("ㅂㅕㅇㅅㅣㄴ", "병신"), ("ㄷㅏㄺㄱㅗㄱㅣ", "닭고기"),
    ("ㅇㅏㄴㄴㅕㅇ", "안녕"), ("ㄱㅘㅈㅏ", "과자"), ("ㅇㅢㅅㅏ", "의사"), ("ㅇㅏㄶㅇㅏ", "않아"), ("ㅋㅋㅋ", "ㅋㅋㅋ"),
    ("ㅠㅠ", "ㅠㅠ"), ("시바ㄹ", "시발"), ("바ㄹㅏ", "바라"), ("존나ㅋㅋㅋ", "존나ㅋㅋㅋ"),
    ("ㅈㅗㄴㄴㅏㅋㅋㅋ", "존나ㅋㅋㅋ"),
    ("ㄱㅐㅅㅐㄲㅣㅇㅇ", "개새끼ㅇㅇ"), ("좋아ㅎ", "좋아ㅎ"), ("미치ㄴ", "미친"),
])
def test_jamo_typed_one_by_one_compose_like_a_keyboard(jamo, word):
    assert compose(jamo)[0] == word


def test_fast_and_indexed_normalisers_agree():
    for text in [t for _, t in all_bypasses()] + innocent_lines()[:400]:
        for leet in (False, True):
            norm, spans = normalize_indexed(text, leet)
            assert norm == normalize(text, leet), text
            assert len(spans) == len(norm)
            assert all(0 <= a <= b + 1 and b < len(text) for a, b in spans), text


@pytest.mark.parametrize("text", ["존나ㅋㅋㅋ", "개새끼ㅋㅋ", "존나ㅎㅎ", "ㅈㅗㄴㄴㅏㅋㅋㅋ", "ㄱㅐㅅㅐㄲㅣ ㅋㅋㅋ",
                                  "ㅁ ㅣ ㅊ ㅣ ㄴ ㄴ ㅗ ㅁ!!", "시발ㅠㅠ"])
def test_laughter_after_a_word_does_not_hide_it(text):
    assert WordFilter(BANNED).find(text) is not None


def test_araea_is_a_separator_not_a_letter():
    assert normalize("시ㆍ발") == "시 발"
    assert normalize("시\u119e발") == "시 발"


def test_hits_say_which_word_and_rule():
    wf = WordFilter(BANNED)
    cases = {"이건 시.발이다": ("시발", {"separator", "particle"}), "ㅅㅣㅂㅏㄹ": ("시발", {"jamo"}),
             "🅵🆄🅲🅺": ("fuck", {"lookalike"}), "5h1t": ("shit", {"leet"}), "시발": ("시발", {"exact"}),
             "ｆｕｃｋ": ("fuck", {"normalised"}), "바\u200b보 시발": ("시발", {"exact"})}
    for text, (word, rules) in cases.items():
        hit = wf.find(text)
        assert hit is not None and hit.word == word and rules <= set(hit.rules), (text, hit)


def test_mask_replaces_the_word_and_keeps_the_rest():
    wf = WordFilter(["시발", "fuck"])
    assert wf.mask("이건 시.발이다 진짜") == "이건 **이다 진짜"
    assert wf.mask("ㅅㅣㅂㅏㄹ 뭐야") == "** 뭐야"
    assert wf.mask("no f.u.c.k and fuck") == "no **** and ****"
    assert wf.mask("여기가 시발점") == "여기가 **점"  # no allow-list here
    assert WordFilter(["시발"], ["시발점"]).mask("여기가 시발점") == "여기가 시발점"


def test_allow_list_space_is_optional_but_letters_must_be_in_a_row():
    wf = WordFilter(["시발", "씨발"], ["시발점", "수박씨 발라"])
    assert wf.find("수박씨발라먹기") is None and wf.find("수박씨 발라 먹기") is None
    assert wf.find("시발 점심 먹자") is not None  # "시발점" is not in a row here: no excuse
    assert wf.find("시발점에서") is None


def test_leet_only_where_asked():
    plain = WordFilter(["shit", "bad"])
    assert plain.find("5h1t") is None and plain.find("b4d") is None
    assert WordFilter(["leet:shit", "bad"]).find("5h1t") is not None
    assert WordFilter(["leet:shit", "bad"]).find("b4d") is None
    assert WordFilter(["shit", "bad"], leet=True).find("b4d") is not None


def test_spelled_out_needs_to_stand_alone_and_particles_must_fit():
    wf = WordFilter(["시발", "병신", "bad"])
    assert wf.find("rob adam") is None
    assert wf.find("다시 발견") is None  # 다 before it: not standing alone
    assert wf.find("한 병 신고 왔어요") is None  # 고 does not follow 신 (a final consonant): 병신이고
    assert wf.find("한 병 신이고") is not None
    assert wf.find("너는 병! 신이야!") is not None


def test_live_changes_apply_in_place():
    wf = WordFilter()
    assert wf.find("시발") is None and not wf
    wf.set_words("settings", ["시발"])
    assert wf.find("시발") is not None
    wf.set_allow(["시발"])
    assert wf.find("시발") is None
    wf.set_allow([])
    wf.set_words("chat", ["bad"])
    assert wf.find("b.a.d") is not None and wf.find("시발") is not None
    wf.set_words("settings", [])
    assert wf.find("시발") is None


def test_fold_keeps_hangul_and_folds_lookalikes():
    assert fold("나쁜말") == "나쁜말"
    assert fold("ʙᴀᴅ") == "bad" and fold("🅱🅰🅳") == "bad"
    assert fold("б") == "б"  # 6 or b: kept, matched as either where a word has one


def test_warm_compiles_once_and_a_change_compiles_again():
    """Issue 27: the app compiles the words at start (``warm``), so the first chat does not pay it; a change of
    words still takes effect at the next check."""
    from aischoco_gui.wordfilter import WordFilter

    wf = WordFilter(["바보"])
    assert wf._compiled is None
    wf.warm()
    compiled = wf._compiled
    assert compiled is not None and wf.find("너 바보야") is not None
    assert wf._compiled is compiled  # the check used the start's compile
    wf.set_words("settings", ["멍청이"])
    assert wf.find("너 바보야") is None and wf.find("멍청이네") is not None
