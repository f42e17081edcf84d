"""Render the OBS · lockdown dock after a real lockdown at 1366×768 in Korean and English (issue 26):
``docs/screenshots/lockdown_<lang>.png`` — the window locked down (button "잠금 해제", toolbar "잠금 중"),
the OBS dock in front with the program scene, the scene pickers and the lockdown log (time, each step).

Against the loopback OBS double and the CHZZK API double (nothing leaves 127.0.0.1), with the same
1366×768 offscreen screen as ``docs/make_screenshots.py``.

Run:  PYTHONPATH=$PWD QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_lockdown_screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docs.make_screenshots import OUT, fit, save, until  # noqa: E402  (sets up the 1366×768 offscreen screen)


async def shoot(app, lang: str) -> None:
    from aischoco_gui.chat.oauth import ChzzkAuth, MemoryTokenStore, TokenSet
    from aischoco_gui.compose import build_services, start_services, stop_services
    from aischoco_gui.events import EventBus
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow
    from aischoco_gui.gui.qt_i18n import install_qt_translations
    from aischoco_gui.i18n import set_language
    from aischoco_gui.paths import user_dirs
    from aischoco_gui.settings import Settings
    from tests.doubles.chzzk_api_server import SCOPES, ChzzkApiDouble
    from tests.doubles.obs_server import ObsDouble
    from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator

    set_language(lang)
    install_qt_translations(app, lang)
    home = Path(tempfile.mkdtemp())
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    async with ObsDouble(password="pw", scenes=["게임 화면", "토크", "잠시 자리 비움"]) as obs:
        chzzk = await ChzzkApiDouble().start()
        s = Settings(overlay_port=0, chat_source="chzzk", chzzk_openapi_base=chzzk.base_url,
                     chzzk_client_id=chzzk.client_id, chzzk_client_secret=chzzk.client_secret,
                     obs_ws_url=obs.url, obs_ws_password="pw", obs_brb_scene="잠시 자리 비움",
                     lockdown_chat="slow:30,followers:10", ui_language=lang)
        bus = EventBus()
        services = build_services(s, dirs, bus, overrides={
            "chat": None, "speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
            "generator": ScriptedGenerator()})
        services.chzzk_auth = ChzzkAuth(base_url=chzzk.base_url, client_id=chzzk.client_id,
                                        client_secret=chzzk.client_secret, store=MemoryTokenStore(
                                            TokenSet("user-token-1", "refresh-1", scope=" ".join(SCOPES.values()))))
        bridge = Bridge(bus)
        win = MainWindow(services, bridge)
        win.controller = AppController(services, win, bridge)
        fit(win)
        win.show()
        await start_services(services)
        await until(lambda: services.obs.connected and services.obs.scenes)
        await obs.switch_in_obs("토크")
        await until(lambda: services.obs.current_scene == "토크")
        await services.lockdown.engage()
        win.docks["obs"].raise_()
        await asyncio.sleep(0.3)  # let the UI repaint once
        save(win, f"lockdown_{lang}.png")
        win.close()
        await stop_services(services)
        bridge.close()
        await chzzk.stop()


if __name__ == "__main__":
    if len(sys.argv) == 1:  # one clean process per language
        import subprocess

        OUT.mkdir(parents=True, exist_ok=True)
        for lang in ("ko", "en"):
            subprocess.run([sys.executable, __file__, lang], check=True)
        sys.exit(0)
    from PySide6.QtWidgets import QApplication
    from qasync import QEventLoop

    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    with asyncio.Runner(loop_factory=lambda: QEventLoop(app)) as r:
        r.run(shoot(app, sys.argv[1]))
