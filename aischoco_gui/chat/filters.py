"""Chat filters: decide which messages reach the LLM (rejected ones are still shown, dimmed).

Rules live in ``config/chat_filters.json`` (user config dir), are editable at run time (the chat
panel's filter dialog and context menu call :meth:`ChatFilter.update`, :meth:`add_banned_word`,
:meth:`ignore_user`) and each rule can be switched off. Writes are atomic.

Banned words are matched by the app's one :class:`~aischoco_gui.wordfilter.WordFilter` (given by the
composition root, shared with the reply filter, the overlay, the chat echo and notices): this
filter's own list is its source ``chat``, and it also holds a message with a word from
``LLM_BANNED_WORDS`` / ``output_filter.txt``. A nickname with a banned word is masked on the message
itself, so the overlay, the panels and the LLM prompt only ever see the masked one.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from aischoco_gui.chat.models import ChatMessage
from aischoco_gui.chat.parse import plain_text
from aischoco_gui.i18n import register, tr
from aischoco_gui.paths import atomic_write_text
from aischoco_gui.text import graphemes, is_emoji_grapheme
from aischoco_gui.wordfilter import WordFilter, fold

log = logging.getLogger(__name__)

FILTERS_FILE = "chat_filters.json"
MAX_TRACKED_USERS = 5000

REASONS = ("ignored_user", "streamer", "bot", "banned_word", "banned_regex", "too_short", "repeat", "flood")
register({
    "filter.reason.ignored_user": ("무시한 사용자", "ignored user"),
    "filter.reason.streamer": ("스트리머 본인", "streamer's own chat"),
    "filter.reason.bot": ("봇", "bot"),
    "filter.reason.banned_word": ("금칙어", "banned word"),
    "filter.reason.banned_regex": ("금칙 패턴", "banned pattern"),
    "filter.reason.too_short": ("너무 짧음", "too short"),
    "filter.reason.repeat": ("같은 말 반복", "repeated message"),
    "filter.reason.flood": ("도배", "flooding"),
    "filter.reason.empty": ("빈 메시지", "empty"),
})


def reason_text(reason: str) -> str:
    return tr(f"filter.reason.{reason}") if reason in REASONS else reason


@dataclass
class FilterRules:
    ignore_streamer: bool = True
    min_length_enabled: bool = True
    min_length: int = 2
    emoji_counts: bool = True  # a lone emoji (👍) is content, never "too short"; off: counted like a letter
    spam_enabled: bool = True
    spam_window_s: float = 30.0
    spam_max_repeats: int = 2  # the same text more often than this within the window is spam
    spam_max_messages: int = 8  # more messages than this per user within the window is flooding
    banned_enabled: bool = True
    banned_words: list[str] = field(default_factory=list)
    banned_regex: list[str] = field(default_factory=list)
    bots_enabled: bool = True
    bot_nicknames: list[str] = field(default_factory=lambda: ["Nightbot", "싹둑", "클린봇"])
    ignored_enabled: bool = True
    ignored_users: list[str] = field(default_factory=list)  # user ids or nicknames
    donation_priority: bool = True

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FilterRules:
        """Known keys with the right type are taken; anything else is reported and ignored."""
        r = cls()
        for f in fields(cls):
            if f.name not in d:
                continue
            v, default = d[f.name], getattr(r, f.name)
            ok = (isinstance(v, bool) if isinstance(default, bool)
                  else isinstance(v, (int, float)) and not isinstance(v, bool) if isinstance(default, (int, float))
                  else isinstance(v, list) and all(isinstance(x, str) for x in v))
            if ok:
                setattr(r, f.name, type(default)(v) if not isinstance(default, list) else list(v))
            else:
                log.warning("chat filter setting %s=%r ignored (wrong type)", f.name, v)
        return r


def read_banned_words(path: Path) -> list[str]:
    """The banned words saved in ``chat_filters.json`` (read only; nothing is renamed or written)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    rules = FilterRules.from_dict(data) if isinstance(data, dict) else FilterRules()
    return list(rules.banned_words) if rules.banned_enabled else []


def compile_patterns(patterns: list[str]) -> list[re.Pattern[str]]:
    """Compile regexes; raise ValueError naming the bad one."""
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error as e:
            raise ValueError(f"invalid pattern {p!r}: {e}") from None
    return out


class ChatFilter:
    """``check(msg) -> reason | None``; sets ``msg.priority`` for donations that pass."""

    def __init__(self, ignore_streamer: bool | None = None, min_length: int | None = None, *,
                 rules: FilterRules | None = None, path: Path | None = None,
                 clock: Callable[[], float] = time.monotonic, words: WordFilter | None = None) -> None:
        self.rules = rules or FilterRules()
        self.words = words if words is not None else WordFilter()  # the shared one, or a private one
        if ignore_streamer is not None:
            self.rules.ignore_streamer = ignore_streamer
        if min_length is not None:
            self.rules.min_length = min_length
        self.path = path
        self.clock = clock
        self.listeners: list[Callable[[FilterRules], None]] = []
        self._history: OrderedDict[str, deque[tuple[float, int]]] = OrderedDict()
        self._compile()

    # -- persistence ------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path, **kw: Any) -> ChatFilter:
        """The filter from its file (a broken file is kept aside as ``.json.bad``); ``kw``: e.g. ``words``."""
        rules = FilterRules()
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(data, dict):
                    raise ValueError("not a JSON object")
                rules = FilterRules.from_dict(data)
                bad = []
                for p in list(rules.banned_regex):
                    try:
                        re.compile(p)
                    except re.error:
                        bad.append(p)
                rules.banned_regex = [p for p in rules.banned_regex if p not in bad]
                for p in bad:
                    log.warning("chat filter pattern %r is not a valid regex; ignored", p)
            except (OSError, ValueError) as e:
                keep = path.with_suffix(".json.bad")
                log.warning("unreadable %s (%s); using default filters, kept the file as %s", path, e, keep.name)
                try:
                    path.replace(keep)
                except OSError:
                    pass
        return cls(rules=rules, path=path, **kw)

    def save(self) -> None:
        if self.path is None:
            return
        atomic_write_text(self.path, json.dumps(asdict(self.rules), ensure_ascii=False, indent=2))

    # -- runtime edits ----------------------------------------------------------------------
    def update(self, **changes: Any) -> None:
        """Change rules now (validated as a whole, then saved and announced)."""
        new = FilterRules.from_dict({**asdict(self.rules), **changes})
        unknown = set(changes) - {f.name for f in fields(FilterRules)}
        if unknown:
            raise ValueError(f"unknown filter setting(s): {', '.join(sorted(unknown))}")
        compile_patterns(new.banned_regex)
        if new.min_length < 0 or new.spam_window_s <= 0 or new.spam_max_repeats < 1 or new.spam_max_messages < 1:
            raise ValueError("filter numbers must be positive")
        self.rules = new
        self._compile()
        self.save()
        for fn in list(self.listeners):
            try:
                fn(self.rules)
            except Exception:
                log.exception("filter listener failed")

    def add_banned_word(self, word: str) -> None:
        word = word.strip()
        if word and word.casefold() not in {w.casefold() for w in self.rules.banned_words}:
            self.update(banned_words=[*self.rules.banned_words, word])

    def add_banned_regex(self, pattern: str) -> None:
        if pattern and pattern not in self.rules.banned_regex:
            self.update(banned_regex=[*self.rules.banned_regex, pattern])

    def ignore_user(self, user: str) -> None:
        """Ignore by user id (preferred) or nickname."""
        user = user.strip()
        if user and user not in self.rules.ignored_users:
            self.update(ignored_users=[*self.rules.ignored_users, user])

    def unignore_user(self, user: str) -> None:
        if user in self.rules.ignored_users:
            self.update(ignored_users=[u for u in self.rules.ignored_users if u != user])

    # compatibility with the first version's attributes
    @property
    def ignore_streamer(self) -> bool:
        return self.rules.ignore_streamer

    @ignore_streamer.setter
    def ignore_streamer(self, v: bool) -> None:
        self.update(ignore_streamer=bool(v))

    @property
    def min_length(self) -> int:
        return self.rules.min_length

    def _compile(self) -> None:
        r = self.rules
        self._regex = compile_patterns(r.banned_regex)
        self.words.set_words("chat", r.banned_words if r.banned_enabled else [])
        self._bots = {n.casefold() for n in r.bot_nicknames}
        self._ignored = set(r.ignored_users)

    def _too_short(self, text: str) -> bool:
        """Length in graphemes (👍🏻 is one, not two code points); an emoji counts as content."""
        r = self.rules
        parts = [g for g in graphemes(text.strip()) if not g.isspace()]
        if r.emoji_counts and any(is_emoji_grapheme(g) for g in parts):
            return False
        return len(parts) < max(1, r.min_length)

    # -- the check --------------------------------------------------------------------------
    def check(self, msg: ChatMessage) -> str | None:
        """Return the reason the message is filtered, or None when it passes. A banned word in the
        nickname is masked on ``msg`` (the message itself is judged on its text)."""
        reason = self._check(msg)
        if msg.nickname:
            masked = self.words.mask(msg.nickname)
            if masked != msg.nickname:
                msg.nickname = masked
        return reason

    def _check(self, msg: ChatMessage) -> str | None:
        r = self.rules
        if r.ignored_enabled and (msg.user_id in self._ignored or msg.nickname in self._ignored):
            return "ignored_user"
        if r.ignore_streamer and msg.is_streamer:
            return "streamer"
        if r.bots_enabled and msg.nickname.casefold() in self._bots:
            return "bot"
        text = plain_text(msg.text)
        # normalised like the reply filter: invisibles, fullwidth, look-alikes, jamo, b.a.d / 시.발이다 spellings
        if self.words.find(text) is not None:
            return "banned_word"
        if r.banned_enabled and self._regex:
            folded = fold(text)
            if any(p.search(text) or p.search(folded) for p in self._regex):
                return "banned_regex"
        if msg.is_donation or msg.is_subscription:  # paid events carry no (or little) text: never "too short"
            if r.donation_priority:
                msg.priority = True
            return None
        if r.min_length_enabled and self._too_short(text):
            return "too_short"
        if not text:
            return "empty"
        if r.spam_enabled:
            reason = self._spam(msg.user_id or msg.nickname, text)
            if reason:
                return reason
        return None

    def _spam(self, user: str, text: str) -> str | None:
        now = self.clock()
        r = self.rules
        h = self._history.get(user)
        if h is None:
            h = self._history[user] = deque()
            if len(self._history) > MAX_TRACKED_USERS:
                self._history.popitem(last=False)
        else:
            self._history.move_to_end(user)
        while h and now - h[0][0] > r.spam_window_s:
            h.popleft()
        norm = hash(" ".join(text.casefold().split()))  # a hash, not the text: bounded memory under floods
        repeats = sum(1 for _, t in h if t == norm)
        h.append((now, norm))
        while len(h) > r.spam_max_messages + 1:
            h.popleft()
        if repeats >= r.spam_max_repeats:
            return "repeat"
        if len(h) > r.spam_max_messages:
            return "flood"
        return None
