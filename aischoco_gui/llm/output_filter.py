"""Output filter: banned words / regexes. A hit marks the draft flagged (never spoken automatically).

Sources: the ``LLM_BANNED_WORDS`` setting (comma-separated words) and ``config/output_filter.txt``
(one entry per line; ``re:`` prefix = regular expression; ``#`` comments).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from aischoco_gui.wordfilter import WordMatcher

log = logging.getLogger(__name__)

FILTER_FILE = "output_filter.txt"


class OutputFilter:
    def __init__(self, words: list[str] | None = None, patterns: list[str] | None = None) -> None:
        self.words = [w.strip() for w in (words or []) if w.strip()]
        self.patterns: list[re.Pattern[str]] = []
        self.errors: list[str] = []
        for p in patterns or []:
            try:
                self.patterns.append(re.compile(p, re.I))
            except re.error as e:
                self.errors.append(f"bad pattern {p!r}: {e}")
        self.matcher = WordMatcher(self.words, self.patterns)

    @classmethod
    def from_config(cls, words_setting: str, config_dir: Path) -> OutputFilter:
        words = [w for w in words_setting.split(",")] if words_setting else []
        patterns: list[str] = []
        f = config_dir / FILTER_FILE
        if f.exists():
            try:
                for line in f.read_text(encoding="utf-8-sig").splitlines():
                    line = line.strip()
                    if not line or line.startswith("#"):
                        continue
                    if line.startswith("re:"):
                        patterns.append(line[3:].strip())
                    else:
                        words.append(line)
            except (OSError, UnicodeDecodeError) as e:
                log.warning("cannot read %s: %s", f, e)
        flt = cls(words, patterns)
        for err in flt.errors:
            log.warning("output filter: %s", err)
        return flt

    def check(self, text: str) -> str | None:
        """Reason for flagging, or None (matching is normalised: see :mod:`aischoco_gui.wordfilter`)."""
        w = self.matcher.find_word(text)
        if w is not None:
            return f"banned word: {w}"
        p = self.matcher.find_pattern(text)
        if p is not None:
            return f"banned pattern: {p.pattern}"
        return None
