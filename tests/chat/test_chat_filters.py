"""Each chat filter rule, runtime edits, persistence."""

from __future__ import annotations

import json

import pytest

from aischoco_gui.chat.filters import ChatFilter, FilterRules
from aischoco_gui.chat.models import ROLE_STREAMER, ChatMessage


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def msg(text: str, nick: str = "시청자", uid: str = "u1", **kw) -> ChatMessage:
    return ChatMessage(nickname=nick, text=text, user_id=uid, **kw)


def test_one_emoji_is_content_not_too_short(tmp_path):
    """👍 alone was "too short" (one code point < 2); emoji count as content unless the user says not."""
    f = ChatFilter(path=tmp_path / "f.json")  # default: min_length 2
    for text in ("👍", "👍🏻", "❤️", "🇰🇷", "👨\u200d👩\u200d👧"):
        assert f.check(msg(text)) is None, text
    assert f.check(msg("ㅋ")) == "too_short"
    f.update(emoji_counts=False)  # the streamer's choice: an emoji is one character like any other
    assert f.check(msg("👍")) == "too_short"
    assert f.check(msg("👍🏻")) == "too_short"  # one grapheme, not two code points
    assert f.check(msg("👍👍")) is None
    assert json.loads((tmp_path / "f.json").read_text())["emoji_counts"] is False


def test_streamer_and_toggle(tmp_path):
    f = ChatFilter(path=tmp_path / "f.json")
    m = msg("제가 방송하는 사람", role=ROLE_STREAMER)
    assert f.check(m) == "streamer"
    f.ignore_streamer = False  # the first version's attribute still works and persists
    assert f.check(m) is None
    assert json.loads((tmp_path / "f.json").read_text())["ignore_streamer"] is False


def test_min_length_counts_text_without_emojis():
    f = ChatFilter(rules=FilterRules(min_length=3))
    assert f.check(msg("ㅋ")) == "too_short"
    assert f.check(msg("{:e:}{:e:}{:e:}", emojis={"e": "https://e"})) == "too_short"
    assert f.check(msg("안녕하세요")) is None
    f.update(min_length_enabled=False)
    assert f.check(msg("ㅋ")) is None


def test_repeat_and_flood_per_user():
    clock = Clock()
    f = ChatFilter(rules=FilterRules(spam_max_repeats=2, spam_max_messages=4, spam_window_s=10), clock=clock)
    assert f.check(msg("도배")) is None
    assert f.check(msg("도배 ")) is None
    assert f.check(msg("도배")) == "repeat"
    assert f.check(msg("도배", uid="u2")) is None  # per user
    clock.t += 11  # window passed
    assert f.check(msg("도배")) is None
    for i in range(3):
        assert f.check(msg(f"다른 말 {i}")) is None
    assert f.check(msg("또 다른 말")) == "flood"
    f.update(spam_enabled=False)
    assert f.check(msg("도배")) is None


def test_banned_words_and_regex_runtime_edit(tmp_path):
    f = ChatFilter(path=tmp_path / "f.json")
    assert f.check(msg("이건 나쁜말 이에요")) is None
    f.add_banned_word("나쁜말")
    assert f.check(msg("이건 나쁜말 이에요")) == "banned_word"
    assert f.check(msg("NaPpEun", uid="x")) is None
    f.add_banned_regex(r"https?://\S+")
    assert f.check(msg("여기 봐요 http://spam.example", uid="y")) == "banned_regex"
    with pytest.raises(ValueError, match="invalid pattern"):
        f.add_banned_regex("([unclosed")
    assert f.rules.banned_regex == [r"https?://\S+"]
    f.update(banned_enabled=False)
    assert f.check(msg("이건 나쁜말 이에요", uid="z")) is None
    again = ChatFilter.load(tmp_path / "f.json")
    assert again.rules.banned_words == ["나쁜말"] and again.rules.banned_enabled is False


def test_bot_nicknames_case_insensitive():
    f = ChatFilter(rules=FilterRules(bot_nicknames=["Nightbot"]))
    assert f.check(msg("!명령어 안내", nick="nightbot")) == "bot"
    f.update(bots_enabled=False)
    assert f.check(msg("!명령어 안내", nick="nightbot")) is None


def test_ignore_user_by_id_or_nickname():
    f = ChatFilter()
    f.ignore_user("u-bad")
    f.ignore_user("악플러")
    assert f.check(msg("안녕하세요", uid="u-bad")) == "ignored_user"
    assert f.check(msg("안녕하세요", nick="악플러", uid="other")) == "ignored_user"
    f.unignore_user("u-bad")
    assert f.check(msg("안녕하세요", uid="u-bad")) is None


def test_donation_priority_and_bypass():
    f = ChatFilter(rules=FilterRules(min_length=5))
    d = msg("ㅋ", donation_amount=1000)
    assert f.check(d) is None and d.priority
    f.add_banned_word("욕")
    assert f.check(msg("욕 후원", donation_amount=1000)) == "banned_word"  # paid abuse is still filtered
    f.update(donation_priority=False)
    d2 = msg("후원합니다", donation_amount=1000)
    assert f.check(d2) is None and not d2.priority


def test_listeners_and_unknown_setting():
    f = ChatFilter()
    seen = []
    f.listeners.append(seen.append)
    f.update(min_length=4)
    assert seen and seen[-1].min_length == 4
    with pytest.raises(ValueError, match="unknown"):
        f.update(nonsense=True)


def test_corrupt_file_is_kept_aside(tmp_path):
    p = tmp_path / "chat_filters.json"
    p.write_text("{broken", encoding="utf-8")
    f = ChatFilter.load(p)
    assert f.rules == FilterRules()
    assert (tmp_path / "chat_filters.json.bad").read_text() == "{broken"
    p.write_text(json.dumps({"min_length": "three", "banned_regex": ["(", "ok+"], "banned_words": ["a"]}))
    f = ChatFilter.load(p)
    assert f.rules.min_length == FilterRules().min_length and f.rules.banned_regex == ["ok+"]
