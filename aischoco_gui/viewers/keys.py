"""Which viewer a message belongs to: the platform's stable id, never the nickname alone.

CHZZK sends a stable channel id with every event (``senderChannelId`` on chat, ``donatorChannelId`` on
donations, ``subscriberChannelId`` on subscriptions; ``ChatMessage.user_id`` holds it); the official and
unofficial sources share that id space, so both key as ``chzzk:<id>``. Rehearsal chat has only the
typed nickname, and says so in the key (``rehearsal:<nick>``), so a rehearsal card never merges with a
real viewer's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aischoco_gui.models import KIND_DIRECTOR, KIND_VOICE, ROLE_STREAMER

if TYPE_CHECKING:
    from aischoco_gui.models import ChatMessage

REHEARSAL = "rehearsal"
MAX_KEY_CHARS = 200


def platform_of(source: str) -> str:
    """``chzzk`` for both CHZZK sources, ``rehearsal`` for typed chat, else the source name."""
    if source.startswith("chzzk"):
        return "chzzk"
    return source or "chat"


def viewer_key(msg: ChatMessage) -> str | None:
    """The card key of the message's sender, or None when the message belongs to no viewer (the
    streamer's own chat, the microphone, a director whisper, a platform event without a sender id)."""
    if msg.role == ROLE_STREAMER or msg.kind in (KIND_VOICE, KIND_DIRECTOR):
        return None
    platform = platform_of(msg.source)
    ident = (msg.nickname if platform == REHEARSAL else msg.user_id).strip()
    if not ident:
        return None
    return f"{platform}:{ident}"[:MAX_KEY_CHARS]


def valid_key(key: str) -> bool:
    """``platform:id`` with both parts present (what the store and the import accept)."""
    platform, sep, ident = key.partition(":")
    return bool(sep and platform and ident.strip()) and len(key) <= MAX_KEY_CHARS
