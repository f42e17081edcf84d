"""Korean sentence splitting used for speech (both reply modes)."""

from __future__ import annotations

import pytest

from aischoco_gui.text import split_sentences


@pytest.mark.parametrize("text, expected", [
    ("안녕하세요!오늘 뭐 했어요?저는 게임했다.", ["안녕하세요!", "오늘 뭐 했어요?", "저는 게임했다."]),
    ("정말?! 대박이다.", ["정말?!", "대박이다."]),
    ("음… 그렇구나. 그래요...알았어요", ["음…", "그렇구나.", "그래요...", "알았어요"]),
    ("좋아요😊 다음에 봐요!", ["좋아요😊", "다음에 봐요!"]),
    ("고마워요! 😊👍", ["고마워요! 😊👍"]),
    ("가격은 3.5만원이에요. naver.com 에 있어요", ["가격은 3.5만원이에요.", "naver.com 에 있어요"]),
    ("잘 자요~ 내일 봐요", ["잘 자요~", "내일 봐요"]),
    ('"좋아!"라고 말했다. 진짜로', ['"좋아!"라고 말했다.', "진짜로"]),
    ("첫 줄\n둘째 줄", ["첫 줄", "둘째 줄"]),
    ("", []),
    ("ㅋㅋㅋ", ["ㅋㅋㅋ"]),
])
def test_split(text, expected):
    assert split_sentences(text) == expected


def test_prefix_split_is_stable_for_streaming():
    """Sentences before the last never change as more text arrives (streaming relies on it)."""
    full = "안녕하세요!오늘 방송 재밌다.그쵸? 진짜 최고예요…정말😊 고마워요~ 다음에 또 봐요!"
    final = split_sentences(full)
    for i in range(1, len(full)):
        parts = split_sentences(full[:i])
        assert parts[:-1] == final[:len(parts) - 1], full[:i]
