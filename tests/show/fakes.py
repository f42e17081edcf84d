"""Small fakes for the show tools: a controllable clock and recorders for the gate and the LLM."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aischoco_gui.show.base import ShowLine


class FakeClock:
    """Monotonic seconds that only move when a test moves them (``sleep`` advances it)."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, s: float) -> None:
        self.t += s

    async def sleep(self, s: float) -> None:
        self.t += s
        await asyncio.sleep(0)


@dataclass
class Gate:
    """Records what reached the approval gate."""

    drafts: list[tuple[str, str, str]] = field(default_factory=list)
    sources: list[list] = field(default_factory=list)
    by: list[str] = field(default_factory=list)  # who wrote each line ("" = the LLM, "template")
    flag_words: tuple[str, ...] = ()

    def __call__(self, text: str, emotion: str, kind: str, source: list | None = None, by: str = "") -> FakeDraft:
        self.drafts.append((text, emotion, kind))
        self.by.append(by)
        self.sources.append(list(source or []))
        hit = next((w for w in self.flag_words if w in text), None)
        return FakeDraft(len(self.drafts), text, f"banned word: {hit}" if hit else None)


@dataclass
class FakeDraft:
    id: int
    text: str
    flagged: str | None = None


@dataclass
class LineLLM:
    """Answers each prompt with a numbered line; can be made to fail or to wait for a release."""

    prompts: list[str] = field(default_factory=list)
    fail: str = ""
    hold: asyncio.Event | None = None

    async def __call__(self, user_block: str) -> ShowLine | None:
        self.prompts.append(user_block)
        if self.hold is not None:
            await self.hold.wait()
        if self.fail:
            raise RuntimeError(self.fail)
        return ShowLine(f"잡담 {len(self.prompts)}", "happy")
