"""Parsing of real-shaped CHZZK payloads (JSON strings, as the socket delivers them)."""

from __future__ import annotations

import json
import logging

import pytest

from aischoco_gui.chat.models import ROLE_MANAGER, ROLE_STREAMER, ROLE_VIEWER
from aischoco_gui.chat.parse import (
    MAX_TEXT_CHARS,
    MalformedEvent,
    parse_official_chat,
    parse_official_donation,
    parse_unofficial_item,
    plain_text,
    safe_parse,
    segments,
)

CHAT = json.dumps({
    "channelId": "ch-abc", "senderChannelId": "sender-123", "chatChannelId": "N1xyz",
    "profile": {"nickname": "초코팬", "badges": [{"imageUrl": "https://ssl.pstatic.net/static/nng/glive/badge/fan_01.png"}],
                "verifiedMark": False, "userRoleCode": "common_user"},
    "content": "안녕하세요 {:d_47:} 오늘 뭐해요?",
    "emojis": {"d_47": "https://ssl.pstatic.net/static/nng/glive/icon/d_47.gif"},
    "messageTime": 1732150000123, "eventSentAt": "2024-11-21T00:46:40Z",
}, ensure_ascii=False)

DONATION = json.dumps({
    "donationType": "CHAT", "channelId": "ch-abc", "donatorChannelId": "don-1", "donatorNickname": "큰손",
    "payAmount": "10000", "donationText": "노래 불러주세요", "emojis": {},
}, ensure_ascii=False)


def test_official_chat():
    m = parse_official_chat(CHAT)
    assert (m.nickname, m.user_id, m.role, m.channel_id) == ("초코팬", "sender-123", ROLE_VIEWER, "ch-abc")
    assert m.text == "안녕하세요 {:d_47:} 오늘 뭐해요?"
    assert m.emojis == {"d_47": "https://ssl.pstatic.net/static/nng/glive/icon/d_47.gif"}
    assert m.badges == ["https://ssl.pstatic.net/static/nng/glive/badge/fan_01.png"]
    assert m.message_time == pytest.approx(1732150000.123)
    assert m.received_at > 0 and not m.is_donation and m.source == "chzzk"
    url = m.emojis["d_47"]
    assert segments(m.text, m.emojis) == [("text", "안녕하세요 "), ("emoji", url), ("text", " 오늘 뭐해요?")]
    assert plain_text(m.text) == "안녕하세요 오늘 뭐해요?"


@pytest.mark.parametrize("code,role", [("streamer", ROLE_STREAMER), ("streaming_channel_manager", ROLE_MANAGER),
                                       ("streaming_chat_manager", ROLE_MANAGER), ("common_user", ROLE_VIEWER),
                                       ("something_new", ROLE_VIEWER), (None, ROLE_VIEWER)])
def test_roles(code, role):
    d = json.loads(CHAT)
    d["profile"]["userRoleCode"] = code
    assert parse_official_chat(json.dumps(d)).role == role


def test_official_donation():
    m = parse_official_donation(DONATION)
    assert m.is_donation and m.donation_amount == 10000 and m.donation_type == "CHAT"
    assert m.nickname == "큰손" and m.text == "노래 불러주세요" and m.user_id == "don-1"
    assert m.message_time is not None


def test_video_donation_and_amount_with_commas():
    d = json.loads(DONATION)
    d.update(donationType="VIDEO", payAmount="1,000", donatorNickname="")
    m = parse_official_donation(d)
    assert (m.donation_type, m.donation_amount, m.nickname) == ("VIDEO", 1000, "익명")


def test_ten_thousand_char_message_is_capped():
    d = json.loads(CHAT)
    d["content"] = "가" * 50_000
    m = parse_official_chat(json.dumps(d))
    assert len(m.text) == MAX_TEXT_CHARS and m.text.endswith("…")
    d["content"] = "나" * MAX_TEXT_CHARS
    assert parse_official_chat(d).text == "나" * MAX_TEXT_CHARS


def test_control_and_zero_width_chars_stripped_from_nickname_and_text():
    d = json.loads(CHAT)
    d["profile"]["nickname"] = "\u200b초\u200d코\u202e팬\x00\x07\ufeff"
    d["content"] = "hi\u200b\x1b[31m there"
    m = parse_official_chat(json.dumps(d))
    assert m.nickname == "초코팬"
    assert m.text == "hi[31m there"
    d["profile"]["nickname"] = "\u200b\u200c"
    assert parse_official_chat(d).nickname == "?"


@pytest.mark.parametrize("raw", ["{not json", "[]", json.dumps({"profile": {}}), json.dumps({"content": {"x": 1}}),
                                 json.dumps({"content": "x", "profile": "{bad"})])
def test_malformed_chat_raises(raw):
    with pytest.raises(MalformedEvent):
        parse_official_chat(raw)


def test_malformed_donation_amount():
    d = json.loads(DONATION)
    d["payAmount"] = "lots"
    with pytest.raises(MalformedEvent):
        parse_official_donation(d)


def test_safe_parse_logs_raw_payload(caplog):
    with caplog.at_level(logging.WARNING):
        assert safe_parse(parse_official_chat, '{"oops": true') is None
    assert '{"oops": true' in caplog.text


def test_unofficial_item_with_json_string_profile_and_extras():
    item = {"uid": "u-77", "msg": "ㅋㅋㅋ {:e:}", "msgTime": 1732150000999,
            "profile": json.dumps({"nickname": "매\u200b니저", "userRoleCode": "streaming_chat_manager",
                                   "badge": {"imageUrl": "https://b/1.png"}}),
            "extras": json.dumps({"emojis": {"e": "https://e/e.png"}, "streamingChannelId": "ch"})}
    m = parse_unofficial_item(item, donation=False)
    assert (m.nickname, m.role, m.user_id, m.channel_id) == ("매니저", ROLE_MANAGER, "u-77", "ch")
    assert m.emojis == {"e": "https://e/e.png"} and m.badges == ["https://b/1.png"]
    don = parse_unofficial_item({"uid": "anonymous", "msg": "익명 후원", "profile": None,
                                 "extras": json.dumps({"payAmount": 2000, "donationType": "CHAT"})}, donation=True)
    assert don.donation_amount == 2000 and don.user_id == "" and don.nickname == "익명"
    with pytest.raises(MalformedEvent):
        parse_unofficial_item({"msg": "x", "profile": "{nope"}, donation=False)


def test_top_level_role_wins_over_profile_and_extra_fields_are_ignored():
    from aischoco_gui.chat.parse import parse_official_chat as parse

    d = json.loads(CHAT)
    d["userRoleCode"] = "streamer"  # top level (CHZZK's field table); profile says common_user
    d["somethingNew"] = [{"x": 1}]
    m = parse(json.dumps(d))
    assert m.role == ROLE_STREAMER and m.chat_channel_id == "N1xyz" and m.user_id == "sender-123"
    assert m.message_time_ms == d["messageTime"]
    d["userRoleCode"] = None
    assert parse(json.dumps(d)).role == ROLE_VIEWER  # falls back to profile


def test_official_subscription():
    from aischoco_gui.chat.parse import parse_official_subscription

    m = parse_official_subscription(json.dumps({"channelId": "ch", "subscriberChannelId": "s-1",
                                                "subscriberNickname": "구독\u200b자", "tierNo": 2,
                                                "tierName": "티어 2", "month": "13", "extra": True}))
    assert (m.kind, m.nickname, m.user_id, m.subscription_tier, m.subscription_months) == \
        ("subscription", "구독자", "s-1", 2, 13)
    assert not m.is_donation and m.text == ""
    with pytest.raises(MalformedEvent):
        parse_official_subscription(json.dumps({"channelId": "ch"}))


@pytest.mark.parametrize("item,cmd_donation,kind", [
    ({"msgTypeCode": 1}, False, "chat"),
    ({"msgTypeCode": 10}, True, "donation"),
    ({"msgTypeCode": 11}, True, "subscription"),
    ({"msgTypeCode": 30}, True, None),
    ({"msgTypeCode": 1}, True, None),
    ({"messageTypeCode": 11}, False, "subscription"),
    ({"extras": json.dumps({"payAmount": 1000})}, True, "donation"),
    ({"extras": json.dumps({"description": "system"})}, True, None),
    ({}, False, "chat"),
])
def test_unofficial_kind(item, cmd_donation, kind):
    from aischoco_gui.chat.parse import unofficial_kind

    assert unofficial_kind(item, cmd_donation) == kind
