"""The text as the word filter sees it.

:func:`fold` works character by character (so a hit can be traced back to the original text):

1. a look-alike table entry wins first (``lookalikes_table``: ``б`` stays ``б`` — it can be 6 or b —,
   ``ω`` → ``w``, ``🅱`` → ``b``),
2. else NFKC (fullwidth ``ｂ`` → ``b``, circled/squared letters, compatibility and halfwidth jamo),
   canonical decomposition with every combining mark (Mn/Me) and invisible (Cc/Cf/Co/Cs/Cn, Hangul
   fillers) dropped (Hangul syllables stay whole), casefold, and the table again,
3. the Hangul araea ``ㆍ`` (U+318D, the 천지인 dot, used as a middle dot) is a separator, never a
   letter; conjoining jamo become compatibility jamo (the ones a keyboard types).

:func:`normalize` then reduces the folded text to *letter runs* separated by one space: every run of
non-letters (spaces, punctuation, ``·``, emoji, symbols) is one gap, and jamo typed one by one are
composed into syllables (:mod:`.hangul`). :func:`normalize_indexed` does the same and says where each
character of the result came from in the original text.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from aischoco_gui.wordfilter.hangul import CONJOINING_TO_COMPAT, Span, compose

# Categories never shown as glyphs; a superset of what text.clean_display_text removes.
_INVISIBLE_CATS = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Mn", "Me"})
# Letters (category Lo) that render as blank space: Hangul fillers, braille blank.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Hangul letters used as separators: araea (ㆍ, the 천지인 dot) in its compatibility and conjoining forms.
SEPARATOR_LETTERS = frozenset("\u318d\u119e\u11a2\u318e")
_CACHE_MAX = 50_000  # distinct characters remembered (a hostile flood of rare characters stays bounded)


@functools.lru_cache(maxsize=1)
def tables() -> tuple[dict[str, str], dict[str, str]]:
    """``(PRIMARY, AMBIGUOUS)`` look-alike tables (imported on first use, ~2 ms)."""
    from aischoco_gui.wordfilter.lookalikes_table import AMBIGUOUS, PRIMARY  # noqa: PLC0415

    return PRIMARY, AMBIGUOUS


def fold_char(ch: str) -> str:
    """One character as the filter sees it (see the module docstring): "", one or more characters."""
    if ch in "\n\t":
        return ch
    if ch in SEPARATOR_LETTERS:
        return " "
    primary, ambiguous = tables()
    if ch in ambiguous:
        return ch
    if ch in primary:
        return primary[ch]
    o = ord(ch)
    if 0xAC00 <= o <= 0xD7A3 or (ch.isascii() and not ch.isupper()):
        return ch
    out: list[str] = []
    for c in unicodedata.normalize("NFKC", ch):
        if c in SEPARATOR_LETTERS:
            out.append(" ")
            continue
        if 0xAC00 <= ord(c) <= 0xD7A3:
            out.append(c)
            continue
        for d in unicodedata.normalize("NFD", c):
            if unicodedata.category(d) in _INVISIBLE_CATS or d in _BLANK_LETTERS:
                continue
            for e in d.casefold():
                e = CONJOINING_TO_COMPAT.get(e, e)
                out.append(e if e in ambiguous else primary.get(e, e))
    return "".join(out)


class _FoldTable(dict):
    """``str.translate`` table that folds each character the first time it is seen."""

    def __missing__(self, o: int) -> str:
        v = fold_char(chr(o))
        if len(self) < _CACHE_MAX:
            self[o] = v
        return v


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """The text as every word filter sees it, character by character (see the module docstring)."""
    return text.translate(_TABLE)


def letter_runs(leet: bool) -> re.Pattern[str]:
    """Runs of letters/digits; with ``leet``, a leet symbol next to a letter (``sh!t``, ``$hit``) counts as one
    (the matcher treats it as a gap for every word that is not a leet word)."""
    return _RUNS_LEET if leet else _RUNS


_RUNS = re.compile(r"[^\W_]+")
_RUNS_LEET = re.compile(r"[@$!|+]*[^\W_](?:[^\W_]|[@$!|+])*")  # letters with leet symbols around/inside
_JAMO = re.compile("[\u3131-\u3163]")


def _jamo_gaps(s: str) -> set[int]:
    """Positions of the spaces between single jamo typed apart (``ㅅ ㅣ ㅂ ㅏ ㄹ`` is one word);
    ``ㅋㅋ ㅎㅎ`` keeps its space."""
    drops: set[int] = set()
    pos = 0
    prev_single = False
    for tok in s.split(" "):
        core = tok.strip("@$!|+")  # leet symbols kept around a run do not make it a word
        single = len(core) == 1 and "\u3131" <= core <= "\u3163"
        if single and prev_single:
            drops.add(pos - 1)
        prev_single = single
        pos += len(tok) + 1
    return drops


def normalize(text: str, leet: bool = False) -> str:
    """Letter runs of the folded text joined by single spaces, jamo composed (the fast path)."""
    s = " ".join(letter_runs(leet).findall(text.translate(_TABLE)))
    if _JAMO.search(s):
        drops = _jamo_gaps(s)
        if drops:
            s = "".join(c for k, c in enumerate(s) if k not in drops)
        s = compose(s)[0]
    return s


def normalize_indexed(text: str, leet: bool = False) -> tuple[str, list[Span]]:
    """:func:`normalize` plus, for each character of the result, the span ``(first, last)`` of the
    original characters it came from (a gap spans the separators it replaced)."""
    folded: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for f in _TABLE[ord(ch)]:
            folded.append(f)
            origin.append(i)
    ftext = "".join(folded)
    chars: list[str] = []
    spans: list[Span] = []
    prev_end = -1
    for m in letter_runs(leet).finditer(ftext):
        if chars:
            chars.append(" ")
            spans.append((origin[prev_end] + 1, origin[m.start()] - 1))
        for k in range(m.start(), m.end()):
            chars.append(ftext[k])
            spans.append((origin[k], origin[k]))
        prev_end = m.end() - 1
    s = "".join(chars)
    if _JAMO.search(s):
        drop = _jamo_gaps(s)
        keep = [k for k in range(len(s)) if k not in drop]
        s2, sp2 = compose("".join(s[k] for k in keep), [spans[k] for k in keep])
        return s2, sp2 or []
    return s, spans
