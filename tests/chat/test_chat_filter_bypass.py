"""Issue 13: the chat input filter normalises like the reply filter (a hidden banned word never reaches the LLM)."""

from __future__ import annotations

import pytest

from aischoco_gui.chat.filters import ChatFilter, FilterRules
from aischoco_gui.chat.models import ChatMessage

TRICKS = ["욕\u200b설", "욕 설", "욕.설", "욕\u00ad설", "ＳＰＡＭ", "sp\u0430m", "s-p-a-m", "S\u200dPAM"]


@pytest.mark.parametrize("text", TRICKS)
def test_banned_word_tricks_are_filtered(text):
    f = ChatFilter(rules=FilterRules(spam_enabled=False, banned_words=["욕설", "spam"]))
    assert f.check(ChatMessage("v", f"이거 {text} 맞죠?", user_id="u1")) == "banned_word"


def test_regex_sees_the_folded_text_and_clean_chat_passes():
    f = ChatFilter(rules=FilterRules(spam_enabled=False, banned_regex=[r"evil\.example"]))
    assert f.check(ChatMessage("v", "go to evil\u200b.example now", user_id="u1")) == "banned_regex"
    assert f.check(ChatMessage("v", "안녕하세요 좋은 방송이에요", user_id="u2")) is None
