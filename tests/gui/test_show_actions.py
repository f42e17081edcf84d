"""Show tools in the window (issue 17): moderation and notice from a chat row and from a reply card,
chat settings quick toggles, log out — click, confirm once, then assert what the CHZZK API double
received and what the panel shows next to the action (403 names the scope, 429 the retry-after)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from PySide6.QtWidgets import QMessageBox

from aischoco_gui.chat.oauth import ChzzkAuth, MemoryTokenStore, TokenSet
from aischoco_gui.chat.parse import parse_official_chat
from aischoco_gui.events import EventBus
from aischoco_gui.i18n import tr
from aischoco_gui.models import Reply
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.chzzk_api_server import SCOPES, ChzzkApiDouble
from tests.doubles.services import bare_services
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until

ALL_SCOPES = " ".join(sorted(set(SCOPES.values())))


@pytest.fixture
def double(qloop):  # noqa: F811
    d = qloop.run_until_complete(ChzzkApiDouble(ping_interval_ms=300, ping_timeout_ms=300).start())
    yield d
    qloop.run_until_complete(d.stop())


def make_window(qtbot, home, d, *, chat_source: str = "chzzk", scope: str = ALL_SCOPES, **settings):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    s = dataclasses.replace(Settings(), chat_source=chat_source, chzzk_openapi_base=d.base_url,
                            chzzk_client_id=d.client_id, chzzk_client_secret=d.client_secret, **settings)
    auth = ChzzkAuth(base_url=d.base_url, client_id=d.client_id, client_secret=d.client_secret,
                     store=MemoryTokenStore(TokenSet("user-token-1", "refresh-1", scope=scope)))
    services = bare_services(s, user_dirs({"AISCHOCO_HOME": str(home)}), bus, chzzk_auth=auth)
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    return win, services


def chat_message(d: ChzzkApiDouble, text: str = "광고 링크 클릭하세요", sender: str = "bad-1", nick: str = "광고봇"):
    """A CHAT event as the double pushes it (it remembers it, so blind-message can find it), parsed."""
    return parse_official_chat(json.dumps(d.chat_payload(text, sender=sender, nickname=nick)))


def answer(box: QMessageBox, button=QMessageBox.StandardButton.Yes) -> None:
    box.button(button).click()


def trigger(menu, name: str):
    for act in menu.actions():
        if act.objectName() == name:
            act.trigger()
            return act
        if act.menu() is not None:
            for sub in act.menu().actions():
                if sub.objectName() == name:
                    sub.trigger()
                    return sub
    raise AssertionError(f"no action {name}")


def test_moderation_from_a_chat_row_confirms_once_and_reaches_chzzk(qtbot, qloop, home, double):  # noqa: F811
    win, services = make_window(qtbot, home, double)
    panel = win.panels["chat"]
    msg = chat_message(double)
    other = chat_message(double, "안녕하세요", sender="fan-1", nick="팬")
    p = services.pipeline
    only_bad = p.add_reply(Reply("광고봇님 안녕하세요"), [msg], kind="chat")
    mixed = p.add_reply(Reply("두 분 안녕하세요"), [msg, other], kind="chat")

    async def scenario() -> None:
        # cancel: nothing is sent
        trigger(panel.build_context_menu(msg), "mod_blind_message")
        answer(panel.confirm_box, QMessageBox.StandardButton.Cancel)
        await wait_until(lambda: not panel.confirm_box.isVisible(), 2, "the confirmation closed")
        assert double.action_log == []
        # hide the message
        trigger(panel.build_context_menu(msg), "mod_blind_message")
        answer(panel.confirm_box)
        await wait_until(lambda: double.blinded, 5, "blind-message received")
        assert double.blinded == [(msg.chat_channel_id, msg.message_time_ms, "bad-1")]
        await wait_until(lambda: not panel.action_result.isHidden(), 5, "result shown")
        assert tr("api.ok", action=tr("api.action.blind_message")) in panel.action_result.text()
        # the user's own draft is dropped, the mixed one kept (and the panel says so)
        assert only_bad not in p.queue.pending and mixed in p.queue.pending
        result = panel.action_result.text()
        assert tr("mod.dropped", n=1) in result and tr("mod.mixed", n=1) in result
        # temporary restriction, ban, lift
        for action, check in (("temporary_restrict", lambda: double.temp_restricted == [("bad-1",
                                                                                          msg.chat_channel_id)]),
                              ("restrict", lambda: "bad-1" in double.restricted),
                              ("unrestrict", lambda: "bad-1" not in double.restricted
                               and ("restrict", 200) in double.action_log[-1:])):
            trigger(panel.build_context_menu(msg), f"mod_{action}")
            answer(panel.confirm_box)
            await wait_until(check, 5, f"{action} received")

    qloop.run_until_complete(scenario())


def test_a_missing_scope_and_a_rate_limit_are_shown_next_to_the_action(qtbot, qloop, home, double):  # noqa: F811
    win, services = make_window(qtbot, home, double)
    panel = win.panels["chat"]
    msg = chat_message(double)
    double.granted_scopes.discard(SCOPES["blind"])
    double.rate_limits["restrict"] = (1, 60)

    async def scenario() -> None:
        trigger(panel.build_context_menu(msg), "mod_blind_message")
        answer(panel.confirm_box)
        await wait_until(lambda: ("blind", 403) in double.action_log, 5, "403 from CHZZK")
        await wait_until(lambda: SCOPES["blind"] in panel.action_result.text(), 5, "the scope named")
        assert "403" in panel.action_result.text() and not double.blinded
        for _ in range(2):
            trigger(panel.build_context_menu(msg), "mod_restrict")
            answer(panel.confirm_box)
        await wait_until(lambda: ("restrict", 429) in double.action_log, 5, "429 from CHZZK")
        await wait_until(lambda: "429" in panel.action_result.text(), 5, "the rate limit shown")
        assert tr("api.rate_limited", action=tr("api.action.restrict"), s=60) == panel.action_result.text()

    qloop.run_until_complete(scenario())


def test_unofficial_source_cannot_moderate_and_says_so(qtbot, qloop, home, double):  # noqa: F811
    win, services = make_window(qtbot, home, double, chat_source="chzzk-unofficial")
    msg = chat_message(double)
    menu = win.panels["chat"].build_context_menu(msg)
    mods = [a for a in menu.actions() if a.menu() is not None][0].menu().actions()
    assert mods and all(not a.isEnabled() and a.toolTip() == tr("mod.unavailable") for a in mods)
    assert "무시" in tr("mod.unavailable")  # points at the local ignore list
    notice = next(a for a in menu.actions() if a.objectName() == "pin_notice")
    assert not notice.isEnabled()
    assert not win.panels["show"].slow.isEnabled() and not win.panels["show"].logout_btn.isEnabled()


def test_reply_card_pins_its_text_and_moderates_its_source(qtbot, qloop, home, double):  # noqa: F811
    win, services = make_window(qtbot, home, double)
    panel = win.panels["replies"]
    msg = chat_message(double)
    d = services.pipeline.add_reply(Reply("오늘 방송은 밤 11시까지 해요!"), [msg], kind="chat")
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    panel.list.setCurrentRow(0)

    async def scenario() -> None:
        trigger(panel.build_context_menu(), "pin_notice")
        answer(panel.confirm_box)
        await wait_until(lambda: double.notices, 5, "notice received")
        assert double.notices == [{"message": "오늘 방송은 밤 11시까지 해요!", "messageId": None}]
        trigger(panel.build_context_menu(), "mod_temporary_restrict")
        answer(panel.confirm_box)
        await wait_until(lambda: double.temp_restricted, 5, "temporary restriction received")
        await wait_until(lambda: d not in services.pipeline.queue.pending, 5, "the user's draft dropped")
        assert tr("api.action.temporary_restrict") in panel.action_result.text()

    qloop.run_until_complete(scenario())


def test_chat_settings_toggles_reflect_chzzk_and_put_changes(qtbot, qloop, home, double):  # noqa: F811
    double.chat_settings.update(chatSlowModeSec=30, chatAvailableGroup="FOLLOWER", minFollowerMinute=60)
    win, services = make_window(qtbot, home, double)
    panel = win.panels["show"]

    async def scenario() -> None:
        await wait_until(lambda: panel.current is not None, 5, "the real state read on load")
        assert (panel.slow.currentData(), panel.group.currentData(), panel.follower_min.currentData()) == (
            30, "FOLLOWER", 60)
        assert [panel.slow.itemData(i) for i in range(panel.slow.count())] == [0, 3, 5, 10, 30, 60, 120, 300]
        panel.slow.setCurrentIndex(panel.slow.findData(5))
        await wait_until(lambda: double.settings_puts, 5, "PUT received")
        assert double.settings_puts[-1]["chatSlowModeSec"] == 5 and double.chat_settings["chatSlowModeSec"] == 5
        await wait_until(lambda: panel.slow.isEnabled(), 5, "toggles usable again")
        panel.group.setCurrentIndex(panel.group.findData("SUBSCRIBER"))
        await wait_until(lambda: double.chat_settings["chatAvailableGroup"] == "SUBSCRIBER", 5, "group PUT")
        # refused: the scope is named and the combo shows what CHZZK still has
        double.granted_scopes.discard(SCOPES["settings_put"])
        await wait_until(lambda: panel.slow.isEnabled(), 5, "toggles usable again")
        panel.slow.setCurrentIndex(panel.slow.findData(300))
        await wait_until(lambda: "403" in panel.result.text(), 5, "403 shown")
        assert f"'{SCOPES['settings_put']}'" in panel.result.text()  # the scope, by name
        assert panel.slow.currentData() == 5 and double.chat_settings["chatSlowModeSec"] == 5

    qloop.run_until_complete(scenario())


def test_logout_revokes_the_token_and_clears_it(qtbot, qloop, home, double):  # noqa: F811
    win, services = make_window(qtbot, home, double, scope="채팅 메시지 조회 채팅 메시지 전송")
    panel = win.panels["show"]
    assert SCOPES["blind"] in panel.scopes.text() and SCOPES["settings_put"] in panel.scopes.text()  # missing ones

    async def scenario() -> None:
        panel.logout_btn.click()
        answer(panel.confirm_box)
        await wait_until(lambda: len(double.revoked) == 2, 5, "access and refresh token revoked")
        assert [r["token"] for r in double.revoked] == ["user-token-1", "refresh-1"]
        await wait_until(lambda: panel.result.text() == tr("logout.done"), 5, "result shown")
        assert services.auth().tokens is None and services.auth().store.load() is None
        assert panel.scopes.text() == tr("scopes.no_login")

    qloop.run_until_complete(scenario())


def test_a_refused_chat_echo_is_shown_in_the_show_panel(qtbot, qloop, home, double):  # noqa: F811
    from aischoco_gui.compose import build_services, start_services, stop_services
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import MainWindow
    from tests.doubles.recording import RecordingAvatar, RecordingSpeaker

    bus = EventBus()
    s = dataclasses.replace(Settings(), chat_source="chzzk", chzzk_openapi_base=double.base_url,
                            chzzk_access_token="user-token-1", chzzk_chat_echo="on", chat_echo_min_interval_s=0.0)
    services = build_services(s, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                              overrides={"chat": None, "overlay": None, "speaker": RecordingSpeaker(bus),
                                         "avatar": RecordingAvatar(bus)})
    win = MainWindow(services, Bridge(bus))
    qtbot.addWidget(win)
    panel = win.panels["show"]
    assert "split" in panel.state.text()  # echo on, in split mode
    double.granted_scopes.discard(SCOPES["send"])

    async def scenario() -> None:
        await start_services(services)
        try:
            d = services.pipeline.add_reply(Reply("방송 재밌게 봐 주세요!"), [], kind="chat")
            services.pipeline.approve(d.id)
            await wait_until(lambda: SCOPES["send"] in panel.result.text(), 5, "echo refusal shown")
            assert "403" in panel.result.text() and not double.sent_chats
        finally:
            await stop_services(services)

    qloop.run_until_complete(scenario())
