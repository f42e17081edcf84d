"""The one chat message model every source produces."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

_ids = itertools.count(1)


def next_id() -> int:
    """A fresh local message id (CHZZK sends none)."""
    return next(_ids)

ROLE_STREAMER = "streamer"
ROLE_MANAGER = "manager"
ROLE_VIEWER = "viewer"

KIND_CHAT = "chat"
KIND_DONATION = "donation"
KIND_SUBSCRIPTION = "subscription"


@dataclass
class ChatMessage:
    nickname: str
    text: str
    user_id: str = ""
    role: str = ROLE_VIEWER  # streamer | manager | viewer
    badges: list[str] = field(default_factory=list)  # badge image URLs
    emojis: dict[str, str] = field(default_factory=dict)  # placeholder name → image URL
    donation_amount: int | None = None  # KRW-like "cheese" amount for donations
    donation_type: str = ""  # CHAT | VIDEO for donations
    message_time: float | None = None  # epoch seconds from the platform, if given
    received_at: float = field(default_factory=time.monotonic)  # local monotonic receive time
    channel_id: str = ""
    source: str = ""  # rehearsal | chzzk | chzzk-unofficial
    id: int = field(default_factory=next_id)  # local id (CHZZK sends none)
    filtered_reason: str | None = None  # set when a filter dropped it (still shown dimmed)
    processed: bool = False  # answered by the AI (overlay dims it)
    priority: bool = False  # jump the batch queue (donations, "answer this now")
    kind: str = KIND_CHAT  # chat | donation | subscription
    # CHZZK identifies a message for moderation by (chatChannelId, messageTime, senderChannelId);
    # ``user_id`` holds senderChannelId and ``message_time_ms`` the raw messageTime.
    chat_channel_id: str = ""
    message_time_ms: int | None = None
    # SUBSCRIPTION events (kind == "subscription"): tierNo, tierName, month
    subscription_tier: int | None = None
    subscription_tier_name: str = ""
    subscription_months: int | None = None

    @property
    def is_donation(self) -> bool:
        return self.donation_amount is not None

    @property
    def is_subscription(self) -> bool:
        return self.kind == KIND_SUBSCRIPTION

    @property
    def is_streamer(self) -> bool:
        return self.role == ROLE_STREAMER
