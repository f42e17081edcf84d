"""Issue 22: everything the overlay shows passes the app's banned-word mask — chat lines and nicknames,
AI replies, alerts and every string of a feature's state (the tarot reading), in the snapshot and in
the deltas pushed to the pages; a broken filter leaves text out instead of showing it unchecked."""

from __future__ import annotations

import json

from aischoco_gui.models import ChatMessage
from aischoco_gui.overlay.state import OverlayState
from aischoco_gui.show.echo import ChatEcho
from aischoco_gui.wordfilter import WordFilter

WF = WordFilter(["시발", "fuck"])


def test_every_text_shown_is_masked():
    reading = {"phase": "result", "nickname": "시.발",
               "reading": {"summary": "ㅅㅣㅂㅏㄹ 조심", "keywords": ["ꜰᴜᴄᴋ", "용기"], "score": 70}}
    st = OverlayState(screen=WF.mask, tarot_getter=lambda: reading)
    deltas: list[dict] = []
    st.listen(deltas.append)
    st.add_chat(ChatMessage("시발맨", "오늘 시.발이다 ㅋㅋ", user_id="u1"))
    st.add_reply("이건 f.u.c.k 이야", "happy")
    st.push_alert("donation", "ㅅㅣㅂㅏㄹ", amount=1000, text="후원 시ㆍ발")
    st.tarot_changed()
    snap = json.dumps(st.snapshot(), ensure_ascii=False) + json.dumps(deltas, ensure_ascii=False)
    for raw in ("시발", "시.발", "ㅅㅣㅂㅏㄹ", "ꜰᴜᴄᴋ", "f.u.c.k", "시ㆍ발"):
        assert raw not in snap, raw
    assert st.viewer[-1]["user"] == "**맨" and st.viewer[-1]["message"] == "오늘 **이다 ㅋㅋ"
    assert st.assistant[-1]["message"] == "이건 **** 이야"
    assert st.alert["user"] == "**" and st.alert["text"] == "후원 **"
    tarot = st.snapshot()["tarot"]
    assert tarot["reading"]["keywords"] == ["****", "용기"] and tarot["reading"]["score"] == 70
    assert reading["reading"]["keywords"] == ["ꜰᴜᴄᴋ", "용기"]  # the feature's own state is not changed


def test_a_broken_filter_leaves_text_out():
    def broken(_text: str) -> str:
        raise RuntimeError("boom")

    st = OverlayState(screen=broken)
    assert st.add_reply("아무 말") is None  # nothing shown rather than unchecked text


def test_chat_echo_posts_masked_text():
    async def send(_m: str) -> None:
        pass

    echo = ChatEcho(send, enabled=True, screen=WF.mask)
    assert echo.messages_for("좋아요. 이건 시.발이다!") == ["좋아요. 이건 **이다!"]
