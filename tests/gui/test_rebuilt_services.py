"""A rebuilt service leaves no stale panel behind (issue 21).

Each test builds the real window, rebuilds a service the way the settings dialog does
(``AppController.apply_settings`` → ``compose.apply_settings`` → ``compose.rebuild``), the mic panel does
(``apply_mic_settings``) or the free-port fix does, and then checks what the streamer sees against the
*new* service: the summary editor edits the memory the LLM now uses, the mouth meter follows the new
voice, the overlay preview repaints for the new overlay state, the show panel reads the current CHZZK
login, the chat controls follow the new chat source, and a panel that started as a placeholder becomes
the real panel once its service exists.
"""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QEvent, QObject, Qt

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.models import ChatMessage
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.vts_server import VTSDouble
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until

BASE = dict(overlay_port=0, tts_engine="fake", tts_fallback="", tts_output_device="null", vts_url="ws://127.0.0.1:9",
            llm_fallbacks="")


def _window(qtbot, home, settings: Settings, **overrides):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    services = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus, overrides=overrides or None)
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    return services, win, bridge


class PaintCounter(QObject):
    def __init__(self, widget) -> None:
        super().__init__(widget)
        self.paints = 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt name)
        if ev.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_summary_editor_edits_the_memory_the_rebuilt_llm_uses(qtbot, qloop, home):  # noqa: F811
    async def scenario() -> None:
        async with OpenAIDouble() as llm:
            settings = Settings(**BASE, llm_base_url=llm.base_url, groq_api_key="k", approval_mode="auto")
            services, win, bridge = _window(qtbot, home, settings)
            await start_services(services)
            try:
                panel = win.panels["history"]
                await win.controller.apply_settings(dataclasses.replace(settings, groq_model="other-model"),
                                                    {"groq_model": "other-model"})
                llm.script(Script(emotion="happy", response="반가워요!"))
                services.pipeline.on_chat(ChatMessage(nickname="민수", text="안녕 초코", user_id="v1"))
                memory = services.generator.memory
                await wait_until(lambda: len(memory.turns) >= 2, 10, "the turn committed to the live memory")
                panel.refresh(force=True)
                assert panel.table.rowCount() == len(memory.turns)  # the editor shows the live memory's turns
                assert f" {len(memory.turns)}" in panel.window_label.text()

                panel.editor.setPlainText("민수는 고양이를 키운다.")
                qtbot.mouseClick(panel.save_btn, Qt.MouseButton.LeftButton)
                assert memory.summary == "민수는 고양이를 키운다."
                llm.script(Script(emotion="happy", response="고양이 잘 있어요?"))
                n = len(llm.requests)
                services.pipeline.on_chat(ChatMessage(nickname="민수", text="내 고양이 기억해?", user_id="v1"))
                await wait_until(lambda: len(llm.requests) > n, 10, "the next request")
                assert any("민수는 고양이를 키운다." in m["content"] for m in llm.requests[-1].messages
                           if m["role"] == "user")  # the saved summary reached the LLM
            finally:
                await stop_services(services)
                bridge.close()

    qloop.run_until_complete(scenario())


def test_mouth_meter_follows_the_rebuilt_speaker(qtbot, qloop, home):  # noqa: F811
    async def scenario() -> None:
        settings = Settings(**BASE, approval_mode="auto")
        services, win, bridge = _window(qtbot, home, settings)
        win.show()
        qtbot.waitExposed(win)
        win.docks["latency"].raise_()
        await start_services(services)
        try:
            panel = win.panels["latency"]
            await wait_until(panel.isVisible, 5, "latency panel visible")
            old = services.speaker
            await win.controller.apply_settings(dataclasses.replace(settings, tts_sentence_max_chars=80),
                                                {"tts_sentence_max_chars": 80})
            assert services.speaker is not old
            await wait_until(lambda: services.bus.status["tts"].state is ServiceState.READY, 30, "new voice ready")
            from aischoco_gui.models import Reply

            reply = Reply(text="입 모양이 움직여요. 아아아아 아아아아 아아아아.", emotion="happy")
            services.pipeline.add_reply(reply, [])
            await wait_until(lambda: services.speaker.mouth_level() > 0.05, 10, "the new voice is heard")
            await wait_until(lambda: panel.mouth.value() > 5, 5, "the panel's mouth meter moves with the new voice")
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())


def test_overlay_preview_follows_the_rebuilt_overlay(qtbot, qloop, home, recwarn):  # noqa: F811
    async def scenario() -> None:
        settings = Settings(**BASE)
        services, win, bridge = _window(qtbot, home, settings)
        win.show()
        qtbot.waitExposed(win)
        await start_services(services)
        try:
            win.docks["overlay"].raise_()
            panel = win.panels["overlay"]
            await wait_until(panel.isVisible, 5, "overlay panel visible")
            for _ in range(3):  # repeated rebuilds (the old re-bind printed "Failed to disconnect")
                old = services.overlay
                await win.controller.apply_settings(dataclasses.replace(settings, overlay_host="127.0.0.1"),
                                                    {"overlay_host": "127.0.0.1"})
                assert services.overlay is not old and services.overlay is not None
            await wait_until(lambda: services.overlay.running, 5, "new overlay serving")
            counter = PaintCounter(panel.preview)
            services.pipeline.on_chat(ChatMessage(nickname="시청자", text="새 오버레이에 보여요", user_id="v1"))
            assert services.overlay.state.snapshot()["viewer_messages"]
            await wait_until(lambda: counter.paints > 0, 5, "the preview repainted for the new overlay state")
            panel.pause.setChecked(True)  # the controls drive the new state, too
            assert services.overlay.state.paused and not old.state.paused
            assert panel.url.text() == services.overlay.obs_url
            assert not [w for w in recwarn if "disconnect" in str(w.message)]
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())


@pytest.fixture
def chzzk(qloop):  # noqa: F811
    """The CHZZK double on the test's qasync loop (the one the window's services run on)."""
    from tests.doubles.chzzk_server import ChzzkDouble

    d = qloop.run_until_complete(ChzzkDouble(ping_interval_ms=300, ping_timeout_ms=300).start())
    yield d
    qloop.run_until_complete(d.stop())


def test_show_panel_reads_the_current_chzzk_login(qtbot, qloop, home, chzzk):  # noqa: F811
    from aischoco_gui.chat.oauth import ChzzkAuth, MemoryTokenStore, TokenSet
    from aischoco_gui.i18n import tr

    d = chzzk
    settings = Settings(**BASE, chat_source="chzzk", chzzk_openapi_base=d.base_url, chzzk_client_id=d.client_id,
                        chzzk_client_secret=d.client_secret)
    first = ChzzkAuth(base_url=d.base_url, client_id=d.client_id, client_secret=d.client_secret,
                      store=MemoryTokenStore(TokenSet("user-token-1", "refresh-1", scope="채팅 메시지 조회")))
    services, win, bridge = _window(qtbot, home, settings, chat=None)
    services.chzzk_auth = first
    panel = win.panels["show"]
    panel.update_scopes()
    assert panel.scopes.text() not in (tr("scopes.no_login"), "")

    async def scenario() -> None:
        try:
            new = dataclasses.replace(settings, chzzk_redirect_uri="http://127.0.0.1:1/callback")
            await win.controller.apply_settings(new, {"chzzk_redirect_uri": new.chzzk_redirect_uri})
            assert services.auth() is not first
            assert panel.scopes.text() == tr("scopes.no_login")  # the new login has no token yet
            d.valid_codes.add("code-1")
            await services.auth().exchange_code("code-1", "state")  # a login on the CURRENT auth object
            assert panel.scopes.text() != tr("scopes.no_login")
            first.logout()  # the replaced login says nothing to the panel any more
            assert panel.scopes.text() != tr("scopes.no_login")
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())


def test_chat_controls_follow_the_rebuilt_chat_source(qtbot, qloop, home, chzzk):  # noqa: F811
    d = chzzk
    settings = Settings(**BASE, chat_source="rehearsal")
    services, win, bridge = _window(qtbot, home, settings)
    panel = win.panels["chat"]
    assert panel.send_btn.isEnabled()  # rehearsal: type chat as a viewer

    async def scenario() -> None:
        try:
            new = dataclasses.replace(settings, chat_source="chzzk", chzzk_openapi_base=d.base_url,
                                      chzzk_client_id=d.client_id, chzzk_client_secret=d.client_secret)
            await win.controller.apply_settings(new, {"chat_source": "chzzk", "chzzk_openapi_base": d.base_url})
            assert getattr(services.chat, "name", "") == "chzzk"
            assert not panel.send_btn.isEnabled()  # no rehearsal source to type into any more
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())


def test_placeholders_become_panels_when_their_service_appears(qtbot, qloop, home):  # noqa: F811
    from aischoco_gui.compose import NoGenerator
    from aischoco_gui.gui.panels.history_panel import HistoryPanel
    from aischoco_gui.gui.panels.pose_panel import PosePanel
    from aischoco_gui.gui.panels.vts_panel import VTSPanel
    from aischoco_gui.vts.noavatar import NoAvatar

    async def scenario() -> None:
        async with OpenAIDouble() as llm, VTSDouble() as vts:
            settings = Settings(**{**BASE, "vts_url": vts.url}, llm_base_url=llm.base_url, groq_api_key="k")
            bus = EventBus()
            services, win, bridge = _window(qtbot, home, settings, generator=NoGenerator("no key yet"),
                                            avatar=NoAvatar(bus))
            assert not isinstance(win.panels["history"], HistoryPanel)
            assert not isinstance(win.panels["vts"], VTSPanel) and not isinstance(win.panels["pose"], PosePanel)
            await start_services(services)
            try:
                await win.controller.apply_settings(dataclasses.replace(settings, groq_model="m2", vts_url=vts.url),
                                                    {"groq_model": "m2", "vts_url": vts.url})
                assert isinstance(win.panels["history"], HistoryPanel)
                assert isinstance(win.panels["vts"], VTSPanel) and isinstance(win.panels["pose"], PosePanel)
                assert win.docks["history"].widget().widget() is win.panels["history"]  # in its dock
                await wait_until(lambda: services.bus.status["vts"].state is ServiceState.READY, 10, "VTS ready")
                win.panels["vts"].refresh()
                assert vts.url in win.panels["vts"].conn.text()
                # the upgraded VTS panel's buttons reach the controller (re-wired)
                win.panels["vts"].reconnect_btn.click()
                await wait_until(lambda: len(vts.sessions) >= 1, 10, "reconnected")
            finally:
                await stop_services(services)
                bridge.close()

    qloop.run_until_complete(scenario())


def test_mic_rebuilt_from_its_panel_is_announced_like_any_rebuild(qtbot, qloop, home):  # noqa: F811
    async def scenario() -> None:
        settings = Settings(**BASE, mic_mode="off", stt_input_device="off")
        services, win, bridge = _window(qtbot, home, settings)
        replaced: list[str] = []
        bridge.service_replaced.connect(replaced.append)
        await start_services(services)
        try:
            panel = win.panels["mic"]
            old = services.mic
            panel.mode.setCurrentIndex(panel.mode.findData("ptt"))
            panel.mode.activated.emit(panel.mode.currentIndex())
            await wait_until(lambda: services.mic is not old, 5, "microphone rebuilt")
            assert replaced == ["mic"]
            assert services.settings.mic_mode == "ptt"
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())
