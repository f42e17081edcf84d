"""Banned-word matching that survives the usual tricks (bottom layer: used by the chat input filter and
the reply output filter alike, so both sides normalise the same way).

``fold(text)`` is the text as the filter sees it:

1. NFKC (fullwidth ``ｂａｄ`` → ``bad``, compatibility Hangul jamo → conjoining jamo, ligatures),
2. canonical decomposition, every combining mark (Mn/Me: accents, the combining grapheme joiner,
   variation selectors) and every invisible (Cc/Cf/Co/Cs/Cn — zero-width space/joiner, soft hyphen,
   bidi overrides, tags — plus the Hangul fillers that render as nothing) dropped, recomposed (NFC:
   Hangul syllables come back whole),
3. casefold,
4. homoglyphs folded to their ASCII look-alike with Unicode's confusables table (``confusables.txt``
   as shipped by the ``confusable-homoglyphs`` package): Cyrillic ``а``/Greek ``ο`` → ``a``/``o``.
   Hangul is never folded.

The overlay's display cleaning (:func:`aischoco_gui.text.clean_display_text`) drops a subset of what
``fold`` drops, so a word the filter did not see cannot appear plainly on screen either.

A banned word matches when its folded letters occur in the folded text either contiguously
(``xbadx`` — substring, as before) or spelled out with separators between the letters (``b.a.d``,
``b a d``, ``bad-word``) when that spelled-out run stands on its own (separators or the text's ends on
both sides — so ``rob adam`` does not match ``bad``).
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable

log = logging.getLogger(__name__)

# Categories never shown as glyphs; a superset of what text.clean_display_text removes.
_INVISIBLE_CATS = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Mn", "Me"})
# Letters (category Lo) that render as blank space: Hangul fillers, braille blank.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _is_hangul(ch: str) -> bool:
    o = ord(ch)
    return (0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F or 0xA960 <= o <= 0xA97F
            or 0xAC00 <= o <= 0xD7AF or 0xD7B0 <= o <= 0xD7FF or 0xFFA0 <= o <= 0xFFDC)


@functools.lru_cache(maxsize=1)
def _homoglyphs() -> dict[str, str]:
    """Non-ASCII character → its ASCII letter/digit look-alike (built once from the confusables table)."""
    try:
        from confusable_homoglyphs import confusables  # noqa: PLC0415
        data = confusables.confusables_data
    except Exception as e:  # the package is a declared dependency; keep filtering without it
        log.warning("confusables table unavailable (%s); homoglyphs are not folded", e)
        return {}
    out: dict[str, str] = {}
    for ch, alts in data.items():
        if len(ch) != 1 or ch.isascii() or _is_hangul(ch):
            continue
        for alt in alts:
            c = alt.get("c", "")
            if len(c) == 1 and c.isascii() and c.isalnum():
                out[ch] = c.casefold()
                break
    return out


def fold(text: str) -> str:
    """The text as every word filter sees it (see the module docstring)."""
    s = unicodedata.normalize("NFKC", text)
    s = unicodedata.normalize("NFD", s)
    s = "".join(ch for ch in s
                if ch in "\n\t" or (unicodedata.category(ch) not in _INVISIBLE_CATS and ch not in _BLANK_LETTERS))
    s = unicodedata.normalize("NFC", s).casefold()
    table = _homoglyphs()
    if any(not ch.isascii() for ch in s):
        s = "".join(table.get(ch, ch) for ch in s)
    return s


def _skeleton(folded: str) -> tuple[str, list[int]]:
    """Only the letters and digits of ``folded``, with each one's index in ``folded``."""
    idx = [i for i, ch in enumerate(folded) if ch.isalnum()]
    return "".join(folded[i] for i in idx), idx


class WordMatcher:
    """Find banned words (and optional regexes) in text, after :func:`fold`."""

    def __init__(self, words: Iterable[str] = (), patterns: Iterable[re.Pattern[str]] = ()) -> None:
        self.words: list[tuple[str, str]] = []  # (as configured, skeleton)
        for w in words:
            sk = _skeleton(fold(w))[0]
            if sk:
                self.words.append((w.strip(), sk))
        self.patterns = list(patterns)

    def __bool__(self) -> bool:
        return bool(self.words or self.patterns)

    def find_word(self, text: str) -> str | None:
        """The first banned word found in ``text`` (as configured), or None."""
        if not self.words:
            return None
        folded = fold(text)
        skel, idx = _skeleton(folded)
        for word, wsk in self.words:
            start = skel.find(wsk)
            while start >= 0:
                a, b = idx[start], idx[start + len(wsk) - 1]
                if b - a == len(wsk) - 1:  # contiguous in the folded text
                    return word
                before = folded[a - 1] if a > 0 else " "
                after = folded[b + 1] if b + 1 < len(folded) else " "
                if not before.isalnum() and not after.isalnum():  # spelled out, standing alone
                    return word
                start = skel.find(wsk, start + 1)
        return None

    def find_pattern(self, text: str) -> re.Pattern[str] | None:
        """The first regex that matches the raw text or its folded form, or None."""
        if not self.patterns:
            return None
        folded = fold(text)
        for p in self.patterns:
            if p.search(text) or p.search(folded):
                return p
        return None
