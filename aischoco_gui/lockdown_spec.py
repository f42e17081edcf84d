"""``LOCKDOWN_CHAT``: what lockdown does to CHZZK chat, as CHZZK allows it (DESIGN.md §4.1). Qt-free, bottom layer.

Forms (several joined with ``,``): ``slow:SECONDS`` (CHZZK's slow mode values 3, 5, 10, 30, 60, 120, 300),
``followers`` or ``followers:MINUTES`` (followers only, optionally followed for at least that long: CHZZK's
follower minimum values), ``subscribers`` (subscribers only), ``off`` (lockdown leaves chat alone).
:func:`restricted` turns the chat settings read at the moment of lockdown (CHZZK's API form,
``chatSlowModeSec`` …) into the ones to PUT; lift PUTs back what was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# CHZZK's allowed values (the chat adapter keeps the same table for its own validation)
SLOW_MODE_SECONDS = (0, 3, 5, 10, 30, 60, 120, 300)
FOLLOWER_MINUTES = (0, 5, 10, 30, 60, 1440, 10080, 43200, 86400, 129600, 172800, 216000, 259200)
FORMS = "slow:SECONDS, followers[:MINUTES], subscribers, off"


@dataclass(frozen=True)
class ChatLock:
    slow_s: int = 0  # 0: slow mode left as it is
    followers_min: int | None = None  # None: not followers-only
    subscribers: bool = False

    @property
    def off(self) -> bool:
        return not self.slow_s and self.followers_min is None and not self.subscribers


def parse_lockdown_chat(text: str) -> ChatLock:
    """Parse ``LOCKDOWN_CHAT``; ``ValueError`` names the accepted forms and values."""
    raw = (text or "").strip().lower()
    if raw in ("", "off"):
        return ChatLock()
    slow, followers, subs = 0, None, False
    for part in (p.strip() for p in raw.split(",")):
        name, _, arg = part.partition(":")
        name, arg = name.strip(), arg.strip()
        if name == "slow":
            try:
                slow = int(arg)
            except ValueError:
                raise ValueError(f"slow needs seconds, e.g. slow:30 (got {part!r})") from None
            if slow not in SLOW_MODE_SECONDS or slow == 0:
                raise ValueError(f"slow mode must be one of {', '.join(map(str, SLOW_MODE_SECONDS[1:]))} seconds "
                                 f"(got {part!r})")
        elif name == "followers":
            try:
                followers = int(arg) if arg else 0
            except ValueError:
                raise ValueError(f"followers takes minutes, e.g. followers:10 (got {part!r})") from None
            if followers not in FOLLOWER_MINUTES:
                raise ValueError(f"follower minutes must be one of {', '.join(map(str, FOLLOWER_MINUTES))} "
                                 f"(got {part!r})")
        elif name == "subscribers" and not arg:
            subs = True
        else:
            raise ValueError(f"not a lockdown chat setting: {part!r} (use {FORMS})")
    if subs and followers is not None:
        raise ValueError("choose followers or subscribers, not both")
    return ChatLock(slow, followers, subs)


def restricted(current: dict[str, Any], lock: ChatLock) -> dict[str, Any]:
    """The chat settings to PUT during lockdown: ``current`` (what CHZZK had) with the lock applied.

    A setting that is already stricter stays (a longer slow mode is kept; subscribers-only is not widened
    to followers-only)."""
    out = dict(current)
    if lock.slow_s:
        out["chatSlowModeSec"] = max(int(out.get("chatSlowModeSec") or 0), lock.slow_s)
    group = str(out.get("chatAvailableGroup") or "ALL")
    if lock.subscribers and group in ("ALL", "FOLLOWER"):
        out["chatAvailableGroup"] = "SUBSCRIBER"
    elif lock.followers_min is not None and group == "ALL":
        out["chatAvailableGroup"] = "FOLLOWER"
        out["minFollowerMinute"] = lock.followers_min
    elif lock.followers_min is not None and group == "FOLLOWER":
        out["minFollowerMinute"] = max(int(out.get("minFollowerMinute") or 0), lock.followers_min)
    return out
