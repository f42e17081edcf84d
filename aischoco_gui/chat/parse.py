"""Turn CHZZK event payloads (official Open API and the unofficial cmd protocol) into ChatMessage.

Every payload may arrive as a JSON *string* (that is how CHZZK sends them) or an already decoded
dict. Anything malformed raises :class:`MalformedEvent`; sources log it with the raw payload and
skip it (see :func:`safe_parse`), so one bad event never stops the stream.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from aischoco_gui.chat.models import (
    KIND_DONATION,
    KIND_SUBSCRIPTION,
    ROLE_MANAGER,
    ROLE_STREAMER,
    ROLE_VIEWER,
    ChatMessage,
)
from aischoco_gui.text import clean_display_text, clean_nickname

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 10_000  # CHZZK caps chat far lower; anything longer is hostile or broken
MAX_RAW_LOG_CHARS = 2_000

ROLE_MAP = {
    "streamer": ROLE_STREAMER,
    "streaming_channel_owner": ROLE_STREAMER,
    "streaming_channel_manager": ROLE_MANAGER,
    "streaming_chat_manager": ROLE_MANAGER,
    "common_user": ROLE_VIEWER,
}

EMOJI_RE = re.compile(r"\{:([^{}:\s]{1,64}):\}")


class MalformedEvent(ValueError):
    """The payload does not have the shape CHZZK documents."""


def _obj(raw: Any, what: str) -> dict[str, Any]:
    if isinstance(raw, (bytes, bytearray)):
        raw = raw.decode("utf-8", errors="replace")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except ValueError as e:
            raise MalformedEvent(f"{what}: not JSON ({e})") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MalformedEvent(f"{what}: expected an object, got {type(raw).__name__}")
    return raw


def _str(d: dict[str, Any], key: str, default: str = "") -> str:
    v = d.get(key, default)
    if v is None:
        return default
    if isinstance(v, (dict, list)):
        raise MalformedEvent(f"{key}: expected text, got {type(v).__name__}")
    return str(v)


def _epoch_s(v: Any) -> float | None:
    """CHZZK times are epoch milliseconds (int or numeric string)."""
    if v is None or v == "":
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f / 1000.0 if f > 1e11 else f


def _epoch_ms(v: Any) -> int | None:
    """The raw CHZZK time in epoch milliseconds (what moderation calls send back), or None."""
    if v is None or v == "" or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return int(f) if f > 1e11 else int(f * 1000)


def _int(v: Any) -> int | None:
    if v is None or v == "" or isinstance(v, bool):
        return None
    try:
        return int(float(str(v).strip()))
    except (TypeError, ValueError):
        return None


def role_code(d: dict[str, Any], profile: dict[str, Any]) -> Any:
    """``userRoleCode`` is top level in CHZZK's CHAT field table; ``profile`` is only a fallback."""
    code = d.get("userRoleCode")
    return code if code else profile.get("userRoleCode")


def map_role(code: Any) -> str:
    return ROLE_MAP.get(str(code or "").lower(), ROLE_VIEWER)


def clean_text(text: str) -> str:
    """Strip control/format characters and cap at :data:`MAX_TEXT_CHARS`."""
    if len(text) > MAX_TEXT_CHARS * 2:  # don't scan megabytes just to throw them away
        text = text[: MAX_TEXT_CHARS * 2]
    return clean_display_text(text, max_len=MAX_TEXT_CHARS).strip()


def _emojis(raw: Any) -> dict[str, str]:
    if not raw:
        return {}
    if isinstance(raw, str):
        raw = _obj(raw, "emojis")
    if not isinstance(raw, dict):
        raise MalformedEvent("emojis: expected an object")
    return {str(k): str(v) for k, v in raw.items() if isinstance(v, str) and v.startswith(("http://", "https://"))}


def used_emojis(text: str, emojis: dict[str, str]) -> dict[str, str]:
    """Only the emojis whose ``{:name:}`` placeholder is in the text."""
    names = set(EMOJI_RE.findall(text))
    return {k: v for k, v in emojis.items() if k in names}


def segments(text: str, emojis: dict[str, str]) -> list[tuple[str, str]]:
    """Split text into ``("text", s)`` and ``("emoji", url)`` parts (unknown placeholders stay text)."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in EMOJI_RE.finditer(text):
        url = emojis.get(m.group(1))
        if url is None:
            continue
        if m.start() > pos:
            out.append(("text", text[pos:m.start()]))
        out.append(("emoji", url))
        pos = m.end()
    if pos < len(text):
        out.append(("text", text[pos:]))
    return out


def plain_text(text: str) -> str:
    """Text for the LLM and filters: emoji placeholders removed, whitespace collapsed."""
    return " ".join(EMOJI_RE.sub(" ", text).split())


def _badges(profile: dict[str, Any]) -> list[str]:
    urls: list[str] = []
    for key in ("badges", "activityBadges"):
        items = profile.get(key) or []
        if isinstance(items, list):
            urls += [str(b["imageUrl"]) for b in items if isinstance(b, dict) and b.get("imageUrl")]
    badge = profile.get("badge")
    if isinstance(badge, dict) and badge.get("imageUrl"):
        urls.insert(0, str(badge["imageUrl"]))
    return urls


# -- official Open API ----------------------------------------------------------------------

def parse_official_chat(raw: Any, source: str = "chzzk") -> ChatMessage:
    """``CHAT``: channelId, senderChannelId, chatChannelId, profile{nickname, badges, verifiedMark},
    userRoleCode (top level; ``profile.userRoleCode`` as a fallback), content, emojis, messageTime.
    Unknown extra fields are ignored."""
    d = _obj(raw, "CHAT")
    profile = _obj(d.get("profile"), "CHAT.profile")
    if "content" not in d:
        raise MalformedEvent("CHAT: no content")
    text = clean_text(_str(d, "content"))
    emojis = used_emojis(text, _emojis(d.get("emojis")))
    return ChatMessage(
        nickname=clean_nickname(_str(profile, "nickname")),
        text=text,
        user_id=_str(d, "senderChannelId"),
        role=map_role(role_code(d, profile)),
        badges=_badges(profile),
        emojis=emojis,
        message_time=_epoch_s(d.get("messageTime")),
        message_time_ms=_epoch_ms(d.get("messageTime")),
        chat_channel_id=_str(d, "chatChannelId"),
        channel_id=_str(d, "channelId"),
        source=source,
    )


def _amount(v: Any) -> int:
    try:
        return int(float(str(v).replace(",", "").strip()))
    except (TypeError, ValueError):
        raise MalformedEvent(f"DONATION: payAmount {v!r} is not a number") from None


def parse_official_donation(raw: Any, source: str = "chzzk") -> ChatMessage:
    """``DONATION``: donationType, channelId, donatorChannelId, donatorNickname, payAmount (string), donationText."""
    d = _obj(raw, "DONATION")
    if "payAmount" not in d:
        raise MalformedEvent("DONATION: no payAmount")
    text = clean_text(_str(d, "donationText"))
    return ChatMessage(
        nickname=clean_nickname(_str(d, "donatorNickname") or "익명"),
        text=text,
        user_id=_str(d, "donatorChannelId"),
        role=ROLE_VIEWER,
        emojis=used_emojis(text, _emojis(d.get("emojis"))),
        donation_amount=_amount(d.get("payAmount")),
        donation_type=_str(d, "donationType", "CHAT").upper() or "CHAT",
        message_time=_epoch_s(d.get("messageTime")) or time.time(),
        channel_id=_str(d, "channelId"),
        source=source,
        kind=KIND_DONATION,
    )


def parse_official_subscription(raw: Any, source: str = "chzzk") -> ChatMessage:
    """``SUBSCRIPTION``: channelId, subscriberChannelId, subscriberNickname, tierNo (1|2), tierName, month.

    CHZZK sends no time field: ``message_time`` is the receive time (wall clock). A subscriber's
    (tierNo, month) happens once, so sources dedupe on (subscriberChannelId, tierNo, month).
    """
    d = _obj(raw, "SUBSCRIPTION")
    if not (d.get("subscriberChannelId") or d.get("subscriberNickname")):
        raise MalformedEvent("SUBSCRIPTION: no subscriber")
    months = _int(d.get("month"))
    tier = _int(d.get("tierNo"))
    return ChatMessage(
        nickname=clean_nickname(_str(d, "subscriberNickname") or "익명"),
        text="",
        user_id=_str(d, "subscriberChannelId"),
        role=ROLE_VIEWER,
        channel_id=_str(d, "channelId"),
        source=source,
        kind=KIND_SUBSCRIPTION,
        subscription_tier=tier,
        subscription_tier_name=clean_text(_str(d, "tierName")),
        subscription_months=months,
        message_time=time.time(),
    )


# -- unofficial cmd protocol (93101 chat, 93102 donation and other paid/system messages) ------

# msgTypeCode (``messageTypeCode`` in recent-chat replies), as CHZZK's web client and the peer
# libraries (kimcore/chzzk, chzzkpy) name them. 93102 carries donations *and* subscriptions and
# system messages, so the kind comes from msgTypeCode, never from the cmd alone.
MSG_TEXT, MSG_IMAGE, MSG_STICKER, MSG_VIDEO, MSG_RICH = 1, 2, 3, 4, 5
MSG_DONATION, MSG_SUBSCRIPTION, MSG_SYSTEM = 10, 11, 30
CHAT_TYPE_CODES = frozenset({MSG_TEXT, MSG_IMAGE, MSG_STICKER, MSG_VIDEO, MSG_RICH})


def unofficial_kind(item: Any, cmd_is_donation: bool) -> str | None:
    """``chat`` / ``donation`` / ``subscription`` for one cmd item, or None to skip it (system
    messages, notices, unknown codes). Without a code, 93101 is chat and 93102 a donation only when
    its extras carry a payAmount."""
    if not isinstance(item, dict):
        return "chat"  # let the parser report the malformed item
    code = _int(item.get("msgTypeCode", item.get("messageTypeCode")))
    if code is None:
        if not cmd_is_donation:
            return "chat"
        try:
            has_amount = "payAmount" in _obj(item.get("extras"), "extras")
        except MalformedEvent:
            return None
        return KIND_DONATION if has_amount else None
    if code == MSG_DONATION:
        return KIND_DONATION
    if code == MSG_SUBSCRIPTION:
        return KIND_SUBSCRIPTION
    if code in CHAT_TYPE_CODES and not cmd_is_donation:
        return "chat"
    return None


def parse_unofficial_item(item: Any, donation: bool | str, source: str = "chzzk-unofficial") -> ChatMessage:
    """One entry of a 93101/93102 ``bdy`` list; ``profile`` and ``extras`` are JSON strings.

    ``donation`` is the kind (``"chat"``, ``"donation"``, ``"subscription"``; a bool means chat or
    donation). Subscriptions carry ``extras{month, tierNo, tierName}``.
    """
    kind = (KIND_DONATION if donation else "chat") if isinstance(donation, bool) else donation
    if not isinstance(item, dict):
        raise MalformedEvent(f"cmd item: expected an object, got {type(item).__name__}")
    profile = _obj(item.get("profile"), "profile")
    extras = _obj(item.get("extras"), "extras")
    text = clean_text(_str(item, "msg") or _str(item, "content"))
    uid = _str(item, "uid") or _str(item, "userId")
    if uid == "anonymous":
        uid = ""
    paid = kind in (KIND_DONATION, KIND_SUBSCRIPTION)
    msg = ChatMessage(
        nickname=clean_nickname(_str(profile, "nickname") or ("익명" if paid else "")),
        text=text,
        user_id=uid,
        role=map_role(role_code(item, profile)),
        badges=_badges(profile),
        emojis=used_emojis(text, _emojis(extras.get("emojis"))),
        message_time=_epoch_s(item.get("msgTime") or item.get("messageTime")),
        message_time_ms=_epoch_ms(item.get("msgTime") or item.get("messageTime")),
        chat_channel_id=_str(item, "cid"),
        channel_id=_str(extras, "streamingChannelId"),
        source=source,
    )
    if kind == KIND_DONATION:
        if "payAmount" not in extras:
            raise MalformedEvent("donation without payAmount")
        msg.kind = KIND_DONATION
        msg.donation_amount = _amount(extras.get("payAmount"))
        msg.donation_type = _str(extras, "donationType", "CHAT").upper() or "CHAT"
    elif kind == KIND_SUBSCRIPTION:
        msg.kind = KIND_SUBSCRIPTION
        msg.subscription_months = _int(extras.get("month"))
        msg.subscription_tier = _int(extras.get("tierNo"))
        msg.subscription_tier_name = clean_text(_str(extras, "tierName"))
    return msg


def safe_parse(fn: Callable[..., ChatMessage], raw: Any, *args: Any) -> ChatMessage | None:
    """Parse or log (with the raw payload, truncated) and return None."""
    try:
        return fn(raw, *args)
    except Exception as e:  # malformed input must never stop the source
        text = raw if isinstance(raw, str) else repr(raw)
        log.warning("skipping malformed chat event (%s): %s", e, text[:MAX_RAW_LOG_CHARS])
        return None
