"""Pictures of show replay (README "Show recording and replay"): a demo show is recorded by the app against a
loopback LLM (the "old" persona), replayed against another loopback LLM (the "new" persona), and

- ``docs/img/replay_report.html`` + ``docs/img/replay_report.png``: the report, rendered by headless Chromium;
- ``docs/screenshots/replay_dialog_<lang>.png``: 파일 → 쇼 다시 보기… at 1366×768 (offscreen ``grab()``).

Run:  PYTHONPATH=$PWD QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_replay_screenshots.py
(needs ``chromium`` on PATH for the report picture, and a CJK font such as fonts-noto-cjk.)
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCREEN_JSON = Path(tempfile.gettempdir()) / "aischoco_screen_1366x768.json"
SCREEN_JSON.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,
                                                "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREEN_JSON}"
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

from aischoco_gui.models import ChatMessage  # noqa: E402
from aischoco_gui.record.format import load_recording  # noqa: E402
from aischoco_gui.record.replay import ReplayOptions, replay  # noqa: E402
from tests.doubles.openai_server import OpenAIDouble, Script  # noqa: E402
from tests.record.helpers import ByKeyword, draft_for, home_dirs, idle, llm_settings, run_show  # noqa: E402

OLD = {"기대돼요": ("happy", "딸기우유님 안녕하세요! 오늘도 재밌게 놀아요."),
       "무슨 게임": ("neutral", "오늘은 마인크래프트 할 거예요."),
       "생일": ("excited", "와 후원 고마워요! 생일 축하 받으니 너무 좋아요."),
       "노래": ("sad", "금지어 노래는 방송에서 못 불러요."),
       "잘자요": ("neutral", "안녕히 주무세요.")}
NEW = {"기대돼요": ("excited", "와 딸기우유님! 오늘은 특별히 노래 방송이에요, 끝까지 함께해요!"),
       "무슨 게임": ("happy", "오늘은 마인크래프트로 초코 성을 지어 볼 거예요!"),
       "생일": ("happy", "후원자님 만 원이나! 생일 축하까지 해 주셔서 정말 고마워요."),
       "노래": ("happy", "그럼 한 소절만 불러 볼게요~ 랄라라!"),
       "잘자요": ("sad", "벌써 가요? 잘 자요, 내일 또 봐요!")}
DELAY_OLD = {"기대돼요": 0.62, "무슨 게임": 0.48, "생일": 0.81, "노래": 0.55, "잘자요": 0.44}
DELAY_NEW = {"기대돼요": 0.31, "무슨 게임": 0.36, "생일": 0.42, "노래": 0.29, "잘자요": 0.33}


class Slow(ByKeyword):
    def __init__(self, rules, delays) -> None:
        super().__init__(rules)
        self.delays = delays

    def __call__(self, body) -> Script | None:
        s = super().__call__(body)
        last = str((body.get("messages") or [{}])[-1].get("content", "")) if isinstance(body, dict) else ""
        if s is not None:
            s.delay_s = next((d for k, d in self.delays.items() if k in last), 0.3)
        return s


async def drive(services) -> None:
    p = services.pipeline
    p.on_chat(ChatMessage("딸기우유", "초코님 안녕하세요! 오늘 방송 기대돼요 😊", user_id="u-1"))
    p.approve((await draft_for(services, "기대돼요")).id)
    await idle(services)
    p.on_chat(ChatMessage("게임러", "오늘 무슨 게임 해요?", user_id="u-2"))
    p.approve((await draft_for(services, "무슨 게임")).id)
    await idle(services)
    p.on_chat(ChatMessage("악플러", "너 바보멍청이야", user_id="u-3"))
    p.on_chat(ChatMessage("후원자", "생일 축하해요 초코!", user_id="u-4", donation_amount=10000, kind="donation"))
    p.approve((await draft_for(services, "생일 축하해요")).id)
    await idle(services)
    p.on_chat(ChatMessage("노래방", "노래 한 곡 불러줘~", user_id="u-5"))
    p.skip((await draft_for(services, "노래 한 곡")).id)  # held by the output filter; the streamer skips it
    await asyncio.sleep(0.2)
    p.on_chat(ChatMessage("올빼미", "이제 자러 갈게요 잘자요", user_id="u-6"))
    d = await draft_for(services, "잘자요")
    p.edit(d.id, "잘 자요, 올빼미님!")
    p.approve(d.id)
    await idle(services)


async def make_result(home: Path) -> dict:
    home_dirs(home, banned=("바보멍청이",))
    async with OpenAIDouble() as llm:
        llm.responder = Slow(OLD, DELAY_OLD)
        show = await run_show(home, llm_settings(llm.base_url, llm_banned_words="금지어"), drive)
    async with OpenAIDouble() as llm:
        llm.responder = Slow(NEW, DELAY_NEW)
        settings = llm_settings(llm.base_url, llm_banned_words="금지어", groq_model="openai/gpt-oss-120b")
        return await replay(load_recording(show), settings, home / "config", ReplayOptions(speed=0))


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from aischoco_gui.gui.qt_i18n import install_qt_translations
    from aischoco_gui.gui.replay_dialog import ReplayDialog
    from aischoco_gui.i18n import set_language, tr
    from aischoco_gui.record.report import write_html

    app = QApplication.instance() or QApplication(sys.argv[:1])
    for lang in ("ko", "en"):
        set_language(lang)
        install_qt_translations(app, lang)
        home = Path(tempfile.mkdtemp())
        result = asyncio.run(make_result(home))
        if lang == "ko":
            html = write_html(result, ROOT / "docs" / "img" / "replay_report.html")
            png = ROOT / "docs" / "img" / "replay_report.png"
            chromium = shutil.which("chromium") or shutil.which("chromium-browser")
            if chromium:
                subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                "--disable-background-networking", "--hide-scrollbars", "--window-size=1280,1100",
                                f"--screenshot={png}", html.as_uri()], check=True, capture_output=True, timeout=120)
                print(png.relative_to(ROOT))
        dlg = ReplayDialog(None, Path(result["recording"]), llm_settings("https://api.groq.com/openai/v1",
                                                                          groq_model="openai/gpt-oss-120b"),
                           home / "config", home / "history" / "replays")
        dlg.resize(1366, 728)
        dlg.show()
        dlg.show_result(result)
        dlg.status.setText(tr("replay.dialog.done", path=home / "history" / "replays" / "….html"))
        app.processEvents()
        out = ROOT / "docs" / "screenshots" / f"replay_dialog_{lang}.png"
        dlg.grab().save(str(out))
        print(out.relative_to(ROOT), dlg.width(), dlg.height(), dlg.minimumSizeHint().width(),
              dlg.minimumSizeHint().height())
        dlg.close()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
