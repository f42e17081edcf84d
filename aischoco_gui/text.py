"""Text helpers shared by LLM, TTS and overlay: sentence splitting and sanitising."""

from __future__ import annotations

import unicodedata

_TERMINATORS = set(".!?…。！？‼⁉")
_CLOSERS = set("\"'”’)]}」』》〉")


def _is_emoji(ch: str) -> bool:
    """Emoji and their joiners/modifiers (what may trail a sentence end)."""
    o = ord(ch)
    return (unicodedata.category(ch) == "So" or 0x1F000 <= o <= 0x1FAFF or 0x2600 <= o <= 0x27BF
            or o in (0x200D, 0xFE0F, 0x20E3) or 0x1F3FB <= o <= 0x1F3FF)


def _boundary(text: str, i: int) -> int:
    """If a sentence ends at ``text[i]`` (a terminator), return the index just past its tail, else -1."""
    n = len(text)
    ch = text[i]
    nxt = text[i + 1] if i + 1 < n else ""
    if ch == "." and nxt and (nxt.isascii() and nxt.isalnum()):
        return -1  # 3.5, naver.com, a.m. — ASCII right after a dot is not a new sentence
    j = i + 1
    while j < n and (text[j] in _TERMINATORS or text[j] == "~"):
        j += 1
    k = j
    while j < n and (text[j] in _CLOSERS or _is_emoji(text[j])):
        j += 1
    if j > k and j < n and any(c in _CLOSERS for c in text[k:j]) and text[j].isalnum():
        return -1  # "좋아!"라고 — a quotation inside the sentence
    return j


def split_sentences(text: str, min_chars: int = 2) -> list[str]:
    """Split text into speakable sentences.

    Ends a sentence at ``. ! ? … 。`` runs (``다.``, ``요!``, ``?!``, ``...``), with or without a space
    after them (``좋아요!다음`` splits; ``3.5`` and ``naver.com`` do not), at ``~`` before a space,
    at line breaks, and after a run of emoji before a space. Trailing closing quotes/brackets and
    emoji stay with their sentence; fragments without letters or digits (emoji only, "!!") are
    merged into the previous sentence.
    """
    text = text.strip()
    pieces: list[str] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        end = -1
        if ch in _TERMINATORS:
            end = _boundary(text, i)
        elif ch == "\n":
            end = i + 1
        elif ch == "~" and (i + 1 >= n or text[i + 1].isspace()):
            end = i + 1
        elif _is_emoji(ch) and i + 1 < n and text[i + 1].isspace() and i > start:
            end = i + 1
        if end > 0:
            pieces.append(text[start:end])
            start = i = end
            continue
        i += 1
    if start < n:
        pieces.append(text[start:])
    out: list[str] = []
    for p in pieces:
        s = p.strip()
        if not s:
            continue
        has_word = any(c.isalnum() for c in s)
        if out and (not has_word or len(s) < min_chars and not any(c in _TERMINATORS for c in s)):
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


def cap_sentences(sentences: list[str], max_chars: int) -> list[str]:
    """Every piece at most ``max_chars`` long: a longer sentence (an edited draft typed without
    punctuation, a run-on reply) is split at the last comma or space before the limit (a hard cut
    only when there is none), so a TTS server with a length limit never answers 413 with silence."""
    if max_chars <= 0:
        return [s for s in sentences if s.strip()]
    out: list[str] = []
    for s in sentences:
        s = s.strip()
        while len(s) > max_chars:
            head = s[:max_chars + 1]
            cut = max(head.rfind(", "), head.rfind("，"), head.rfind("、"))
            cut = cut + 1 if cut > max_chars // 3 else head.rfind(" ")
            if cut <= max_chars // 3:
                cut = max_chars
            piece, s = s[:cut].strip(), s[cut:].strip()
            if piece:
                out.append(piece)
        if s:
            out.append(s)
    return out


def graphemes(text: str) -> list[str]:
    """User-perceived characters: an emoji with its skin tone, variation selector or ZWJ parts
    (👍🏻, ❤️, 👨‍👩‍👧), a flag (two regional indicators) or a letter with combining marks is one."""
    out: list[str] = []
    join = False
    for ch in text:
        o = ord(ch)
        if out and (join or unicodedata.combining(ch) or o in (0x200D, 0xFE0E, 0xFE0F, 0x20E3)
                    or 0x1F3FB <= o <= 0x1F3FF or 0xE0020 <= o <= 0xE007F
                    or (0x1F1E6 <= o <= 0x1F1FF and len(out[-1]) == 1 and 0x1F1E6 <= ord(out[-1]) <= 0x1F1FF)):
            out[-1] += ch
        else:
            out.append(ch)
        join = o == 0x200D
    return out


def is_emoji_grapheme(g: str) -> bool:
    """True for a grapheme that is an emoji (pictograph, flag, keycap)."""
    return any(_is_emoji(c) and ord(c) not in (0x200D, 0xFE0F) for c in g) or "\u20e3" in g
