"""Letter look-alikes: which Latin letters or digits a character can stand for.

Sources, in order:

1. **Unicode's confusables data** (UTS #39 ``confusables.txt``), the whole of it: every character
   whose *skeleton* (its prototype) is made of ASCII letters/digits stands for that string. The
   data comes from the ``confusable-homoglyphs`` package (a dev/test dependency), which stores the
   file as an undirected graph; :func:`skeletons_from_package` rebuilds the source → prototype
   direction (a prototype is the centre of its group; in a pair, the ASCII member).
2. **Secondary mappings** (:data:`SECONDARY`, written here): letters a reader takes for a Latin letter
   inside a Latin word although the skeleton says otherwise or nothing — small capitals (``ʙ``),
   Greek and Cyrillic lower case (``ω`` → w, ``б`` → b while the skeleton says 6, ``и`` → u/n),
   negative squared/circled letters and regional indicators (``🅱``, ``🅐``, ``🇧``), which have no
   compatibility decomposition.

A character whose compatibility form (NFKC) is an ASCII letter or digit is that letter (``ｌ`` is l,
``ſ`` is s, whatever its skeleton says). A character with exactly one candidate is folded to it
(``PRIMARY``). One with several (``б``: 6 and b) is kept as it is and matches each candidate where
a banned word has that letter (``AMBIGUOUS``). ``python -m aischoco_gui.wordfilter`` regenerates
``lookalikes_table.py``; a test checks it still matches the package's data, so the runtime needs no
package and no JSON (~70 ms).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

# Secondary look-alikes (a character → the ASCII letters it can pass for inside a Latin word).
SECONDARY: dict[str, str] = {
    # small capitals (IPA / phonetic extensions)
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j",
    "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ꞯ": "q", "ʀ": "r", "ꜱ": "s", "ᴛ": "t",
    "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ᴦ": "r", "ᴨ": "n", "ᴫ": "n", "ᴎ": "n", "ᴙ": "r",
    "ɶ": "oe", "ᴁ": "ae",
    # Greek lower case (upper case is folded to lower case before this table is used)
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v", "ο": "o",
    "π": "n", "ρ": "p", "σ": "o", "ς": "c", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
    # Cyrillic lower case
    "а": "a", "б": "b", "в": "b", "г": "r", "е": "e", "з": "3", "и": "un", "й": "un", "к": "k", "м": "m",
    "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ц": "u", "ш": "w",
    "щ": "w", "ъ": "b", "ь": "b", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y",
    "һ": "h", "ӏ": "l", "ѡ": "w", "ɯ": "w", "ɑ": "a", "ɡ": "g", "ɩ": "i", "ʋ": "u",
}
# Negative squared (🅰), negative circled (🅐) Latin letters and regional indicators (🇦): So, no NFKC.
for _i in range(26):
    _c = chr(ord("a") + _i)
    SECONDARY[chr(0x1F170 + _i)] = _c
    SECONDARY[chr(0x1F150 + _i)] = _c
    SECONDARY[chr(0x1F1E6 + _i)] = _c
# A character whose skeleton is "l" is also read as i (capital I looks the same): the secondary of "l".
SKELETON_ALSO = {"l": "i"}

# Leetspeak (only for words or lists that ask for it): a letter → the digits/symbols written for it.
LEET: dict[str, str] = {"a": "4@", "b": "8", "e": "3", "g": "96", "i": "1!|", "l": "1|", "o": "0", "s": "5$",
                        "t": "7+", "z": "2"}
LEET_SYMBOLS = "@$!|+"


def _is_hangul(ch: str) -> bool:
    o = ord(ch)
    return (0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F or 0xA960 <= o <= 0xA97F
            or 0xAC00 <= o <= 0xD7AF or 0xD7B0 <= o <= 0xD7FF or 0xFFA0 <= o <= 0xFFDC)


def _ascii_alnum(s: str) -> bool:
    return bool(s) and s.isascii() and s.isalnum()


def skeletons_from_package() -> dict[str, str]:
    """Source character → its prototype string, rebuilt from the ``confusable-homoglyphs`` graph."""
    from confusable_homoglyphs import confusables  # noqa: PLC0415 (dev/test only)

    def bare(s: str) -> str:  # the package wraps right-to-left characters in LEFT-TO-RIGHT MARKs
        return s.replace("\u200e", "").replace("\u200f", "")

    data = {bare(k): [bare(p["c"]) for p in v] for k, v in confusables.confusables_data.items()}
    out: dict[str, str] = {}
    for key, names in data.items():
        if len(key) > 1 or len(names) >= 2:  # a prototype: every partner is one of its sources
            for src in names:
                if len(src) == 1:
                    out[src] = key
        elif len(names) == 1 and len(data.get(names[0], [])) == 1 and len(names[0]) == 1:
            # a pair: the ASCII letter/digit is the prototype (other pairs say nothing about letters)
            other = names[0]
            if _ascii_alnum(other) and not _ascii_alnum(key):
                out[key] = other
    return out


def _fold_basic(ch: str) -> str:
    """NFKC, marks dropped, casefold (what the filter does before looking a character up)."""
    s = unicodedata.normalize("NFKD", ch)
    s = "".join(c for c in s if unicodedata.category(c) not in ("Mn", "Me"))
    return unicodedata.normalize("NFC", s).casefold()


def candidates_of(ch: str, skeletons: dict[str, str]) -> set[str]:
    """Every ASCII string ``ch`` can stand for (skeleton, its case-folded form, secondary)."""
    out: set[str] = set()
    forms = {ch, ch.casefold(), _fold_basic(ch)}
    for f in forms:
        if _ascii_alnum(f) and f != ch:
            out.add(f.casefold())
        proto = skeletons.get(f)
        if proto is not None:
            mapped = "".join(SECONDARY.get(c, c) if not c.isascii() else c for c in _fold_basic(proto))
            if _ascii_alnum(mapped):
                out.add(mapped.casefold())
                out.update(SKELETON_ALSO.get(mapped.casefold(), ""))
        sec = SECONDARY.get(f)
        if sec:
            # a multi-letter value is a set of single-letter readings ("un"), except ligatures ("oe")
            out.update([sec] if sec in ("oe", "ae") else list(sec))
    return out


def build_tables(skeletons: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """``(PRIMARY, AMBIGUOUS)``: char → its one ASCII reading; char → its several one-letter readings."""
    chars: set[str] = set()
    for c in list(skeletons) + list(SECONDARY):
        chars.add(c)
        for v in (c.upper(), c.lower(), c.casefold()):
            if len(v) == 1:
                chars.add(v)
    primary: dict[str, str] = {}
    ambiguous: dict[str, str] = {}
    for c in sorted(chars):
        if c.isascii() or _is_hangul(c) or unicodedata.category(c).startswith(("M", "C", "Z")):
            continue
        if _ascii_alnum(_fold_basic(c)):  # its compatibility form is a letter/digit: that wins (ｌ is l, ſ is s)
            continue
        cands = candidates_of(c, skeletons)
        if not cands:
            continue
        if len(cands) == 1:
            (only,) = cands
            if _fold_basic(c) != only:
                primary[c] = only
        else:
            singles = sorted(x for x in cands if len(x) == 1)
            if len(singles) >= 2:
                ambiguous[c] = "".join(singles)
            elif singles and _fold_basic(c) != singles[0]:
                primary[c] = singles[0]
    # a symbol (not a letter: ￨) that can be several letters is folded to a letter with the same readings
    # (ǀ), so it stays inside its word instead of splitting it
    rep: dict[str, str] = {}
    for c, v in ambiguous.items():
        if c.isalnum():
            rep.setdefault(v, c)
    for c in [c for c, v in ambiguous.items() if not c.isalnum()]:
        v = ambiguous.pop(c)
        primary[c] = rep.get(v, v[0])
    return dict(sorted(primary.items())), ambiguous


TABLE_HEADER = '''"""Generated by ``python -m aischoco_gui.wordfilter`` — do not edit (see ``lookalikes.py``).

PRIMARY: a character → the one ASCII letter/digit string it stands for (or, for a symbol that can be
several letters, a letter with the same readings); AMBIGUOUS: a character → the several single
letters/digits it can stand for. Built from the whole of Unicode's confusables.txt
(Unicode Security Mechanisms, UTS #39), taken from the copy shipped by the ``confusable-homoglyphs``
package (MIT), plus the secondary look-alikes in ``lookalikes.py``. Hangul is excluded.

Unicode data: Copyright © 1991-2024 Unicode, Inc. Distributed under the Unicode License v3
(https://www.unicode.org/license.txt): permission is granted, free of charge, to use, copy, modify
and distribute the data files, provided this copyright and permission notice appear with them.
"""
# ruff: noqa: E501
'''


def write_table(path: Path | None = None) -> Path:
    """Regenerate ``lookalikes_table.py`` from the package data (needs ``confusable-homoglyphs``)."""
    path = path or Path(__file__).with_name("lookalikes_table.py")
    primary, ambiguous = build_tables(skeletons_from_package())
    lines = [TABLE_HEADER, "\nPRIMARY: dict[str, str] = {\n"]
    lines += [f"    {ascii(k)}: {v!r},\n" for k, v in primary.items()]
    lines.append("}\n\nAMBIGUOUS: dict[str, str] = {\n")
    lines += [f"    {ascii(k)}: {v!r},\n" for k, v in ambiguous.items()]
    lines.append("}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path
