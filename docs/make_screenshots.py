"""Render the control room at 1366×768 in Korean and English into docs/screenshots/ (offscreen,
``QWidget.grab()``), with loopback stand-ins for Groq and VTube Studio:

- ``main_<lang>.png``: the main window after a few chats (drafts waiting, a donation highlighted);
  ``main_dark_<lang>.png``: the same in the dark theme (``UI_THEME=dark``)
- ``dock_<key>_<lang>.png``: the same window with each other dock in front (history, vts, mic, show, obs,
  overlay)
- ``error_<lang>.png``: the LLM server refused (a 429 from the loopback server): the failure line, the light
- ``dock_viewers_<lang>.png``: the 시청자 dock in front, a regular's card open, a proposed fact beside the drafts
- ``settings_<lang>_<n>_<tab>.png``: the settings dialog, one picture per tab (the word filter's included)
- ``settings_banner_<lang>.png``: the banner shown when a setting in ``.env`` is invalid
- ``setup_check_<lang>.png``: the setup check (what actually runs, after the services started)

Run:  PYTHONPATH=$PWD QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshots.py
(Korean glyphs need a CJK font, e.g. Debian's fonts-noto-cjk.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCREEN_JSON = Path(tempfile.gettempdir()) / "aischoco_screen_1366x768.json"
SCREEN_JSON.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,
                                                "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
# an offscreen 1366×768 screen: the window lays itself out for that screen on first start, as on a laptop
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREEN_JSON}"
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # never touch the real store
OUT = ROOT / "docs" / "screenshots"
SCREEN = (1366, 768)
TASKBAR = 40  # what a Windows taskbar leaves of 768


async def until(cond, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond() and loop.time() < end:
        await asyncio.sleep(0.05)


def fit(widget, w: int = SCREEN[0], h: int = SCREEN[1] - TASKBAR) -> None:
    widget.resize(min(w, max(widget.minimumSizeHint().width(), 1)) if widget.minimumSizeHint().width() > w else w,
                  h)


def save(widget, name: str) -> Path:
    path = OUT / name
    widget.grab().save(str(path))
    size = widget.size()
    print(f"{path.relative_to(ROOT)}  {size.width()}×{size.height()}")
    return path


async def shoot(app, lang: str) -> None:
    from aischoco_gui.compose import build_services, start_services, stop_services
    from aischoco_gui.events import EventBus
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow
    from aischoco_gui.gui.qt_i18n import install_qt_translations
    from aischoco_gui.gui.settings_banner import SettingsBanner
    from aischoco_gui.gui.settings_dialog import SettingsDialog
    from aischoco_gui.gui.theme import apply_theme
    from aischoco_gui.gui.welcome import open_welcome
    from aischoco_gui.i18n import set_language, tr
    from aischoco_gui.paths import user_dirs
    from aischoco_gui.settings import Settings, load_settings_report
    from tests.doubles.openai_server import OpenAIDouble, Script
    from tests.doubles.vts_server import VTSDouble

    set_language(lang)
    install_qt_translations(app, lang)
    home = Path(tempfile.mkdtemp())
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    seed_viewers(dirs.history)
    async with OpenAIDouble() as llm, VTSDouble() as vts:
        replies = [("happy", "초코우유님 오랜만이에요! 나비는 잘 지내요?",
                    {"nick": "초코우유", "fact": "퇴근하고 방송을 봄"}),
                   ("excited", "새벽감성님 첫 후원 고마워요! 목소리 칭찬이라니 너무 좋다!", {"nick": "", "fact": ""}),
                   ("neutral", "저녁은 떡볶이 먹었어요. 초코칩들은 뭐 먹었어요?", {"nick": "", "fact": ""})]
        llm.script(*(Script(content=json.dumps({"emotion": e, "response": r, "memory": m}, ensure_ascii=False))
                     for e, r, m in replies))
        s = dataclasses.replace(Settings(), llm_base_url=llm.base_url, groq_api_key="demo", vts_url=vts.url,
                                tts_engine="fake", tts_output_device="null", overlay_port=0, ui_language=lang,
                                llm_max_retries=0, llm_fallbacks="")
        bus = EventBus()
        services = build_services(s, dirs, bus)
        bridge = Bridge(bus)
        win = MainWindow(services, bridge)
        win.controller = AppController(services, win, bridge)
        fit(win)
        win.show()
        await start_services(services)
        # the voice worker starts in the background: a draft synthesised before it is up would take the
        # fallback voice (and show that notice), which is not what a streamer sees after the start
        await until(lambda: "tts" in bus.status and bus.status["tts"].state.value == "ready", timeout=60)
        chat = services.chat
        chat.send("초코우유", "안녕하세요 초코님! 오늘 퇴근하고 바로 왔어요")
        await until(lambda: len(services.pipeline.queue.pending) >= 1)
        chat.send("새벽감성", "첫 후원이에요! 목소리 너무 좋아요", donation=1000)
        await until(lambda: len(services.pipeline.queue.pending) >= 2)
        chat.send("밤하늘", "오늘 저녁 뭐 드셨어요?")
        chat.send("게임장인", "어제 하던 게임 이어서 해요? ㅋㅋ")
        await until(lambda: len(services.pipeline.queue.pending) >= 3)
        await until(lambda: "vts" in bus.status and bus.status["vts"].settled)
        win.docks["pose"].raise_()
        await asyncio.sleep(0.3)  # let the UI timers repaint once
        save(win, f"main_{lang}.png")
        # the same window in the dark theme (UI_THEME=dark), then back to the desktop's look
        apply_theme(app, "dark")
        await asyncio.sleep(0.3)
        save(win, f"main_dark_{lang}.png")
        apply_theme(app, "system")
        # every dock tab that shares the pose panel's place, and the overlay under the graphs
        for key in ("history", "vts", "mic", "show", "obs"):
            win.docks[key].raise_()
            await asyncio.sleep(0.2)
            save(win, f"dock_{key}_{lang}.png")
        win.docks["overlay"].raise_()
        await asyncio.sleep(0.2)
        save(win, f"dock_overlay_{lang}.png")
        win.docks["latency"].raise_()
        # an error state: the LLM server refuses (a real 429 from the loopback server), a warning notice
        llm.script(Script(status=429, error={"error": {"message": "Rate limit reached for model on tokens per "
                                                                 "minute (TPM): Limit 6000, Used 5974, Requested 1456. "
                                                                 "Please try again in 14.3s.",
                                                      "type": "tokens", "code": "rate_limit_exceeded"}}))
        services.pipeline.skip(services.pipeline.queue.pending[-1].id)  # room for one more draft
        chat.send("별빛토끼", "초코님 오늘 노래 불러주세요!")
        await until(lambda: bool(win.reply_panel.thinking.text()) and win.reply_panel.thinking.text()
                    != tr("reply.thinking"), timeout=30)
        await asyncio.sleep(0.3)
        save(win, f"error_{lang}.png")

        win.docks["viewers"].raise_()  # viewer memory: a regular's card open, the proposed fact in the replies
        from PySide6.QtCore import Qt

        win.resizeDocks([win.docks["latency"]], [170], Qt.Orientation.Vertical)  # room for the whole card
        viewers = win.panels["viewers"]
        viewers.refresh_btn.click()
        await until(lambda: any(r.nickname == "새벽감성" for r in viewers.rows))  # this show's chat counted
        viewers.select("rehearsal:초코우유")
        await until(lambda: viewers.card is not None)
        await until(lambda: not win.reply_panel.facts.list.isHidden())
        await asyncio.sleep(0.3)
        save(win, f"dock_viewers_{lang}.png")
        win.docks["pose"].raise_()

        dlg = SettingsDialog(services.settings, dirs, win, use_keyring=False)
        dlg.resize(min(dlg.sizeHint().width() + 80, SCREEN[0]), min(720, SCREEN[1] - TASKBAR))
        dlg.show()
        names = {dlg.tabs.indexOf(page): g for g, page in dlg.tab_pages.items()}
        names[dlg.tabs.indexOf(dlg.word_filter)] = "word_filter"
        for i in range(dlg.tabs.count()):  # every tab, the word filter's included
            dlg.tabs.setCurrentIndex(i)
            await asyncio.sleep(0.05)
            save(dlg, f"settings_{lang}_{i + 1}_{names.get(i, i)}.png")
        dlg.close()

        env_dir = Path(tempfile.mkdtemp())
        (env_dir / ".env").write_text("APPROVAL_MODE=sometimes\nOVERLAY_PORT=abc\nGROQ_MODEL=my-model\n")
        report = load_settings_report(dirs, env={}, cwd=env_dir, use_keyring=False)[1]
        banner = SettingsBanner(report)
        banner.resize(SCREEN[0], banner.heightForWidth(SCREEN[0]))
        banner.show()
        await asyncio.sleep(0.05)
        save(banner, f"settings_banner_{lang}.png")
        banner.close()

        welcome = open_welcome(win, services)  # what runs now: no request, no synthesis
        await until(lambda: all(r.ok is not None for r in welcome.rows.values()))
        await asyncio.sleep(0.05)
        save(welcome, f"setup_check_{lang}.png")
        welcome.close()

        win.close()
        await stop_services(services)
        bridge.close()


def compress() -> None:
    """8-bit palette PNGs (ImageMagick), when that is smaller: the pictures are flat UI, 256 colours suffice."""
    import shutil
    import subprocess

    if shutil.which("convert") is None:
        return
    for png in sorted(OUT.glob("*.png")):
        small = png.with_suffix(".8.png")
        subprocess.run(["convert", str(png), "-colors", "256", f"PNG8:{small}"], check=True)
        if small.stat().st_size < png.stat().st_size:
            small.replace(png)
        else:
            small.unlink()


def seed_viewers(history: Path) -> None:
    """Viewers from earlier shows, as the memory would have kept them (rehearsal chat keys on the nickname)."""
    import time

    from aischoco_gui.viewers.store import VIEWERS_FILE, Fact, open_store
    from tests.viewers.helpers import delta

    now = int(time.time())
    day = 86400
    st = open_store(history / VIEWERS_FILE).store
    with st.transaction():
        for nick, ago, msgs, don, n_don in (("초코우유", 12, 240, 36000, 4), ("별빛토끼", 3, 88, 0, 0),
                                           ("밤하늘", 30, 42, 6000, 1), ("게임장인", 1, 310, 99000, 6),
                                           ("말랑젤리", 60, 12, 0, 0), ("코코아", 7, 57, 3000, 1)):
            for show in range(3):
                t = now - ago * day - show * 7 * day
                st.apply_deltas([delta(f"rehearsal:{nick}", nick, t, t, messages=msgs // 3,
                                       donation_total=don // 3 if n_don else 0, donation_count=1 if n_don else 0)])
        st.set_note("rehearsal:초코우유", "첫 방송부터 본 분. 고양이 나비 집사")
        for text, ago, source in (("키우는 고양이 이름은 나비", 40, "우리 나비가 캣타워를 샀어요"),
                                  ("다음 달에 이사 예정", 12, "다음 달에 이사 가요 ㅠㅠ")):
            st.add_fact("rehearsal:초코우유", Fact(text, now - ago * day, source))
        st.set_pinned("rehearsal:게임장인", True)
    st.close()


if __name__ == "__main__":
    if len(sys.argv) == 1:  # one clean process per language (services and workers start fresh)
        import subprocess

        OUT.mkdir(parents=True, exist_ok=True)
        for lang in ("ko", "en"):
            subprocess.run([sys.executable, __file__, lang], check=True)
        for extra in ("make_lockdown_screenshots.py", "make_replay_screenshots.py"):  # lockdown, replay dialog
            subprocess.run([sys.executable, str(ROOT / "docs" / extra)], check=True)
        compress()
        sys.exit(0)
    from PySide6.QtWidgets import QApplication
    from qasync import QEventLoop

    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)  # closing the Korean window must not end the English run
    with asyncio.Runner(loop_factory=lambda: QEventLoop(app)) as r:
        r.run(shoot(app, sys.argv[1]))
