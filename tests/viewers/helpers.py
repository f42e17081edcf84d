"""Shared set-up for the viewer memory tests: messages as the chat sources make them, a store on a temp file."""

from __future__ import annotations

import json
from pathlib import Path

from aischoco_gui.chat.parse import parse_official_chat, parse_official_donation, parse_official_subscription
from aischoco_gui.models import ChatMessage
from aischoco_gui.viewers.store import Delta, ViewerStore, open_store


def chat(text: str, *, sender: str = "ch-1", nick: str = "딸기우유") -> ChatMessage:
    """A CHAT event as CHZZK's official socket delivers it, parsed by the real parser."""
    return parse_official_chat(json.dumps({
        "channelId": "streamer-ch", "senderChannelId": sender, "chatChannelId": "cc-1",
        "profile": {"nickname": nick, "badges": [], "verifiedMark": False}, "userRoleCode": "common_user",
        "content": text, "emojis": {}, "messageTime": 1760000000000, "eventSentAt": "2026-01-01T00:00:00Z"}))


def donation(text: str, amount: int, *, donator: str = "ch-1", nick: str = "딸기우유") -> ChatMessage:
    return parse_official_donation(json.dumps({
        "donationType": "CHAT", "channelId": "streamer-ch", "donatorChannelId": donator,
        "donatorNickname": nick, "payAmount": str(amount), "donationText": text, "emojis": {}}))


def subscription(months: int, tier: int = 1, *, subscriber: str = "ch-1", nick: str = "딸기우유") -> ChatMessage:
    return parse_official_subscription(json.dumps({
        "channelId": "streamer-ch", "subscriberChannelId": subscriber, "subscriberNickname": nick,
        "tierNo": tier, "tierName": "골드" if tier == 2 else "기본", "month": months}))


def delta(key: str, nick: str, t: int, show: int, **kw) -> Delta:
    return Delta(key, nick, t, t, show, **{"messages": 1, **kw})


def fresh_store(path: Path) -> ViewerStore:
    return open_store(path).store


def file_bytes(path: Path) -> bytes:
    """The database and its WAL, as they are on disk."""
    out = path.read_bytes()
    wal = Path(f"{path}-wal")
    return out + (wal.read_bytes() if wal.exists() else b"")
