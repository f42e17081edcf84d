"""Banned-word matching that survives the usual tricks (bottom layer: used by the chat input filter and
the reply output filter alike, so both sides normalise the same way).

``fold(text)`` is the text as the filter sees it:

1. NFKC (fullwidth ``ｂａｄ`` → ``bad``, compatibility Hangul jamo → conjoining jamo, ligatures),
2. canonical decomposition, every combining mark (Mn/Me: accents, the combining grapheme joiner,
   variation selectors) and every invisible (Cc/Cf/Co/Cs/Cn — zero-width space/joiner, soft hyphen,
   bidi overrides, tags — plus the Hangul fillers that render as nothing) dropped, recomposed (NFC:
   Hangul syllables come back whole),
3. casefold,
4. homoglyphs folded to their ASCII look-alike with Unicode's confusables table: Cyrillic ``а``/
   Greek ``ο`` → ``a``/``o``. Hangul is never folded. The table is the subset of Unicode's
   ``confusables.txt`` that maps one character to one ASCII letter or digit, generated into
   ``aischoco_gui/homoglyphs_table.py`` from the ``confusable-homoglyphs`` package's copy of the data
   (``python -m aischoco_gui.wordfilter`` regenerates it; a test checks it still matches). Shipped
   as code because loading the package's full JSON costs ~70 ms on the event loop.

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
from pathlib import Path

log = logging.getLogger(__name__)

# Categories never shown as glyphs; a superset of what text.clean_display_text removes.
_INVISIBLE_CATS = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Mn", "Me"})
# Letters (category Lo) that render as blank space: Hangul fillers, braille blank.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _is_hangul(ch: str) -> bool:
    o = ord(ch)
    return (0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F or 0xA960 <= o <= 0xA97F
            or 0xAC00 <= o <= 0xD7AF or 0xD7B0 <= o <= 0xD7FF or 0xFFA0 <= o <= 0xFFDC)


def table_from_package() -> dict[str, str]:
    """Non-ASCII character → its ASCII letter/digit look-alike, from the ``confusable-homoglyphs`` data."""
    from confusable_homoglyphs import confusables  # noqa: PLC0415 (dev-time only)

    out: dict[str, str] = {}
    for ch, alts in confusables.confusables_data.items():
        if len(ch) != 1 or ch.isascii() or _is_hangul(ch):
            continue
        for alt in alts:
            c = alt.get("c", "")
            if len(c) == 1 and c.isascii() and c.isalnum():
                out[ch] = c.casefold()
                break
    return dict(sorted(out.items()))


@functools.lru_cache(maxsize=1)
def _homoglyphs() -> dict[str, str]:
    from aischoco_gui.homoglyphs_table import HOMOGLYPHS  # noqa: PLC0415 (~1 ms, on first use)

    return HOMOGLYPHS


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


TABLE_HEADER = '''"""Generated by ``python -m aischoco_gui.wordfilter`` — do not edit.

Non-ASCII character → ASCII letter/digit look-alike: the single-character subset of Unicode's
confusables.txt (Unicode Security Mechanisms, UTS #39), taken from the copy shipped by the
``confusable-homoglyphs`` package (MIT). Hangul is excluded.

Unicode data: Copyright © 1991-2024 Unicode, Inc. Distributed under the Unicode License v3
(https://www.unicode.org/license.txt): permission is granted, free of charge, to use, copy, modify
and distribute the data files, provided this copyright and permission notice appear with them.
"""

HOMOGLYPHS: dict[str, str] = {
'''


def write_table(path: Path | None = None) -> Path:
    """Regenerate ``homoglyphs_table.py`` from the package data (needs ``confusable-homoglyphs``)."""
    path = path or Path(__file__).with_name("homoglyphs_table.py")
    lines = [TABLE_HEADER]
    for k, v in table_from_package().items():
        lines.append(f"    {ascii(k)}: {v!r},\n")
    lines.append("}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_table())
