"""Render the control room with loopback doubles standing in for Groq and VTube Studio and save
docs/img/control_room.png (run offscreen: QT_QPA_PLATFORM=offscreen python docs/make_screenshot.py)."""

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
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


async def main(app, out: Path) -> None:
    from aischoco_gui.compose import build_services, start_services, stop_services
    from aischoco_gui.events import EventBus
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow
    from aischoco_gui.paths import user_dirs
    from aischoco_gui.settings import Settings
    from tests.doubles.openai_server import OpenAIDouble, Script
    from tests.doubles.vts_server import VTSDouble

    home = Path(tempfile.mkdtemp())
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    async with OpenAIDouble() as llm, VTSDouble() as vts:
        replies = [("happy", "초코우유님 안녕! 오늘도 와줘서 정말 고마워요."),
                   ("excited", "새벽감성님 첫 후원 고마워요! 목소리 칭찬이라니 너무 좋다!"),
                   ("neutral", "저녁은 떡볶이 먹었어요. 초코칩들은 뭐 먹었어요?")]
        llm.script(*(Script(content=json.dumps({"emotion": e, "response": r}, ensure_ascii=False)) for e, r in replies))
        s = dataclasses.replace(Settings(), llm_base_url=llm.base_url, groq_api_key="demo", vts_url=vts.url,
                                tts_engine="fake", tts_output_device="null", overlay_port=0)
        bus = EventBus()
        services = build_services(s, dirs, bus)
        bridge = Bridge(bus)
        win = MainWindow(services, bridge)
        win.controller = AppController(services, win, bridge)
        win.resize(1600, 900)
        win.show()
        await start_services(services)
        chat = services.chat
        chat.send("초코우유", "안녕하세요 초코님! 오늘 방송 기대돼요")
        await asyncio.sleep(0.6)
        chat.send("새벽감성", "첫 후원이에요! 목소리 너무 좋아요", donation=1000)
        await asyncio.sleep(0.6)
        chat.send("밤하늘", "오늘 저녁 뭐 드셨어요?")
        chat.send("게임장인", "어제 하던 게임 이어서 해요? ㅋㅋ")
        await asyncio.sleep(2.5)
        win.docks["pose"].raise_()
        await asyncio.sleep(0.5)
        win.grab().save(str(out))
        await stop_services(services)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication
    from qasync import QEventLoop

    out = ROOT / "docs" / "img" / "control_room.png"
    app = QApplication([])
    with asyncio.Runner(loop_factory=lambda: QEventLoop(app)) as r:
        r.run(main(app, out))
    print(out)
