"""The setup check reports what actually runs (after start), updates live, fixes reds with one click."""

from __future__ import annotations

import socket

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.openai_server import OpenAIDouble
from tests.doubles.vts_server import VTSDouble
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until


def _window(qtbot, home, settings: Settings):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow
    from aischoco_gui.gui.welcome import install_welcome

    services = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), EventBus())
    bridge = Bridge(services.bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    install_welcome(win, services, show=False)
    qtbot.addWidget(win)
    return services, win, bridge


BASE = dict(tts_fallback="", tts_output_device="null", llm_fallbacks="")


def test_fallback_voice_is_reported_red_and_nothing_is_spent(qtbot, qloop, home):  # noqa: F811
    """The chosen engine is down and the fallback speaks: the check names the fallback, not a green
    chosen engine; opening the check sends no LLM request; "Test" sends exactly one."""
    from aischoco_gui.gui.welcome import GREEN, RED, open_welcome

    async def scenario() -> None:
        async with OpenAIDouble() as llm:
            settings = Settings(**{**BASE, "tts_fallback": "fake"}, overlay_port=0, tts_engine="remote",
                                tts_remote_url="http://127.0.0.1:9", llm_base_url=llm.base_url,
                                groq_api_key="test-key", vts_url="ws://127.0.0.1:9")
            services, win, bridge = _window(qtbot, home, settings)
            await start_services(services)
            try:
                dlg = open_welcome(win, services)
                await wait_until(lambda: any(w in dlg.labels["tts"].text() for w in ("fake", "가짜 엔진")), 10,
                                 "the fallback voice reported")
                text = dlg.labels["tts"].text()
                assert ("fake" in text or "가짜 엔진" in text) and RED in dlg.dots["tts"].styleSheet()
                assert "127.0.0.1:9" in dlg.labels["tts"].toolTip() and "127.0.0.1:9" not in text  # reason on hover
                assert dlg.fix_buttons["tts"].isVisibleTo(dlg)
                assert dlg.rows["llm"].ok and GREEN in dlg.dots["llm"].styleSheet()
                assert llm.base_url.split("/v1")[0].split("//")[1] in dlg.labels["llm"].text()
                assert dlg.rows["overlay"].ok and services.overlay.obs_url in dlg.labels["overlay"].text()
                assert dlg.rows["audio"].ok and "null" in dlg.labels["audio"].text()
                assert dlg.rows["vts"].ok is not True
                assert dlg.rows["mic"].ok is None and dlg.rows["mic"].fix == "settings"  # mic off: grey, with a fix
                assert not llm.requests  # opening the check costs nothing
                dlg.test_buttons["llm"].click()
                await wait_until(lambda: "llm" in dlg.results, 10, "the LLM test result")
                assert dlg.results["llm"].ok and len(llm.requests) == 1
                dlg.close()
            finally:
                await stop_services(services)
                bridge.close()

    qloop.run_until_complete(scenario())


def test_opening_the_check_synthesises_nothing_until_test(qtbot, qloop, home):  # noqa: F811
    """Issue 18: a fresh start spends no GPU time or money: the TTS server gets a request only when the
    streamer presses the voice line's "Test" (and the LLM none at all)."""
    from aischoco_gui.gui.welcome import open_welcome
    from tests.doubles.tts_servers import AischocoTtsServer

    async def scenario() -> None:
        tts = await AischocoTtsServer().start()
        async with OpenAIDouble() as llm:
            settings = Settings(**BASE, overlay_port=0, tts_engine="remote", tts_remote_url=tts.url,
                                llm_base_url=llm.base_url, groq_api_key="test-key", vts_url="ws://127.0.0.1:9")
            services, win, bridge = _window(qtbot, home, settings)
            await start_services(services)
            try:
                dlg = open_welcome(win, services)
                await wait_until(lambda: dlg.rows.get("tts") is not None, 10, "the voice line")
                synths = list(tts.requests)
                assert synths == [] and not llm.requests  # opening the check costs nothing
                dlg.test_buttons["tts"].click()
                await wait_until(lambda: "tts" in dlg.results, 10, "the TTS test result")
                assert dlg.results["tts"].ok, dlg.results["tts"].message
                assert len(tts.requests) == 1 and not llm.requests
                dlg.close()
            finally:
                await stop_services(services)
                bridge.close()
                await tts.stop()

    qloop.run_until_complete(scenario())


def test_vts_row_updates_live_and_reconnect_fix(qtbot, qloop, home):  # noqa: F811
    from aischoco_gui.gui.welcome import open_welcome

    async def scenario() -> None:
        vts = VTSDouble()
        port = await _free_port()
        vts.port = port
        settings = Settings(**BASE, overlay_port=0, tts_engine="fake", vts_url=f"ws://127.0.0.1:{port}")
        services, win, bridge = _window(qtbot, home, settings)
        await start_services(services)
        try:
            dlg = open_welcome(win, services)
            await wait_until(lambda: dlg.rows["vts"].ok is False, 10, "VTS down reported")
            assert dlg.rows["vts"].fix == "reconnect" and dlg.fix_buttons["vts"].isVisibleTo(dlg)
            await vts.start()
            dlg.fix_buttons["vts"].click()  # the intent goes to the controller (avatar.reconnect)
            await wait_until(lambda: dlg.rows["vts"].ok is True, 15, "VTS row turned green by itself")
            assert f"127.0.0.1:{port}" in dlg.labels["vts"].text()
            dlg.close()
        finally:
            await stop_services(services)
            await vts.stop()
            bridge.close()

    qloop.run_until_complete(scenario())


async def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_open_on_a_free_port_button_with_the_port_busy(qtbot, qloop, home):  # noqa: F811
    """Clicking "open on a free port" (overlay panel, then the setup check) must not crash: the
    overlay comes up on the suggested port and both turn green."""
    from aischoco_gui.gui.welcome import open_welcome

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    errors: list[BaseException] = []

    async def scenario() -> None:
        import asyncio

        asyncio.get_running_loop().set_exception_handler(lambda _l, ctx: errors.append(ctx.get("exception")))
        settings = Settings(**BASE, overlay_port=port, tts_engine="fake", vts_url="ws://127.0.0.1:9")
        services, win, bridge = _window(qtbot, home, settings)
        await start_services(services)
        try:
            panel = win.panels["overlay"]
            assert not services.overlay.running and services.overlay.suggested_port
            assert panel.port_btn.isVisibleTo(panel)
            dlg = open_welcome(win, services)
            assert dlg.rows["overlay"].ok is False and dlg.rows["overlay"].fix == "port"
            assert str(services.overlay.suggested_port) in dlg.fix_buttons["overlay"].text()
            dlg.fix_buttons["overlay"].click()
            await wait_until(lambda: services.overlay.running and dlg.rows["overlay"].ok, 10, "overlay up")
            assert services.overlay.port != port and dlg.fix_buttons["overlay"].isEnabled()
            # the free port is kept: next start (settings loaded from the files) opens the same URL
            from aischoco_gui.settings import load_settings

            assert services.settings.overlay_port == services.overlay.port
            assert load_settings(services.dirs, env={}, use_keyring=False).overlay_port == services.overlay.port
            assert panel.port_btn.isEnabled() and not panel.port_btn.isVisibleTo(panel)

            # again through the panel's own button, with the new port taken too
            await services.overlay.stop()
            busy2 = socket.socket()
            busy2.bind(("127.0.0.1", services.overlay.port))
            busy2.listen()
            try:
                await services.overlay.restart()
                assert not services.overlay.running and services.overlay.suggested_port
                panel.sync()
                panel.port_btn.click()
                await wait_until(lambda: services.overlay.running and panel.port_btn.isEnabled(), 10, "panel fix")
            finally:
                busy2.close()
            assert services.bus.status["overlay"].state is ServiceState.READY
            dlg.close()
        finally:
            await stop_services(services)
            bridge.close()

    try:
        qloop.run_until_complete(scenario())
    finally:
        busy.close()
    assert not [e for e in errors if e is not None]
