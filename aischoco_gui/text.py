"""Text helpers shared by LLM, TTS and overlay: sentence splitting and sanitising."""

from __future__ import annotations

import re
import unicodedata

# End of sentence: . ! ? … 。 and Korean final forms followed by punctuation; keep the mark.
_SENT_END = re.compile(r"(.+?(?:[.!?…。！？]+|\n+|$))", re.S)


def split_sentences(text: str, min_chars: int = 2) -> list[str]:
    """Split text into speakable sentences (works without spaces after punctuation).

    Very short fragments (emoji-only, "ㅋ") are merged into the previous sentence.
    """
    out: list[str] = []
    for m in _SENT_END.finditer(text.strip()):
        s = m.group(1).strip()
        if not s:
            continue
        if out and len(s) < min_chars + 1 and not any(ch.isalnum() for ch in s[:-1] or s):
            out[-1] = f"{out[-1]} {s}".strip()
        else:
            out.append(s)
    return out


_CONTROL_CATS = {"Cc", "Cf", "Co", "Cs", "Cn"}


def clean_display_text(s: str, max_len: int = 0) -> str:
    """Drop control/format characters (zero-width, bidi overrides) and cap length."""
    s = "".join(ch for ch in s if ch in "\n\t" or unicodedata.category(ch) not in _CONTROL_CATS)
    s = s.replace("\t", " ")
    if max_len and len(s) > max_len:
        s = s[: max_len - 1] + "…"
    return s


def clean_nickname(s: str, max_len: int = 32) -> str:
    s = clean_display_text(s).replace("\n", " ").strip()
    return (s or "?")[:max_len]
