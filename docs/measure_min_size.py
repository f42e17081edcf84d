"""Measure the main window's minimum size in Korean and English (the numbers the README states).

The whole window as the app builds it (every dock, the status lights, the toolbar), shown, then the same
with long status texts (a VTS retry message, a long notice): ``minimumSizeHint()`` of the window, i.e.
the smallest size its layout allows (without the window manager's frame).

Run:  PYTHONPATH=$PWD QT_QPA_PLATFORM=offscreen .venv/bin/python docs/measure_min_size.py
      xvfb-run -a -s '-screen 0 1366x768x24' env PYTHONPATH=$PWD QT_QPA_PLATFORM=xcb \
          .venv/bin/python docs/measure_min_size.py
(Korean glyphs need a CJK font, e.g. fonts-noto-cjk: the minimum depends on the fonts installed.)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

LONG_VTS = ("VTube Studio(ws://127.0.0.1:8001)가 꺼져 있거나 API가 꺼져 있어요. VTS 설정에서 'API 시작'을 켜세요. "
            "30.0초 뒤 다시 연결해요")


def measure(app, lang: str) -> dict[str, list[int]]:
    from aischoco_gui.compose import build_services
    from aischoco_gui.events import EventBus, ServiceState
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import MainWindow
    from aischoco_gui.i18n import set_language
    from aischoco_gui.paths import user_dirs
    from aischoco_gui.settings import Settings
    from tests.doubles.recording import RecordingSpeaker

    set_language(lang)
    home = Path(tempfile.mkdtemp(prefix="aischoco-minsize-"))
    bus = EventBus()
    services = build_services(Settings(overlay_port=0, vts_url="ws://127.0.0.1:9", tts_output_device="null"),
                              user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                              overrides={"speaker": RecordingSpeaker(bus)})
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.resize(1366, 728)
    win.show()
    for _ in range(20):
        app.processEvents()
    plain = win.minimumSizeHint()
    bus.set_status("vts", ServiceState.RECONNECTING, LONG_VTS, error=LONG_VTS, attempt=123)
    bus.set_status("chat", ServiceState.RECONNECTING, "다시 연결하는 중 " * 8, attempt=99)
    bus.notice("아주 긴 알림 문장이에요. " * 20, level="warning")
    for _ in range(20):
        app.processEvents()
    long = win.minimumSizeHint()
    win.close()
    bridge.close()
    return {"plain": [plain.width(), plain.height()], "long_texts": [long.width(), long.height()]}


def main() -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    out = {"platform": app.platformName(), **{lang: measure(app, lang) for lang in ("ko", "en")}}
    for lang in ("ko", "en"):
        m = out[lang]
        w = max(m["plain"][0], m["long_texts"][0])
        h = max(m["plain"][1], m["long_texts"][1])
        print(f"{lang}: minimum {w}×{h}  (plain {m['plain'][0]}×{m['plain'][1]}, "
              f"long texts {m['long_texts'][0]}×{m['long_texts'][1]})  [{out['platform']}]")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
