"""The word-boundary-aware matcher: banned words, allowed words, and why a text is held.

A banned word is reduced to its letters (:func:`~aischoco_gui.wordfilter.fold.normalize`) and
compiled to one pattern over the normalised text (letter runs joined by one space):

* **contiguous** — the word's letters in a row (``xbadx``, ``진짜시발``): a hit wherever it is, the way
  Korean chat drops spaces;
* **spelled out** — a gap (space, ``.``, ``·``, ``ㆍ``, emoji, any symbol) between some letters (``b a d``,
  ``시.발``): a hit when it stands on its own — a gap or the text's start before it, and after it a gap,
  the end, or a run of Korean particles/endings (``시.발이다``, ``병 신들아``) or English endings
  (``f.u.c.king``). So ``rob adam`` is not ``bad`` and ``다시 발견`` is not ``시발``;
* each letter of a Latin word also matches its look-alikes that can stand for several letters
  (``б`` for b), and with leet on, its digits/symbols (``5h!t``).

**Allowed words** (``시발점``, ``병신년``, ``수박씨 발라`` …) excuse a hit that lies inside one of them;
an allowed word's letters must be in a row in the text, except where the entry itself has a space.
Each hit says which rules it needed (:data:`RULES`), so the settings dialog can explain it.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from aischoco_gui.wordfilter.fold import fold, normalize, normalize_indexed, tables
from aischoco_gui.wordfilter.hangul import (
    AFTER_CONSONANT,
    AFTER_RIEUL,
    AFTER_VOWEL,
    NEUTRAL,
    PARTICLES,
    SUFFIXES,
    final_of,
    is_jamo,
)
from aischoco_gui.wordfilter.lookalikes import LEET, LEET_SYMBOLS

LEET_PREFIX = "leet:"
RULES = ("exact", "normalised", "separator", "particle", "jamo", "lookalike", "leet")
_CACHE = 4096  # recent texts and their verdicts (a nickname is checked on every message)
_CACHE_TEXT = 500  # longer texts are not remembered

_GAPS = " " + LEET_SYMBOLS  # a leet symbol is a letter only inside a leet word; elsewhere a gap
_END = "(?=[ " + re.escape(LEET_SYMBOLS) + "]|$)"


def _alt(items: Iterable[str]) -> str:
    return "|".join(sorted(map(re.escape, items), key=len, reverse=True))


def _tail(first: Iterable[str]) -> re.Pattern[str]:
    """One particle that may follow this kind of syllable, then up to two more, then a gap or the end."""
    return re.compile("(?:" + _alt(first) + ")(?:" + _alt(PARTICLES) + "){0,2}" + _END)


_TAIL_CONSONANT = _tail(NEUTRAL + AFTER_CONSONANT)
_TAIL_RIEUL = _tail(NEUTRAL + AFTER_CONSONANT + AFTER_RIEUL)
_TAIL_VOWEL = _tail(NEUTRAL + AFTER_VOWEL)
_TAIL_ANY = _tail(PARTICLES)  # after a Latin word or a lone jamo
_EN_TAIL = re.compile("(?:" + _alt(SUFFIXES) + ")" + _END)


@dataclass(frozen=True)
class Entry:
    """One banned word as the streamer wrote it."""

    text: str  # as configured (without the leet: prefix)
    letters: str  # normalised letters
    leet: bool = False
    source: str = ""  # where it came from: settings, file, chat


@dataclass(frozen=True)
class Hit:
    word: str  # the banned word as configured
    start: int  # span in the original text (inclusive start, exclusive end)
    end: int
    rules: tuple[str, ...] = ()
    source: str = ""
    size: int = 0  # letters in the word (what a mask puts in its place)

    def describe(self) -> str:
        return f"{self.word} ({', '.join(self.rules)})" if self.rules else self.word


def parse_words(items: Iterable[str], source: str = "", leet_all: bool = False) -> list[Entry]:
    """Banned words (``leet:`` prefix = also match leetspeak) → entries; empty ones dropped."""
    out: list[Entry] = []
    seen: set[tuple[str, bool]] = set()
    for raw in items:
        w = (raw or "").strip()
        leet = leet_all
        if w.casefold().startswith(LEET_PREFIX):
            w, leet = w[len(LEET_PREFIX):].strip(), True
        letters = normalize(w).replace(" ", "")
        if not letters or (letters, leet) in seen:
            continue
        seen.add((letters, leet))
        out.append(Entry(w, letters, leet, source))
    return out


def split_list(value: str) -> list[str]:
    """A comma-or-newline separated list (the settings' form) → its items."""
    return [p.strip() for p in re.split(r"[,\n]", value or "") if p.strip()]


@dataclass
class _Compiled:
    entries: list[Entry]
    allow: list[str]
    pattern: re.Pattern[str] | None
    allow_pattern: re.Pattern[str] | None
    leet: bool  # leet symbols kept between letters while normalising
    cache: OrderedDict[str, Hit | None] = field(default_factory=OrderedDict)


def _letter_class(ch: str, leet: bool, ambiguous_by_letter: dict[str, str]) -> str:
    extra = ambiguous_by_letter.get(ch, "")
    if leet:
        extra += LEET.get(ch, "")
    if not extra:
        return re.escape(ch)
    return "[" + re.escape(ch) + "".join(re.escape(c) for c in sorted(set(extra))) + "]"


def _compile(entries: list[Entry], allow: list[str]) -> _Compiled:
    _, ambiguous = tables()
    by_letter: dict[str, str] = {}
    for c, letters in ambiguous.items():
        for x in letters:
            by_letter[x] = by_letter.get(x, "") + c
    any_leet = any(e.leet for e in entries)
    gap = "[ " + re.escape(LEET_SYMBOLS) + "]{0,3}" if any_leet else " ?"  # "병! 신": symbol, space, symbol
    alts = []
    for e in entries:
        alts.append("(" + gap.join(_letter_class(c, e.leet, by_letter) for c in e.letters) + ")")
    pattern = re.compile("|".join(alts)) if alts else None
    allow_alts = []
    for a in allow:
        parts = [normalize(p).replace(" ", "") for p in a.split()]
        parts = [p for p in parts if p]
        if parts:
            allow_alts.append(" ?".join(re.escape(p) for p in parts))
    allow_pattern = re.compile("|".join(sorted(allow_alts, key=len, reverse=True))) if allow_alts else None
    return _Compiled(entries, allow, pattern, allow_pattern, any_leet)


def _stands_alone(norm: str, a: int, b: int, latin: bool) -> tuple[bool, bool]:
    """``(ok, particle)``: a spelled-out match ``norm[a:b]`` has a gap or the start before it, and a gap,
    the end, or Korean particles / English endings after it (the particle must fit the last syllable)."""
    if a > 0 and norm[a - 1] not in _GAPS:
        return False, False
    if b >= len(norm) or norm[b] in _GAPS:
        return True, False
    last = norm[b - 1]
    fin = final_of(last)
    tail = (_TAIL_ANY if latin or not ("가" <= last <= "힣") else _TAIL_RIEUL if fin == "ㄹ"
            else _TAIL_CONSONANT if fin else _TAIL_VOWEL)
    if tail.match(norm, b) or (latin and _EN_TAIL.match(norm, b)):
        return True, True
    return False, False


class WordFilter:
    """Banned words from several named sources, an allow-list, and the checks every surface uses.

    Mutable in place (``set_words``/``set_allow``/``set_leet``): everything holding it sees a change at
    once, and nothing has to be rebuilt.
    """

    def __init__(self, words: Iterable[str] = (), allow: Iterable[str] = (), *, leet: bool = False,
                 source: str = "settings") -> None:
        self._sources: dict[str, list[str]] = {}
        self._allow: list[str] = [a.strip() for a in allow if a.strip()]
        self._leet = leet
        self._compiled: _Compiled | None = None
        self.version = 0
        if words:
            self._sources[source] = [w for w in words if w.strip()]

    # -- configuration --------------------------------------------------------------------------
    def set_words(self, source: str, words: Iterable[str]) -> None:
        """Replace the words of one source (``settings``, ``file``, ``chat``)."""
        new = [w for w in words if w and w.strip()]
        if self._sources.get(source) != new:
            self._sources[source] = new
            self._changed()

    def set_allow(self, allow: Iterable[str]) -> None:
        new = [a.strip() for a in allow if a and a.strip()]
        if new != self._allow:
            self._allow = new
            self._changed()

    def set_leet(self, on: bool) -> None:
        if bool(on) != self._leet:
            self._leet = bool(on)
            self._changed()

    def _changed(self) -> None:
        self._compiled = None
        self.version += 1

    @property
    def leet(self) -> bool:
        return self._leet

    @property
    def allow(self) -> list[str]:
        return list(self._allow)

    def words(self, source: str | None = None) -> list[str]:
        if source is not None:
            return list(self._sources.get(source, []))
        return [w for ws in self._sources.values() for w in ws]

    @property
    def entries(self) -> list[Entry]:
        return self._get().entries

    def __bool__(self) -> bool:
        return bool(self._get().entries)

    def warm(self) -> None:
        """Compile the words now (the app calls it at start): the first chat would otherwise pay the compile,
        ~10 ms, between its arrival and the LLM request (issue 27)."""
        self._get()

    def _get(self) -> _Compiled:
        c = self._compiled
        if c is None:
            entries: list[Entry] = []
            seen: set[tuple[str, bool]] = set()
            for src, words in self._sources.items():
                for e in parse_words(words, src, self._leet):
                    if (e.letters, e.leet) not in seen:
                        seen.add((e.letters, e.leet))
                        entries.append(e)
            c = self._compiled = _compile(entries, self._allow)
        return c

    # -- checks -----------------------------------------------------------------------------------
    def find(self, text: str) -> Hit | None:
        """The first banned word in ``text`` (with its span and rules), or None. Cached per text."""
        c = self._get()
        if c.pattern is None or not text:
            return None
        if text in c.cache:
            c.cache.move_to_end(text)
            return c.cache[text]
        norm = normalize(text, c.leet)
        hit = None
        if norm and c.pattern.search(norm) is not None:  # rare: only now trace it back to the text
            hits = self._scan(c, text, first=True)
            hit = hits[0] if hits else None
        if len(text) <= _CACHE_TEXT:
            c.cache[text] = hit
            if len(c.cache) > _CACHE:
                c.cache.popitem(last=False)
        return hit

    def find_all(self, text: str) -> list[Hit]:
        """Every banned word in ``text`` (for masking and the settings dialog's test box)."""
        c = self._get()
        if c.pattern is None or not text:
            return []
        return self._scan(c, text, first=False)

    def check(self, text: str) -> str | None:
        """The banned word found in ``text`` (as configured), or None."""
        hit = self.find(text)
        return hit.word if hit else None

    def mask(self, text: str, char: str = "*") -> str:
        """``text`` with each banned word (its letters and the separators between them) replaced by one
        ``char`` per letter: ``시.발이다`` → ``**이다``."""
        if not text or self.find(text) is None:
            return text
        out: list[str] = []
        pos = 0
        for h in sorted(self.find_all(text), key=lambda h: h.start):
            if h.start < pos:
                continue
            out.append(text[pos:h.start])
            out.append(char * max(1, h.size))
            pos = h.end
        out.append(text[pos:])
        return "".join(out)

    def _scan(self, c: _Compiled, text: str, first: bool) -> list[Hit]:
        norm, spans = normalize_indexed(text, c.leet)
        assert c.pattern is not None
        allowed: list[tuple[int, int]] = []
        if c.allow_pattern is not None:
            allowed = [(m.start(), m.end()) for m in c.allow_pattern.finditer(norm)]
        hits: list[Hit] = []
        pos = 0
        while pos < len(norm):
            m = c.pattern.search(norm, pos)
            if m is None:
                break
            a, b = m.span()
            e = c.entries[m.lastindex - 1]  # type: ignore[operator]
            gapped = b - a > len(e.letters)  # each letter is one character; the rest are gaps
            ok, particle = True, False
            if gapped:
                latin = e.letters.isascii()
                ok, particle = _stands_alone(norm, a, b, latin)
            if ok and not any(p <= a and b <= q for p, q in allowed):
                hits.append(self._hit(e, text, norm, spans, a, b, gapped, particle))
                if first:
                    break
                pos = b
            else:
                pos = a + 1
        return hits

    @staticmethod
    def _hit(e: Entry, text: str, norm: str, spans: list[tuple[int, int]], a: int, b: int, gapped: bool,
             particle: bool) -> Hit:
        start, end = spans[a][0], spans[b - 1][1] + 1
        raw = text[start:end]
        rules: list[str] = []
        if gapped:
            rules.append("separator")
        if particle:
            rules.append("particle")
        if any(is_jamo(ch) or "\u1100" <= ch <= "\u11ff" for ch in raw):
            rules.append("jamo")
        primary, ambiguous = tables()
        letters = [ch for ch in norm[a:b] if ch != " "]
        if any(ch in ambiguous or ch in primary for ch in raw) or any(ch in ambiguous for ch in letters):
            rules.append("lookalike")
        if e.leet and any(ch.isdigit() or ch in LEET_SYMBOLS for ch in letters) and not e.letters.isdigit():
            rules.append("leet")
        if not rules:
            rules.append("exact" if fold(raw) == raw.casefold() and e.letters in raw.casefold() else "normalised")
        return Hit(e.text, start, end, tuple(rules), e.source, len(e.letters))
