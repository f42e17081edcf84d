"""The one place where the window's intents become async work (the only ``@asyncSlot`` boundary).

Widgets emit intent signals (panic, settings, VTS reconnect/self-test/discover, overlay port fix,
CHZZK login); this controller runs the coroutine on the qasync loop and hands the result back to the
widget through a plain method. Dialogs are opened with ``open()``, never ``exec()``.
"""

from __future__ import annotations

import logging
import webbrowser
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from qasync import asyncSlot

from aischoco_gui.chat import strings  # noqa: F401 (registers the chat UI text)
from aischoco_gui.chat.oauth import AuthError
from aischoco_gui.i18n import tr
from aischoco_gui.vts.client import discover

log = logging.getLogger(__name__)

MIC_FIELDS = frozenset({"mic_mode", "stt_input_device", "stt_engine", "stt_base_url", "stt_api_key", "stt_model",
                        "stt_language", "stt_timeout_s", "stt_vad_threshold", "stt_vad_hangover_ms", "stt_vad_min_ms",
                        "stt_vad_preroll_ms", "stt_vad_max_s", "barge_in", "barge_in_duck_gain", "stt_local_model"})


class ChzzkLoginAction:
    """The "Log in with CHZZK" flow (a plain object, so no async code lives on a widget)."""

    def __init__(self, services: Any, open_browser: Callable[[str], Any] = webbrowser.open) -> None:
        self.services = services
        self.open_browser = open_browser

    async def run(self, *_args: Any) -> bool:
        bus = self.services.bus
        try:
            await self.services.auth().login(self.open_browser)
        except AuthError as e:
            bus.notice(tr("chat.login_failed", error=e), "error")
            return False
        chat = self.services.chat
        if hasattr(chat, "restart") and getattr(chat, "name", "") == "chzzk":
            bus.notice(tr("chat.login_ok"))
            await chat.restart()
        else:
            bus.notice(tr("chat.login_other_source"))
        return True


class AppController(QObject):
    """Connects the window's and the panels' intent signals to async actions on the services."""

    def __init__(self, services: Any, window: Any, bridge: Any) -> None:
        super().__init__(window)
        self.services, self.window, self.bridge = services, window, bridge
        self.settings_dialog = None
        self.login_action = ChzzkLoginAction(services)
        window.panic_requested.connect(self.panic)
        window.settings_requested.connect(self.open_settings)
        panels = getattr(window, "panels", {})
        chat, vts, overlay = panels.get("chat"), panels.get("vts"), panels.get("overlay")
        if hasattr(chat, "login_requested"):
            chat.login_requested.connect(self.chzzk_login)
        if hasattr(vts, "reconnect_requested"):
            vts.reconnect_requested.connect(self.vts_reconnect)
            vts.selftest_requested.connect(self.vts_self_test)
            vts.discover_requested.connect(self.vts_discover)
        if hasattr(overlay, "port_fix_requested"):
            overlay.port_fix_requested.connect(self.overlay_fix_port)
        mic = panels.get("mic")
        if hasattr(mic, "settings_changed"):
            mic.settings_changed.connect(self.apply_mic_settings)

    # -- window ---------------------------------------------------------------------------
    @asyncSlot()
    async def panic(self) -> None:
        await self.services.pipeline.panic()

    def open_settings(self) -> None:
        from aischoco_gui.gui.settings_dialog import SettingsDialog

        # open(), not exec(): a nested modal loop inside the qasync loop would stall every service.
        dlg = SettingsDialog(self.services.settings, self.services.dirs, self.window)
        self.settings_dialog = dlg

        def accepted() -> None:
            changed = getattr(dlg, "saved", {})
            if "approval_mode" in changed or "auto_approve_seconds" in changed:
                c = dlg.candidate()
                self.services.pipeline.set_approval_mode(c.approval_mode, c.auto_approve_seconds)
            mic = [k for k in changed if k in MIC_FIELDS]
            if mic:  # the microphone is rebuilt live (device, mode, engine, VAD, barge-in)
                c = dlg.candidate()
                self.rebuild_mic({k: getattr(c, k) for k in mic})  # already saved by the dialog
            self.services.bus.notice(tr("settings.saved_restart"))

        dlg.accepted.connect(accepted)
        dlg.setModal(True)
        dlg.open()

    # -- chat -----------------------------------------------------------------------------
    @asyncSlot()
    async def chzzk_login(self) -> None:
        try:
            await self.login_action.run()
        finally:
            self.window.panels["chat"].login_finished()

    # -- VTube Studio ---------------------------------------------------------------------
    @asyncSlot()
    async def vts_reconnect(self) -> None:
        await self.services.avatar.reconnect()

    @asyncSlot()
    async def vts_self_test(self) -> None:
        panel = self.window.panels["vts"]
        try:
            res = await self.services.avatar.self_test(speaker=self.services.speaker)
        except Exception as e:  # shown, never raised into Qt
            panel.show_selftest(None, e)
        else:
            panel.show_selftest(res)

    @asyncSlot()
    async def vts_discover(self) -> None:
        panel = self.window.panels["vts"]
        try:
            found = await discover(timeout=3.0)
        except Exception as e:
            panel.show_discovered([], e)
        else:
            panel.show_discovered(found)

    # -- microphone -----------------------------------------------------------------------
    @asyncSlot(dict)
    async def apply_mic_settings(self, changes: dict) -> None:
        """The mic panel's device/mode choice: saved, then the microphone is rebuilt live."""
        from aischoco_gui.settings import save_dialog_settings

        try:
            save_dialog_settings(self.services.dirs, changes)
        except OSError as e:  # still applied for this session
            self.services.bus.notice(f"{type(e).__name__}: {e}", "error")
        await self._rebuild_mic(changes)

    @asyncSlot(dict)
    async def rebuild_mic(self, changes: dict) -> None:
        await self._rebuild_mic(changes)

    async def _rebuild_mic(self, changes: dict) -> None:
        import dataclasses

        from aischoco_gui.compose import rebuild

        await rebuild(self.services, "mic", dataclasses.replace(self.services.settings, **changes))

    # -- overlay --------------------------------------------------------------------------
    @asyncSlot()
    async def overlay_fix_port(self) -> None:
        overlay = self.services.overlay
        try:
            await overlay.restart(port=overlay.suggested_port or overlay.port)
        finally:
            self.window.panels["overlay"].port_fix_done()
