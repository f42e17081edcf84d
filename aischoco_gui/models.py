"""The shared models every layer speaks: a chat message, a reply, a reply draft.

Bottom layer: imports nothing of the app except ``text``. Adapters, the pipeline and the GUI all
use these, so none of them has to import another to pass a message along.
"""

from __future__ import annotations

import enum
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aischoco_gui.text import split_sentences

_ids = itertools.count(1)
_draft_ids = itertools.count(1)


def next_id() -> int:
    """A fresh local message id (CHZZK sends none)."""
    return next(_ids)

ROLE_STREAMER = "streamer"
ROLE_MANAGER = "manager"
ROLE_VIEWER = "viewer"

KIND_CHAT = "chat"
KIND_DONATION = "donation"
KIND_SUBSCRIPTION = "subscription"
KIND_VOICE = "voice"  # the streamer's microphone (co-host mode): a turn shown with 🎙
KIND_DIRECTOR = "director"  # a private director whisper: prompt only, never shown, spoken or saved


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
    kind: str = "chat"  # KIND_CHAT | KIND_DONATION | KIND_SUBSCRIPTION
    # CHZZK identifies a message for moderation by (chatChannelId, messageTime, senderChannelId);
    # ``user_id`` holds senderChannelId and ``message_time_ms`` the raw messageTime.
    chat_channel_id: str = ""
    message_time_ms: int | None = None
    # SUBSCRIPTION events (kind == "subscription"): tierNo, tierName, month
    subscription_tier: int | None = None
    subscription_tier_name: str = ""
    subscription_months: int | None = None
    # Viewer memory (issue 24): the sender's compact card for the one turn that answers this message.
    # Prompt-only, like a director whisper: never shown, never saved in conversation memory.
    viewer_card: dict[str, Any] | None = None

    @property
    def is_donation(self) -> bool:
        return self.donation_amount is not None

    @property
    def is_subscription(self) -> bool:
        return self.kind == KIND_SUBSCRIPTION

    @property
    def is_streamer(self) -> bool:
        return self.role == ROLE_STREAMER

    @property
    def is_director(self) -> bool:
        """A private instruction from the streamer (never on the overlay, in history or spoken)."""
        return self.kind == KIND_DIRECTOR

    @property
    def is_voice(self) -> bool:
        return self.kind == KIND_VOICE


DEFAULT_EMOTIONS = ("happy", "sad", "angry", "surprised", "neutral", "excited")


@dataclass
class FactProposal:
    """A fact the LLM proposes to remember about a viewer it answered (the streamer accepts it or not)."""

    nick: str
    text: str


@dataclass
class Reply:
    text: str
    emotion: str = "neutral"
    sentences: list[str] = field(default_factory=list)  # the text split for speech
    provider: str = ""  # e.g. "groq"
    model: str = ""
    latency_s: float = 0.0  # request sent → reply complete
    flagged: str | None = None  # output filter hit: never spoken automatically
    repaired: bool = False  # JSON had to be repaired
    notes: list[str] = field(default_factory=list)  # e.g. "unknown emotion 'joy' → neutral"
    fact: FactProposal | None = None  # viewer memory: a proposed fact about a viewer it answered


class DraftState(str, enum.Enum):
    PENDING = "pending"      # waiting for the streamer
    APPROVED = "approved"    # waiting to be spoken
    SPEAKING = "speaking"
    DONE = "done"
    SKIPPED = "skipped"


@dataclass
class Draft:
    reply: Reply
    batch: list[ChatMessage]
    turn: int
    created_at: float = field(default_factory=time.monotonic)
    id: int = field(default_factory=lambda: next(_draft_ids))
    state: DraftState = DraftState.PENDING
    text: str = ""  # what will be spoken (the reply text, or the streamer's edit)
    emotion: str = "neutral"
    edited: bool = False
    auto: bool = False  # approved by the timer/auto mode, not by a click
    approved_at: float | None = None
    version: int = 0  # bumped on every text change (pre-synthesis cache key)
    kind: str = "reply"  # where it came from: chat, tarot, idle_talk, …
    trimmed: bool = False  # cut to REPLY_MAX_CHARS by the gate

    def __post_init__(self) -> None:
        if not self.text:
            self.text = self.reply.text
        if self.emotion == "neutral" and self.reply.emotion:
            self.emotion = self.reply.emotion

    @property
    def flagged(self) -> str | None:
        return self.reply.flagged

    @property
    def sentences(self) -> list[str]:
        if not self.edited and self.reply.sentences:
            return list(self.reply.sentences)
        return split_sentences(self.text)
