"""Banned-word matching that holds in Korean as Koreans type it (bottom layer: the chat filter, the
reply filter, the overlay, the chat echo and notices all use the same :class:`WordFilter`).

* :mod:`.fold` — the text as the filter sees it: NFKC, invisibles and marks dropped, casefold, the whole
  Unicode confusables skeleton plus secondary look-alikes (:mod:`.lookalikes`), ``ㆍ`` as a separator;
  letter runs joined by one space; jamo typed one by one composed (:mod:`.hangul`).
* :mod:`.matcher` — contiguous or spelled-out matches, Korean particles/endings after a spelled-out
  word, look-alikes and optional leetspeak per word (``leet:`` prefix) or list-wide, an allow-list
  (:mod:`.allow`), and for each hit the rules it needed (for the settings dialog's test box).
* :func:`load_word_file` — ``config/output_filter.txt`` (one word per line, ``re:`` = regex, ``#`` comment).

``python -m aischoco_gui.wordfilter`` regenerates the look-alike table from the Unicode data.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from aischoco_gui.wordfilter.allow import DEFAULT_ALLOW
from aischoco_gui.wordfilter.fold import fold, normalize, normalize_indexed
from aischoco_gui.wordfilter.matcher import LEET_PREFIX, RULES, Entry, Hit, WordFilter, parse_words, split_list

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_ALLOW", "LEET_PREFIX", "OUTPUT_FILTER_FILE", "RULES", "Entry", "Hit", "WordFilter",
           "compile_regexes", "configure_word_filter", "fold", "load_word_file", "make_word_filter", "normalize",
           "normalize_indexed", "parse_words", "split_list"]

OUTPUT_FILTER_FILE = "output_filter.txt"


def load_word_file(path: Path) -> tuple[list[str], list[str]]:
    """``(words, regexes)`` from a word file (one entry per line; ``re:`` prefix = regex; ``#`` comments)."""
    words: list[str] = []
    patterns: list[str] = []
    if not path.exists():
        return words, patterns
    try:
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("re:"):
                patterns.append(line[3:].strip())
            else:
                words.append(line)
    except (OSError, UnicodeDecodeError) as e:
        log.warning("cannot read %s: %s", path, e)
    return words, patterns


def make_word_filter(banned_words: str, allow: str, leet: bool, config_dir: Path | None) -> WordFilter:
    """The app's one word filter: ``LLM_BANNED_WORDS`` (source ``settings``), the words of
    ``config/output_filter.txt`` (source ``file``), ``WORD_FILTER_ALLOW`` and ``WORD_FILTER_LEET``. The chat
    filter adds its own list as source ``chat``."""
    return configure_word_filter(WordFilter(), banned_words, allow, leet, config_dir)


def configure_word_filter(wf: WordFilter, banned_words: str, allow: str, leet: bool,
                          config_dir: Path | None) -> WordFilter:
    """Set ``wf``'s settings and file sources, allow-list and leet switch in place (live settings)."""
    wf.set_words("settings", split_list(banned_words))
    if config_dir is not None:
        wf.set_words("file", load_word_file(config_dir / OUTPUT_FILTER_FILE)[0])
    wf.set_allow(split_list(allow))
    wf.set_leet(leet)
    return wf


def compile_regexes(patterns: list[str]) -> tuple[list[re.Pattern[str]], list[str]]:
    """Compiled patterns (case-insensitive) and the errors of those that are not valid."""
    out: list[re.Pattern[str]] = []
    errors: list[str] = []
    for p in patterns:
        try:
            out.append(re.compile(p, re.I))
        except re.error as e:
            errors.append(f"bad pattern {p!r}: {e}")
    return out, errors
