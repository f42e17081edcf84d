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

from PySide6.QtCore import QObject, QTimer
from qasync import asyncSlot

from aischoco_gui.chat import strings  # noqa: F401 (registers the chat UI text)
from aischoco_gui.chat.oauth import AuthError
from aischoco_gui.gui.show_actions import ActionResult, ShowActions
from aischoco_gui.gui.viewers_actions import ViewersActions
from aischoco_gui.i18n import register, tr
from aischoco_gui.user_text import explain
from aischoco_gui.vts.client import discover

log = logging.getLogger(__name__)
register({
    # what applying settings says (the controller says it, whoever asked: the dialog, a link, a benchmark)
    "settings.saved_restart": ("저장했어요. '재시작 필요' 항목은 앱을 다시 시작하면 적용돼요.",
                               "Saved. Fields marked 'restart needed' apply after restarting the app."),
    "settings.saved_live": ("저장하고 바로 적용했어요: {services}", "Saved and applied now: {services}"),
    "settings.saved": ("저장했어요.", "Saved."),
    "settings.apply_failed": ("설정을 적용하지 못했어요: {error}", "Could not apply the settings: {error}"),
    "mic.save_failed": ("마이크 설정을 저장하지 못했어요 (이번 실행에는 적용돼요). {error}",
                        "The microphone setting could not be saved (it applies for this run). {error}"),
    "overlay.port_saved": ("오버레이를 {port}번 포트로 열고 설정에 저장했어요. "
                           "OBS 브라우저 소스 URL을 새 주소로 바꿔 주세요.",
                           "The overlay now runs on port {port} (saved in settings). "
                           "Update the OBS browser source URL."),
})


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
            bus.notice(tr("chat.login_failed", error=explain(e)), "error", detail=str(e))
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
        if hasattr(window, "lockdown_requested"):  # issue 26: lockdown / lift, and the OBS panel
            window.lockdown_requested.connect(self.lockdown)
            window.lift_requested.connect(self.lift_lockdown)
        window.settings_requested.connect(self.open_settings)
        field_sig = getattr(window, "settings_field_requested", None)
        if field_sig is not None:  # a settings link (banner, notice, welcome) opens the dialog on its field
            field_sig.connect(self.open_settings)
        # show tools (issue 17): moderation / notice from the chat row and the reply card, chat settings, log out
        self.show_actions = ShowActions(services)
        # viewer memory (issue 24): the viewers panel's list and edits, the proposed facts beside the drafts
        self.viewers_actions = ViewersActions(services)
        for key, panel in getattr(window, "panels", {}).items():
            self.wire_panel(key, panel)
        replaced = getattr(window, "panel_replaced", None)
        if replaced is not None:  # a placeholder that became the real panel (or back) is wired again
            replaced.connect(self.wire_panel)

    def wire_panel(self, key: str, panel: Any) -> None:
        """Connect one panel's intent signals to the controller (a panel built later is wired the same way)."""
        if key == "chat" and hasattr(panel, "login_requested"):
            panel.login_requested.connect(self.chzzk_login)
            panel.moderation_requested.connect(self.moderate_from_chat)
            panel.notice_requested.connect(self.notice_from_chat)
        elif key == "vts" and hasattr(panel, "reconnect_requested"):
            panel.reconnect_requested.connect(self.vts_reconnect)
            panel.selftest_requested.connect(self.vts_self_test)
            panel.discover_requested.connect(self.vts_discover)
        elif key == "overlay" and hasattr(panel, "port_fix_requested"):
            panel.port_fix_requested.connect(self.overlay_fix_port)
        elif key == "replies" and hasattr(panel, "moderation_requested"):
            panel.moderation_requested.connect(self.moderate_from_replies)
            panel.notice_requested.connect(self.notice_from_replies)
            facts = getattr(panel, "facts", None)  # the viewer facts proposed beside the drafts
            if hasattr(facts, "edit_requested"):
                facts.edit_requested.connect(self.fact_decided)
        elif key == "show" and hasattr(panel, "chat_settings_refresh_requested"):
            panel.chat_settings_refresh_requested.connect(self.chat_settings_refresh)
            panel.chat_settings_change_requested.connect(self.chat_settings_change)
            panel.logout_requested.connect(self.chzzk_logout)
            if getattr(self.services, "can_moderate", False):  # reflect the real current state on load
                QTimer.singleShot(0, panel.request_refresh)
        elif key == "obs" and hasattr(panel, "switch_requested"):
            panel.switch_requested.connect(self.obs_switch)
            panel.brb_requested.connect(self.obs_set_brb)
            panel.reconnect_requested.connect(self.obs_reconnect)
        elif key == "mic" and hasattr(panel, "settings_changed"):
            panel.settings_changed.connect(self.apply_mic_settings)
        elif key == "viewers" and hasattr(panel, "query_requested"):
            panel.query_requested.connect(self.viewers_query)
            panel.edit_requested.connect(self.viewers_edit)

    # -- window ---------------------------------------------------------------------------
    @asyncSlot()
    async def panic(self) -> None:
        await self.services.pipeline.panic()

    @asyncSlot()
    async def lockdown(self) -> None:
        ld = self.services.lockdown
        if ld is not None:
            await ld.engage()

    @asyncSlot()
    async def lift_lockdown(self) -> None:
        ld = self.services.lockdown
        if ld is not None:
            await ld.lift()

    # -- OBS --------------------------------------------------------------------------------
    @asyncSlot(str)
    async def obs_switch(self, scene: str) -> None:
        panel = self.window.panels["obs"]
        try:
            await self.services.obs.set_program_scene(scene)
        except Exception as e:  # shown next to the picker, never raised into Qt
            panel.show_result(False, str(e) or type(e).__name__)
            return
        panel.show_result(True, tr("obs.panel.switched", scene=scene))

    def obs_set_brb(self, scene: str) -> None:
        """The BRB scene picked from OBS's real list: used at once by the running OBS service, saved in settings
        (no reconnect: only lockdown reads it)."""
        import dataclasses

        from aischoco_gui.settings import save_dialog_settings

        obs = self.services.obs
        if obs is not None:
            obs.brb_scene = scene
        self.services.settings = dataclasses.replace(self.services.settings, obs_brb_scene=scene)
        panel = self.window.panels["obs"]
        try:
            save_dialog_settings(self.services.dirs, {"obs_brb_scene": scene})
        except OSError as e:
            panel.show_result(False, f"{type(e).__name__}: {e}")
            return
        panel.show_result(True, tr("obs.panel.brb_saved", scene=scene) if scene else tr("obs.no_brb"))
        panel.refresh()

    @asyncSlot()
    async def obs_reconnect(self) -> None:
        if self.services.obs is not None:
            await self.services.obs.reconnect()

    def open_settings(self, field: str = "") -> None:
        """The settings dialog; with ``field`` on that field's tab, the cursor in it (a banner's link)."""
        from aischoco_gui.gui.settings_dialog import SettingsDialog

        # open(), not exec(): a nested modal loop inside the qasync loop would stall every service.
        dlg = SettingsDialog(self.services.settings, self.services.dirs, self.window)
        self.settings_dialog = dlg

        def accepted() -> None:
            self.apply_settings(dlg.candidate(), dict(getattr(dlg, "saved", {})))

        dlg.accepted.connect(accepted)
        dlg.setModal(True)
        dlg.open()
        if field:
            dlg.focus_field(field)

    @asyncSlot(object, object)
    async def apply_settings(self, settings: Any, changed: dict[str, Any]) -> list[str]:
        """Live settings: rebuild only the services the changed fields belong to (compose.apply_settings;
        the panels pick up their new service from the bridge), and say what applied now and what needs a
        restart."""
        from aischoco_gui.compose import apply_settings
        from aischoco_gui.logging_setup import redactor
        from aischoco_gui.settings import setting_fields

        bus = self.services.bus
        redactor.add(*settings.secrets())  # a key typed in the dialog never reaches the logs
        try:  # each rebuilt service is announced on the bus: the panels re-bind through the bridge
            rebuilt = await apply_settings(self.services, settings, changed)
        except Exception as e:  # shown, never raised into Qt
            log.exception("applying settings failed")
            bus.notice(tr("settings.apply_failed", error=explain(e)), "error", detail=f"{type(e).__name__}: {e}")
            return []
        restart = {f.name for f in setting_fields() if f.metadata.get("restart", True)}
        if rebuilt:
            bus.notice(tr("settings.saved_live", services=", ".join(tr(f"service.{n}") for n in rebuilt)))
        if set(changed) & restart:
            bus.notice(tr("settings.saved_restart"))
        elif not rebuilt:
            bus.notice(tr("settings.saved"))
        return rebuilt

    # -- chat -----------------------------------------------------------------------------
    @asyncSlot()
    async def chzzk_login(self) -> None:
        try:
            await self.login_action.run()
        finally:
            self.window.panels["chat"].login_finished()

    # -- show tools: moderation, notice, chat settings, log out ----------------------------
    async def _run(self, panel: Any, coro: Any) -> ActionResult | None:
        try:
            res: ActionResult = await coro
        except Exception as e:  # shown next to the action, never raised into Qt
            log.exception("CHZZK action failed")
            panel.show_action_result(False, explain(e))
            return None
        panel.show_action_result(res.ok, res.text)
        return res

    @asyncSlot(str, object)
    async def moderate_from_chat(self, action: str, msg: Any) -> None:
        await self._run(self.window.panels["chat"], self.show_actions.moderate(action, msg))

    @asyncSlot(str, object)
    async def moderate_from_replies(self, action: str, msg: Any) -> None:
        await self._run(self.window.panels["replies"], self.show_actions.moderate(action, msg))

    @asyncSlot(str)
    async def notice_from_chat(self, text: str) -> None:
        await self._run(self.window.panels["chat"], self.show_actions.pin_notice(text))

    @asyncSlot(str)
    async def notice_from_replies(self, text: str) -> None:
        await self._run(self.window.panels["replies"], self.show_actions.pin_notice(text))

    @asyncSlot()
    async def chat_settings_refresh(self) -> None:
        panel = self.window.panels["show"]
        res = await self._run_show(panel, self.show_actions.read_chat_settings())
        if res is not None and res.ok:
            panel.show_chat_settings(res.value)

    @asyncSlot(dict)
    async def chat_settings_change(self, changes: dict) -> None:
        panel = self.window.panels["show"]
        res = await self._run_show(panel, self.show_actions.change_chat_settings(changes))
        if res is not None and res.ok:
            panel.show_chat_settings(res.value)
        elif panel.current is not None:  # put the combo back to what CHZZK still has
            panel.show_chat_settings(panel.current)

    @asyncSlot()
    async def chzzk_logout(self) -> None:
        await self._run_show(self.window.panels["show"], self.show_actions.logout())

    async def _run_show(self, panel: Any, coro: Any) -> ActionResult | None:
        try:
            res: ActionResult = await coro
        except Exception as e:
            log.exception("CHZZK action failed")
            panel.show_result(False, explain(e))
            return None
        panel.show_result(res.ok, res.text)
        return res

    # -- viewer memory --------------------------------------------------------------------
    @asyncSlot(str, str)
    async def viewers_query(self, text: str, sort: str) -> None:
        panel = self.window.panels["viewers"]
        try:
            rows = await self.viewers_actions.query(text, sort)
        except Exception as e:  # shown in the panel, never raised into Qt
            panel.show_result(False, str(e))
            return
        panel.show_rows(rows)

    @asyncSlot(str, object)
    async def viewers_edit(self, action: str, args: dict) -> None:
        ok, text = await self.viewers_actions.edit(action, args)
        self.window.panels["viewers"].show_result(ok, text)

    @asyncSlot(str, object)
    async def fact_decided(self, action: str, args: dict) -> None:
        ok, text = await self.viewers_actions.edit(action, args)
        self.window.panels["replies"].facts.show_result(ok, text)

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

    def _keep_overlay_port(self, port: int) -> None:
        """The free port the overlay now runs on is saved, so the OBS URL stays the same next start."""
        import dataclasses

        from aischoco_gui.settings import save_dialog_settings

        self.services.settings = dataclasses.replace(self.services.settings, overlay_port=port)
        try:
            save_dialog_settings(self.services.dirs, {"overlay_port": port})
        except OSError as e:
            log.warning("could not save the overlay port %s: %s", port, e)
            return
        self.services.bus.notice(tr("overlay.port_saved", port=port))

    # -- microphone -----------------------------------------------------------------------
    @asyncSlot(dict)
    async def apply_mic_settings(self, changes: dict) -> None:
        """The mic panel's device/mode choice: saved, then the microphone is rebuilt live."""
        from aischoco_gui.settings import save_dialog_settings

        try:
            save_dialog_settings(self.services.dirs, changes)
        except OSError as e:  # still applied for this session
            self.services.bus.notice(tr("mic.save_failed", error=explain(e)), "error",
                                     detail=f"{type(e).__name__}: {e}")
        await self._rebuild_mic(changes)

    async def _rebuild_mic(self, changes: dict) -> None:
        import dataclasses

        from aischoco_gui.compose import rebuild

        await rebuild(self.services, "mic", dataclasses.replace(self.services.settings, **changes))

    # -- overlay --------------------------------------------------------------------------
    @asyncSlot(int)
    async def overlay_fix_port(self, port: int = 0) -> None:
        """Open the overlay on exactly the ``port`` the button promised (0: the configured port again)."""
        overlay = self.services.overlay
        try:
            ok = await overlay.restart(port=port or overlay.port)
            if ok and overlay.port != self.services.settings.overlay_port:
                self._keep_overlay_port(overlay.port)
        finally:
            self.window.panels["overlay"].port_fix_done()
            welcome = getattr(self.window, "welcome_dialog", None)
            if welcome is not None:
                welcome.port_fix_done()
