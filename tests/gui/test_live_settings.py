"""Live settings: Save in the dialog rebuilds just the affected service; the others stay the same objects."""

from __future__ import annotations

import dataclasses

from aischoco_gui.compose import build_services, services_for, start_services, stop_services
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.models import ChatMessage
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings, setting_fields
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.vts_server import VTSDouble
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until


def _window(qtbot, home, settings: Settings):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    bus = EventBus()
    services = build_services(settings, dirs, bus)
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    return services, win, bridge


def _save(dlg) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    dlg.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def test_every_live_field_maps_to_a_service_or_applies_in_place():
    from aischoco_gui.compose import FIELD_SERVICE, IN_PLACE_FIELDS

    for f in setting_fields():
        if not f.metadata.get("restart", True):
            assert f.name in FIELD_SERVICE or f.name in IN_PLACE_FIELDS, f.name
    assert services_for({"groq_model", "llm_base_url"}) == ["llm"]
    assert services_for({"vts_url", "tts_output_device"}) == ["tts", "vts"]  # voice first: lip sync follows it


def test_llm_and_vts_settings_apply_live_without_restart(qtbot, qloop, home):  # noqa: F811
    async def scenario() -> None:
        async with OpenAIDouble() as old_llm, OpenAIDouble() as new_llm, VTSDouble() as vts_a, VTSDouble() as vts_b:
            settings = Settings(overlay_port=0, llm_base_url=old_llm.base_url, groq_api_key="test-key",
                                llm_fallbacks="", tts_engine="fake", tts_fallback="", tts_output_device="null",
                                vts_url=vts_a.url)
            services, win, bridge = _window(qtbot, home, settings)
            await start_services(services)
            try:
                await wait_until(lambda: services.bus.status.get("vts") and
                                 services.bus.status["vts"].state is ServiceState.READY, 10, "VTS A ready")
                before = (services.chat, services.speaker, services.avatar, services.overlay, services.pipeline)
                old_gen = services.generator

                # 1. the LLM model and base URL: only the llm service is rebuilt
                win.controller.open_settings()
                dlg = win.controller.settings_dialog
                assert "llm_base_url" not in dlg.restart_tags and "groq_model" not in dlg.restart_tags
                dlg.editors["llm_base_url"].setText(new_llm.base_url)
                dlg.editors["groq_model"].setText("new-model")
                _save(dlg)
                await wait_until(lambda: services.generator is not old_gen, 10, "llm rebuilt")
                assert (services.chat, services.speaker, services.avatar, services.overlay,
                        services.pipeline) == before
                assert services.pipeline.generator is services.generator
                assert services.settings.llm_base_url == new_llm.base_url
                new_llm.script(Script(emotion="happy", response="새 주소에서 대답해요."))
                services.pipeline.on_chat(ChatMessage(nickname="시청자", text="안녕하세요 새 모델?", user_id="v1"))
                await wait_until(lambda: new_llm.requests, 10, "a request to the new URL")
                assert new_llm.requests[-1].body["model"] == "new-model"
                assert not old_llm.requests

                # 2. the VTS URL: the avatar reconnects to the new VTS, the rest stays
                old_avatar, gen = services.avatar, services.generator
                win.controller.open_settings()
                dlg = win.controller.settings_dialog
                assert "vts_url" not in dlg.restart_tags
                dlg.editors["vts_url"].setText(vts_b.url)
                _save(dlg)
                await wait_until(lambda: services.avatar is not old_avatar, 10, "vts rebuilt")
                await wait_until(lambda: vts_b.sessions and services.bus.status["vts"].state is ServiceState.READY,
                                 10, "the new avatar connected to VTS B")
                assert services.pipeline.avatar is services.avatar
                assert (services.generator, services.speaker, services.chat) == (gen, before[1], before[0])
                assert win.panels["vts"].avatar is services.avatar  # the panel shows the new driver
                await wait_until(lambda: not vts_a.sessions, 10, "the old VTS session closed")
            finally:
                await stop_services(services)
                bridge.close()

    qloop.run_until_complete(scenario())


def test_session_only_key_is_used_at_once(qtbot, qloop, home, monkeypatch):  # noqa: F811
    """No keyring (conftest): "this session only" keeps the key in memory, and the LLM uses it now."""
    import aischoco_gui.settings as settings_module

    monkeypatch.setattr(settings_module, "_session_secrets", {})  # this process's session keys end with the test

    async def scenario() -> None:
        async with OpenAIDouble() as llm:
            settings = Settings(overlay_port=0, llm_base_url=llm.base_url, groq_api_key="", llm_fallbacks="",
                                tts_engine="fake", tts_fallback="", tts_output_device="null",
                                vts_url="ws://127.0.0.1:9")
            services, win, bridge = _window(qtbot, home, settings)
            await start_services(services)
            try:
                old_gen = services.generator
                win.controller.open_settings()
                dlg = win.controller.settings_dialog
                dlg.editors["groq_api_key"].setText("session-key-123")
                _save(dlg)
                await wait_until(lambda: dlg.secret_box is not None and dlg.secret_box.isVisible(), 5, "question")
                dlg.session_button.click()
                await wait_until(lambda: services.generator is not old_gen, 10, "llm rebuilt with the key")
                services.pipeline.on_chat(ChatMessage(nickname="시청자", text="키가 바로 쓰이나요?", user_id="v1"))
                await wait_until(lambda: llm.requests, 10, "a request with the session key")
                assert llm.requests[-1].headers.get("Authorization") == "Bearer session-key-123"
                assert not any("session-key-123" in p.read_text(encoding="utf-8", errors="replace")
                               for p in home.rglob("*") if p.is_file() and p.suffix in (".json", ".env", ".ini"))
            finally:
                await stop_services(services)
                bridge.close()

    qloop.run_until_complete(scenario())


def test_in_place_fields_reach_the_running_pipeline(qtbot, qloop, home):  # noqa: F811
    async def scenario() -> None:
        settings = Settings(overlay_port=0, tts_engine="fake", tts_fallback="", tts_output_device="null",
                            vts_url="ws://127.0.0.1:9")
        services, win, bridge = _window(qtbot, home, settings)
        try:
            before = (services.generator, services.speaker, services.avatar, services.chat, services.overlay)
            rebuilt = await win.controller.apply_settings(
                dataclasses.replace(settings, max_pending_drafts=7, batch_max_messages=4, chat_panel_max=500),
                {"max_pending_drafts": 7, "batch_max_messages": 4, "chat_panel_max": 500})
            assert rebuilt == []
            assert (services.pipeline.max_pending, services.pipeline.batch_max) == (7, 4)
            assert win.panels["chat"].model.cap == 500
            assert (services.generator, services.speaker, services.avatar, services.chat, services.overlay) == before
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())
