"""o200k_base token counting from the file shipped in ``resources/tiktoken`` — never the network.

The ranks are read from the shipped file (hash-checked) into :class:`aischoco_gui.llm.bpe.BpeCounter`, an
exact counter with tiktoken's algorithm and o200k's pattern in ~6 MB (tiktoken's own core holds ~43 MB for
the same table; issue 27). Loading takes ~0.3 s, so :meth:`TokenCounter.load_async` does it in a thread;
until then counts are estimated (conservatively, so the window never overflows while loading).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

from aischoco_gui import heap
from aischoco_gui.llm.bpe import BpeCounter, RankTable
from aischoco_gui.paths import resource_path

log = logging.getLogger(__name__)

O200K_FILE = "o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
O200K_PATTERN = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
O200K_SPECIALS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
MESSAGE_OVERHEAD = 4  # per chat message (role + separators), as OpenAI's counting guide does


def load_o200k(path: Path | None = None) -> BpeCounter:
    """The o200k_base counter from the local file (raises ValueError if it is not that file, OSError if
    unreadable). ``counter.count(text)`` equals ``len(tiktoken o200k_base.encode_ordinary(text))``."""
    path = path or resource_path("tiktoken", O200K_FILE)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != O200K_SHA256:
        raise ValueError(f"{path} is not the o200k_base file (sha256 {digest[:12]}…)")
    table = RankTable.from_tiktoken_file(data)
    del data
    heap.trim()
    return BpeCounter(table, O200K_PATTERN)


def estimate_tokens(text: str) -> int:
    """Upper-bound-ish estimate before the encoder is loaded (Korean ≈ 1 token per syllable)."""
    ascii_n = sum(1 for ch in text if ord(ch) < 128)
    return (len(text) - ascii_n) + ascii_n // 3 + 1


class TokenCounter:
    """Counts tokens with o200k; estimates until the encoder is loaded."""

    _shared: Any = None
    _lock = threading.Lock()

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.error: str = ""

    @property
    def ready(self) -> bool:
        return TokenCounter._shared is not None

    def load(self) -> None:
        with TokenCounter._lock:
            if TokenCounter._shared is None:
                try:
                    TokenCounter._shared = load_o200k(self.path)
                except (OSError, ValueError) as e:
                    self.error = str(e)
                    log.error("token counter unavailable, estimating instead: %s", e)

    async def load_async(self) -> None:
        if not self.ready:
            await asyncio.to_thread(self.load)

    def count(self, text: str) -> int:
        enc = TokenCounter._shared
        if enc is None:
            return estimate_tokens(text)
        return enc.count(text)

    def count_message(self, content: str) -> int:
        return self.count(content) + MESSAGE_OVERHEAD
