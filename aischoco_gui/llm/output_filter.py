"""Output filter: banned words / regexes. A hit marks the draft flagged (never spoken automatically).

Words are matched by a :class:`~aischoco_gui.wordfilter.WordFilter`: the app's shared one (given by the
composition root: ``LLM_BANNED_WORDS``, ``config/output_filter.txt``, the chat filter's list, the
allow-list), or one of its own. Regexes come from ``config/output_filter.txt`` (``re:`` lines).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from aischoco_gui.wordfilter import (
    OUTPUT_FILTER_FILE,
    WordFilter,
    compile_regexes,
    fold,
    load_word_file,
    make_word_filter,
)

log = logging.getLogger(__name__)

FILTER_FILE = OUTPUT_FILTER_FILE


class OutputFilter:
    def __init__(self, words: list[str] | None = None, patterns: list[str] | None = None, *,
                 word_filter: WordFilter | None = None) -> None:
        self.word_filter = word_filter if word_filter is not None else WordFilter([w for w in words or [] if w.strip()])
        self.patterns: list[re.Pattern[str]]
        self.patterns, self.errors = compile_regexes(list(patterns or []))

    @property
    def words(self) -> list[str]:
        return self.word_filter.words()

    @classmethod
    def from_config(cls, words_setting: str, config_dir: Path, *, word_filter: WordFilter | None = None,
                    allow: str = "", leet: bool = False) -> OutputFilter:
        """``word_filter`` (the app's shared one) or one made from ``words_setting`` + the file; the file's
        ``re:`` lines either way."""
        patterns = load_word_file(config_dir / FILTER_FILE)[1]
        wf = word_filter if word_filter is not None else make_word_filter(words_setting, allow, leet, config_dir)
        flt = cls(patterns=patterns, word_filter=wf)
        for err in flt.errors:
            log.warning("output filter: %s", err)
        return flt

    def check(self, text: str) -> str | None:
        """Reason for flagging, or None (matching is normalised: see :mod:`aischoco_gui.wordfilter`)."""
        hit = self.word_filter.find(text)
        if hit is not None:
            return f"banned word: {hit.word}" + (f" ({', '.join(hit.rules)})" if hit.rules != ("exact",) else "")
        if self.patterns:
            folded = fold(text)
            for p in self.patterns:
                if p.search(text) or p.search(folded):
                    return f"banned pattern: {p.pattern}"
        return None
