"""Reactions that scale: a donation (₩ amount) or a subscription (tier, months) → a level and an
instruction for the LLM, so a ₩1,000 and a ₩100,000 donation, or a first and a 24-month
subscription, do not get the same reply.

Levels are settings in a compact form, ``"threshold:instruction;threshold:instruction;…"``
(``THANKS_DONATION_LEVELS`` in ₩, ``THANKS_SUBSCRIPTION_LEVELS`` in months). The highest
threshold not above the value wins; a value below the lowest threshold gets the lowest level.
A tier-2 subscription is one level above its months' level (capped at the top). A malformed
field falls back to the Korean defaults for that field alone and says why, naming the field.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aischoco_gui.i18n import tr
from aischoco_gui.show import strings as _strings  # noqa: F401  (registers the UI strings)
from aischoco_gui.show.base import TEMPLATE, LineGenerator, Submit, data_block
from aischoco_gui.tasks import TaskGroup
from aischoco_gui.text import clean_nickname
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)
KIND = "thanks"

DEFAULT_DONATION_LEVELS = (
    "1000:닉네임을 불러 한 문장으로 짧고 밝게 고마워하기;"
    "10000:닉네임을 부르며 진심으로 고마워하고 후원 메시지에 한마디 답하기;"
    "50000:깜짝 놀라며 크게 감격하고, 닉네임을 불러 진심 어린 감사와 함께 후원 메시지에 정성껏 답하기;"
    "100000:방송이 멈출 만큼 크게 감동한 리액션으로, 놀람과 특별한 감사 인사를 2~3문장으로 전하고 "
    "후원 메시지에 정성껏 답하기"
)
DEFAULT_SUBSCRIPTION_LEVELS = (
    "1:첫 구독을 반갑게 환영하며 짧게 고마워하기;"
    "3:몇 달째 함께해 준 것을 알아보고 따뜻하게 고마워하기;"
    "12:1년 가까이 함께한 의리에 감동하며 진심으로 고마워하기;"
    "24:2년 넘게 함께한 오랜 구독자에게 크게 감동하며 특별한 감사 인사를 2~3문장으로 전하기"
)
MAX_LEVELS = 12
MAX_INSTRUCTION = 200


class LevelSpecError(ValueError):
    """A levels setting could not be read; the message says what and where."""


@dataclass(frozen=True)
class Level:
    threshold: int
    instruction: str


@dataclass(frozen=True)
class Thanks:
    """One scaled reaction: which level (1 = smallest) and what to tell the LLM."""

    kind: str  # donation | subscription
    level: int
    levels: int
    instruction: str
    nickname: str = ""
    text: str = ""
    amount: int | None = None
    months: int | None = None
    tier_no: int | None = None
    tier_name: str = ""


def parse_levels(spec: str) -> tuple[Level, ...]:
    """``"1000:a;10000:b"`` → levels sorted by threshold. Raises :class:`LevelSpecError`."""
    items = [p.strip() for p in spec.split(";") if p.strip()]
    if not items:
        raise LevelSpecError("no levels given (expected e.g. 1000:짧게 고마워하기;10000:…)")
    if len(items) > MAX_LEVELS:
        raise LevelSpecError(f"at most {MAX_LEVELS} levels (got {len(items)})")
    out: list[Level] = []
    seen: set[int] = set()
    for n, item in enumerate(items, 1):
        head, sep, instruction = item.partition(":")
        if not sep:
            raise LevelSpecError(f"level {n} ({item[:30]!r}): expected THRESHOLD:INSTRUCTION")
        try:
            threshold = int(head.strip().replace(",", "").replace("_", ""))
        except ValueError:
            raise LevelSpecError(f"level {n}: threshold {head.strip()[:20]!r} is not a whole number") from None
        if threshold < 0:
            raise LevelSpecError(f"level {n}: threshold must be 0 or more (got {threshold})")
        if threshold in seen:
            raise LevelSpecError(f"level {n}: threshold {threshold} given twice")
        instruction = " ".join(instruction.split())
        if not instruction:
            raise LevelSpecError(f"level {n} ({threshold}): the instruction is empty")
        if len(instruction) > MAX_INSTRUCTION:
            raise LevelSpecError(f"level {n} ({threshold}): instruction longer than {MAX_INSTRUCTION} characters")
        seen.add(threshold)
        out.append(Level(threshold, instruction))
    return tuple(sorted(out, key=lambda lv: lv.threshold))


def _pick(levels: tuple[Level, ...], value: int) -> int:
    """Index of the highest level whose threshold is ≤ value (the lowest level below all thresholds)."""
    idx = 0
    for i, lv in enumerate(levels):
        if value >= lv.threshold:
            idx = i
    return idx


class ThanksPolicy:
    """Turns donations and subscriptions into a :class:`Thanks` (level + instruction)."""

    def __init__(self, donation_levels: tuple[Level, ...] | None = None,
                 subscription_levels: tuple[Level, ...] | None = None) -> None:
        self.donation_levels = donation_levels or parse_levels(DEFAULT_DONATION_LEVELS)
        self.subscription_levels = subscription_levels or parse_levels(DEFAULT_SUBSCRIPTION_LEVELS)

    @classmethod
    def from_specs(cls, donation: str = "", subscription: str = "") -> tuple[ThanksPolicy, dict[str, str]]:
        """Build from the two settings; a bad one falls back to its defaults alone.

        Returns the policy and problems keyed by environment name (empty when both are fine).
        """
        problems: dict[str, str] = {}
        parsed: dict[str, tuple[Level, ...] | None] = {}
        for env, spec in (("THANKS_DONATION_LEVELS", donation), ("THANKS_SUBSCRIPTION_LEVELS", subscription)):
            parsed[env] = None
            if spec.strip():
                try:
                    parsed[env] = parse_levels(spec)
                except LevelSpecError as e:
                    problems[env] = f"{e}; using the default levels"
        return cls(parsed["THANKS_DONATION_LEVELS"], parsed["THANKS_SUBSCRIPTION_LEVELS"]), problems

    @classmethod
    def from_settings(cls, settings: Any) -> tuple[ThanksPolicy, dict[str, str]]:
        return cls.from_specs(settings.thanks_donation_levels, settings.thanks_subscription_levels)

    def for_donation(self, amount: int, nickname: str = "", text: str = "") -> Thanks:
        amount = max(0, int(amount))
        i = _pick(self.donation_levels, amount)
        return Thanks("donation", i + 1, len(self.donation_levels), self.donation_levels[i].instruction,
                      nickname=nickname, text=text, amount=amount)

    def for_subscription(self, months: int, tier_no: int = 1, tier_name: str = "", nickname: str = "",
                         text: str = "") -> Thanks:
        months = max(1, int(months or 1))
        i = _pick(self.subscription_levels, months)
        if tier_no and int(tier_no) >= 2:
            i = min(i + 1, len(self.subscription_levels) - 1)
        return Thanks("subscription", i + 1, len(self.subscription_levels), self.subscription_levels[i].instruction,
                      nickname=nickname, text=text, months=months, tier_no=int(tier_no or 1), tier_name=tier_name)


def render_prompt(t: Thanks) -> str:
    """The user-role block telling the LLM how big this thanks is. Viewer nickname and text are
    data (fenced, escaped); only the streamer's instruction is plain text. Never for the system message."""
    data: dict[str, Any] = {"kind": t.kind, "nick": clean_nickname(t.nickname), "level": f"{t.level}/{t.levels}"}
    if t.kind == "donation":
        data["amount_krw"] = t.amount
        title = f"후원 감사: ₩{t.amount:,}"
    else:
        data.update(months=t.months, tier_no=t.tier_no, tier_name=t.tier_name)
        title = f"구독 감사: {t.months}개월"
    if t.text:
        data["text"] = t.text
    instruction = f"반응 크기 {t.level}/{t.levels} — {t.instruction}"
    return data_block(title, instruction, data)


def fallback_line(t: Thanks) -> str:
    """What is queued when the LLM cannot be reached (still filtered and approved like any draft)."""
    nick = clean_nickname(t.nickname, 20)
    if t.kind == "subscription":
        return f"{nick}님, {t.months}개월 구독 정말 고마워요!" if (t.months or 1) > 1 else f"{nick}님, 구독 고마워요!"
    return f"{nick}님, 후원 정말 고마워요!"


class ThanksLane:
    """The priority lane for donations and subscriptions.

    As a pipeline interceptor (:meth:`intercept`) it takes donation / subscription messages out of
    the chat batch and asks the LLM right away for a thanks scaled by :class:`ThanksPolicy`, so they
    do not wait behind a chat burst. The draft goes through the submit gate (kind ``thanks``),
    is moved to the front of the queue (``prioritize``), and with ``auto_approve`` is approved at
    once unless the output filter flagged it (flagged drafts always wait for the streamer).
    """

    def __init__(self, policy: ThanksPolicy, *, generate: LineGenerator, submit: Submit,
                 classify: Callable[[Any], Thanks | None] | None = None,
                 prioritize: Callable[[Any], None] | None = None, approve: Callable[[Any], None] | None = None,
                 auto_approve: bool = False, on_error: Callable[[str], None] | None = None,
                 tasks: TaskGroup | None = None) -> None:
        self.policy = policy
        self.generate = generate
        self.submit = submit
        self.classify = classify or self.donation_of
        self.prioritize = prioritize
        self.approve = approve
        self.auto_approve = auto_approve
        self.on_error = on_error
        self.tasks = tasks or TaskGroup("thanks")

    def donation_of(self, msg: Any) -> Thanks | None:
        """Default classifier: a :class:`ChatMessage` with a donation amount. Subscriptions need the
        chat source's subscription fields: pass a ``classify`` that maps them with
        :meth:`ThanksPolicy.for_subscription`."""
        amount = getattr(msg, "donation_amount", None)
        if isinstance(amount, int) and not isinstance(amount, bool):
            return self.policy.for_donation(amount, getattr(msg, "nickname", ""), getattr(msg, "text", ""))
        return None

    def intercept(self, msg: Any) -> bool:
        """Pipeline interceptor: True (consumed) for donations/subscriptions, which get their own draft."""
        t = self.classify(msg)
        if t is None:
            return False
        self.tasks.spawn(self.thank(t, [msg]), f"thanks-{getattr(msg, 'id', '')}")
        return True

    async def thank(self, t: Thanks, source: list[Any] | None = None) -> Any:
        """Generate and queue one scaled thanks; returns the draft (or None when the gate refused it)."""
        try:
            line = await self.generate(render_prompt(t))
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning("thanks generation failed: %s", e)
            if self.on_error is not None:
                self.on_error(tr("show.thanks.failed", error=explain(e)))
            line = None
        if line is not None and line.text.strip():
            draft = self.submit(line.text, line.emotion, KIND, source=source)
        else:  # no LLM answer: the fixed sentence, labelled as such
            draft = self.submit(fallback_line(t), "happy", KIND, source=source, by=TEMPLATE)
        if draft is None:
            return None
        if self.prioritize is not None:
            self.prioritize(draft)
        if self.auto_approve and self.approve is not None and not getattr(draft, "flagged", None):
            self.approve(draft)
        return draft
