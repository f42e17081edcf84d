"""Chat panel: cap, dimmed filtered rows with the reason, donation highlight, context actions, login."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from aischoco_gui.chat.filters import ChatFilter
from aischoco_gui.chat.oauth import MemoryTokenStore
from aischoco_gui.compose import Services
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.models import ROLE_MANAGER, ChatMessage
from aischoco_gui.paths import user_dirs
from aischoco_gui.pipeline.approval import ApprovalQueue
from aischoco_gui.pipeline.pipeline import Pipeline
from aischoco_gui.settings import Settings
from tests.doubles.chzzk_server import ChzzkDouble
from tests.doubles.services import bare_services
from tests.qt_async import qloop  # noqa: F401


def make_services(home, **settings) -> Services:
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    bus = EventBus()
    flt = ChatFilter.load(dirs.config / "chat_filters.json")
    return bare_services(Settings(**settings), dirs, bus, chat_filter=flt,
                         pipeline=Pipeline(bus, ApprovalQueue("manual", 0), flt, None, None, None))


@pytest.fixture
def panel(qtbot, home):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.panels.chat_panel import ChatPanel

    services = make_services(home, chat_panel_max=100)
    bridge = Bridge(services.bus)
    p = ChatPanel(services, bridge)
    qtbot.addWidget(p)
    yield p
    bridge.close()


def text_of(panel, row: int) -> str:
    return panel.model.data(panel.model.index(row), Qt.ItemDataRole.DisplayRole)


def test_rows_filtered_donation_and_cap(panel):
    services = panel.services
    services.chat_filter.add_banned_word("나쁜말")
    services.pipeline.on_chat(ChatMessage("매니저", "안녕하세요 여러분", user_id="m", role=ROLE_MANAGER))
    services.pipeline.on_chat(ChatMessage("악플", "이건 나쁜말 이에요", user_id="b"))
    services.pipeline.on_chat(ChatMessage("후원자", "노래해주세요", user_id="d", donation_amount=5000))
    panel.model.flush()
    assert panel.model.rowCount() == 3
    assert text_of(panel, 0) == "매니저: 안녕하세요 여러분"
    assert "걸러짐: 금칙어" in text_of(panel, 1)
    assert panel.model.data(panel.model.index(1), Qt.ItemDataRole.FontRole).italic()
    assert panel.model.data(panel.model.index(1), Qt.ItemDataRole.ForegroundRole).color().name() == "#969696"
    assert panel.model.data(panel.model.index(2), Qt.ItemDataRole.BackgroundRole) is not None
    assert panel.model.data(panel.model.index(0), Qt.ItemDataRole.ForegroundRole).color().name() == "#2e7d32"
    assert list(services.pipeline.backlog)[-1].priority  # the donation jumps the queue
    for i in range(150):
        services.pipeline.on_chat(ChatMessage("시청자", f"메시지 번호 {i}", user_id=f"u{i}"))
    panel.model.flush()
    assert panel.model.rowCount() == 100 and text_of(panel, 99) == "시청자: 메시지 번호 149"


def test_context_actions_ignore_and_ban(panel):
    services = panel.services
    msg = ChatMessage("도배러", "광고 링크 보세요", user_id="spam-1")
    menu = QMenu(panel)
    panel.extend_context_menu(menu, msg)
    actions = {a.text(): a for a in menu.actions()}
    assert set(actions) == {"이 사용자 무시: 도배러", "금칙어로 추가…"}
    actions["이 사용자 무시: 도배러"].trigger()
    assert services.chat_filter.check(ChatMessage("도배러", "다른 이름으로도", user_id="spam-1")) == "ignored_user"
    actions["금칙어로 추가…"].trigger()
    dlg = panel.banned_dialog  # non-modal: the loop keeps running while it is open
    assert dlg.isVisible() and dlg.textValue() == "광고 링크 보세요"
    dlg.setTextValue("광고")
    dlg.accept()
    assert services.chat_filter.check(ChatMessage("x", "광고 합니다", user_id="x")) == "banned_word"
    saved = (services.dirs.config / "chat_filters.json").read_text(encoding="utf-8")
    assert "spam-1" in saved and "광고" in saved


def test_filter_dialog_applies_and_rejects_bad_regex(panel):
    from aischoco_gui.gui.panels.chat_filter_dialog import ChatFilterDialog

    f = panel.services.chat_filter
    dlg = ChatFilterDialog(f, panel)
    dlg.lists["banned_regex"].setPlainText("([bad")
    dlg.apply()
    assert "invalid pattern" in dlg.error.text() and f.rules.banned_regex == []
    dlg.lists["banned_regex"].setPlainText(r"\d{3}-\d{4}")
    dlg.checks["ignore_streamer"].setChecked(False)
    dlg.min_length.setValue(5)
    dlg.apply()
    assert f.rules.banned_regex == [r"\d{3}-\d{4}"] and f.rules.ignore_streamer is False and f.rules.min_length == 5


def test_answer_now_from_filtered_message(panel):
    services = panel.services
    services.chat_filter.add_banned_word("금지")
    m = ChatMessage("시청자", "금지어가 있지만 답해줘", user_id="a")
    services.pipeline.on_chat(m)
    assert m.filtered_reason == "banned_word" and not services.pipeline.backlog
    services.pipeline.answer_now(m)
    assert services.pipeline.backlog[0] is m and m.priority


def test_login_action_real_redirect(qtbot, qloop, home):  # noqa: F811
    from aischoco_gui.chat.oauth import auth_from_settings
    from aischoco_gui.gui.controller import ChzzkLoginAction

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def go():
        d = await ChzzkDouble().start()
        d.valid_codes.add("the-code")
        services = make_services(home, chzzk_client_id=d.client_id, chzzk_client_secret=d.client_secret,
                                 chzzk_openapi_base=d.base_url,
                                 chzzk_redirect_uri=f"http://127.0.0.1:{port}/callback")
        services.chzzk_auth = auth_from_settings(services.settings, MemoryTokenStore())
        notices = []
        services.bus.subscribe(lambda ev: ev.kind is EventKind.NOTICE and notices.append(ev.data["text"]))

        def browser(url: str) -> None:  # what the user's browser does after approving
            state = parse_qs(urlparse(url).query)["state"][0]

            async def hit():
                async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{port}/callback",
                                                               params={"code": "the-code", "state": state}) as r:
                    assert r.status == 200

            asyncio.ensure_future(hit())

        ok = await ChzzkLoginAction(services, open_browser=browser).run(True)
        await d.stop()
        return ok, services.auth().tokens, notices

    ok, tokens, notices = qloop.run_until_complete(go())
    assert ok and tokens.access_token == "user-token-2"
    assert any("CHAT_SOURCE=chzzk" in n for n in notices)


def test_flush_timer_sleeps_while_no_chat_arrives(qtbot):
    from aischoco_gui.gui.panels.chat_panel import ChatListModel

    model = ChatListModel(cap=10, flush_ms=20)
    assert not model._timer.isActive()  # idle: no 20 Hz wake
    model.append(ChatMessage(nickname="a", text="hi"))
    assert model._timer.isActive()
    qtbot.waitUntil(lambda: model.rowCount() == 1 and not model._timer.isActive(), timeout=2000)
