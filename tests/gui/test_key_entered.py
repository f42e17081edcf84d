"""After the LLM key is entered in the settings (issue 23): the chat that waited is answered at once
(the failure backoff starts over with the new generator), and the stale "LLM 실패" line leaves when the
light turns green. While it failed, the line said in Korean what happened, the detail on hover."""

from __future__ import annotations

import re

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.models import ChatMessage
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until


def _window(qtbot, home, settings: Settings):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    services = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                              overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
                                         "overlay": None, "chat": None})
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    return services, win, bridge


def test_key_entered_answers_the_waiting_chat_now_and_clears_the_failure(qtbot, qloop, home, monkeypatch):  # noqa: F811
    from aischoco_gui import settings as settings_module

    monkeypatch.setattr(settings_module, "_session_secrets", {})  # the key kept "for this session" ends with the test

    async def scenario() -> None:
        async with OpenAIDouble() as llm:
            llm.script(Script(emotion="happy", response="이제 대답할 수 있어요!"))
            services, win, bridge = _window(qtbot, home, Settings(llm_fallbacks=""))  # Groq, no key
            panel = win.panels["replies"]
            services.pipeline.retry_backoff = (30.0, 60.0)  # a failed turn would wait 30 s without the reset
            failures = []
            bridge.llm_failed.connect(lambda turn, error: failures.append(error))
            await start_services(services)
            try:
                services.pipeline.on_chat(ChatMessage(nickname="시청자", text="안녕하세요?", user_id="v1"))
                await wait_until(lambda: failures, 5, "the turn failed: no key")
                await wait_until(lambda: panel.thinking.text().startswith("LLM 실패"), 5, "failure shown")
                line = panel.thinking.text()
                assert re.search(r"[가-힣]{2}.*설정", line[len("LLM 실패"):]), line  # what happened + what to do
                assert "API" not in line.replace("API 키", "") and "no API key" not in line
                assert "GROQ_API_KEY" in panel.thinking.toolTip() or "no API key" in panel.thinking.toolTip()
                assert services.bus.status["llm"].state is ServiceState.NOT_CONFIGURED

                # the streamer enters the key (and the server) in the settings dialog and saves
                win.controller.open_settings()
                dlg = win.controller.settings_dialog
                dlg.editors["groq_api_key"].setText("gsk_test_key_0123456789")
                dlg.editors["llm_base_url"].setText(llm.base_url)
                dlg.try_save()
                if dlg.secret_box is not None:  # no keyring in the tests: keep it for this session
                    dlg.session_button.click()
                await wait_until(lambda: llm.requests, 10, "the waiting chat is sent at once, not after 30 s")
                await wait_until(lambda: services.pipeline.queue.pending, 5, "its draft")
                assert services.pipeline.queue.pending[0].text == "이제 대답할 수 있어요!"
                await wait_until(lambda: services.bus.status["llm"].state is ServiceState.READY, 5, "green")
                await wait_until(lambda: not panel.thinking.text().startswith("LLM 실패"), 5, "stale line gone")
                assert [e for e in services.bus.recent if e.kind is EventKind.LLM_REPLY_RECEIVED]
            finally:
                await stop_services(services)
                bridge.close()

    qloop.run_until_complete(scenario())


def test_failure_line_leaves_when_the_light_turns_green_without_a_new_turn(qtbot, qloop, home):  # noqa: F811
    async def scenario() -> None:
        services, win, bridge = _window(qtbot, home, Settings(llm_fallbacks=""))
        panel = win.panels["replies"]
        try:
            services.bus.emit(EventKind.LLM_FAILED, turn=1, error="connection failed: ConnectError: All connection "
                                                                    "attempts failed")
            await wait_until(lambda: panel.thinking.text().startswith("LLM 실패"), 5, "failure shown")
            assert "ConnectError" not in panel.thinking.text() and "ConnectError" in panel.thinking.toolTip()
            services.bus.set_status("llm", ServiceState.READY, "Groq openai/gpt-oss-120b")
            await wait_until(lambda: panel.thinking.text() == "", 5, "cleared under the green light")
        finally:
            bridge.close()

    qloop.run_until_complete(scenario())
