"""Our own overhead around the LLM call, with an instant loopback OpenAI double.

Measured per request, for Korean histories of about 1K, 5K and 8K o200k tokens, in both modes:

* ``to_sent``   — batch ready → request bytes handed to httpx (prompt + memory + JSON encoding);
  taken *before* the send, so it leaves out the send's own cost: reported, not the headline
* ``to_server`` — batch ready → the double has read the whole request body: the request **on the
  wire** (adds httpx + the event loop + loopback); this is the figure in the README table
* ``to_sentence`` — first response byte → first sentence handed to ``on_sentence``
  (JSON mode: the whole body is one read, so this is parse + repair check + split;
  stream mode: SSE parsing + tag + incremental splitting up to the first sentence end)

Runs on the app's own loop (``qasync.QEventLoop``, offscreen) unless ``--loop asyncio``.

Usage: ``.venv/bin/python bench/llm_overhead.py [--quick] [--loop qasync|asyncio]``
→ table + bench/results/llm_overhead.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aischoco_gui.events import EventBus, EventKind  # noqa: E402
from aischoco_gui.llm.factory import make_reply_generator  # noqa: E402
from aischoco_gui.models import ChatMessage  # noqa: E402
from aischoco_gui.paths import user_dirs  # noqa: E402
from aischoco_gui.service_config import llm_config  # noqa: E402
from aischoco_gui.settings import Settings  # noqa: E402
from bench.stats import pct  # noqa: E402
from tests.doubles.openai_server import OpenAIDouble, Script, stream_content  # noqa: E402

REPLY = "안녕하세요! 오늘도 와 줘서 고마워요. 다음 게임은 조금 어려운 걸로 해 볼까요? 같이 힘내요!"
USER_LINES = ["오늘 방송 너무 재밌어요 ㅋㅋ", "다음 게임 뭐 해요?", "초코님 목소리 좋아요!",
              "어제 방송 못 봤는데 무슨 일 있었어요?", "저녁은 뭐 드셨어요? 저는 떡볶이 먹었어요"]


async def run_case(base_url: str, home: Path, mode: str, history_tokens: int, n: int,
                   double: OpenAIDouble) -> dict:
    s = Settings()
    s.llm_base_url = base_url
    s.sources["llm_base_url"] = "bench"
    s.llm_mode = mode
    s.history_summary_threshold = 30000
    s.history_keep_tokens = 20000
    s.history_max_tokens = 30000
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    bus = EventBus()
    gen = make_reply_generator(llm_config(s), bus, dirs.config, dirs.history)
    await gen.memory.counter.load_async()
    i = 0
    while gen.memory.total_tokens < history_tokens:
        line = USER_LINES[i % len(USER_LINES)]
        gen.memory.add("user", f"새 채팅:\n<chat>\n[{{\"nick\": \"시청자{i}\", \"text\": \"{line}\"}}]\n</chat>")
        gen.memory.add("assistant", gen.assistant_content(REPLY, "happy", mode))
        i += 1
    double.default = Script(content=stream_content("happy", REPLY)) if mode == "stream" else Script(response=REPLY)
    marks: dict[str, float] = {}

    def on_event(ev) -> None:
        if ev.kind == EventKind.LLM_REQUEST_SENT:
            marks["sent"] = time.perf_counter()
        elif ev.kind == EventKind.LLM_FIRST_BYTE:
            marks["first_byte"] = time.perf_counter()

    bus.subscribe(on_event)
    to_sent, to_server, to_sentence = [], [], []
    for k in range(n + 3):  # 3 warm-up requests (connection set-up)
        marks.clear()
        first: list[float] = []

        def on_sentence(_s: str, first: list[float] = first) -> None:
            if not first:
                first.append(time.perf_counter())

        batch = [ChatMessage(nickname="벤치", text=USER_LINES[k % len(USER_LINES)])]
        t0 = time.perf_counter()
        await gen.generate(batch, k, on_sentence=on_sentence)
        if k < 3:
            continue
        to_sent.append((marks["sent"] - t0) * 1000)
        to_server.append((double.requests[-1].t - t0) * 1000)
        to_sentence.append((first[0] - marks["first_byte"]) * 1000)
    await gen.aclose()
    ctx = sum(t.tokens for t in gen.memory.context_turns())

    def summ(xs: list[float]) -> dict:
        return {"p50_ms": round(statistics.median(xs), 3), "p99_ms": round(pct(xs, 99), 3),
                "max_ms": round(max(xs), 3)}

    return {"mode": mode, "history_tokens": ctx, "n": n, "to_sent": summ(to_sent), "to_server": summ(to_server),
            "to_first_sentence": summ(to_sentence)}


async def main_async(quick: bool) -> dict:
    n = 25 if quick else 200
    sizes = [1000, 5000, 8000]
    double = OpenAIDouble.start_in_thread()
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for mode in ("json", "stream"):
                for size in sizes:
                    home = Path(tmp) / f"{mode}-{size}"
                    results.append(await run_case(double.base_url, home, mode, size, n, double))
    finally:
        double.stop()
    return {"benchmark": "llm_overhead", "quick": quick, "when": time.strftime("%Y-%m-%d %H:%M:%S"),
            "python": platform.python_version(), "machine": platform.machine(), "platform": platform.platform(),
            "target": "single-digit ms from batch to the request on the wire (to_server) and to the first sentence",
            "results": results}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer requests (< 20 s)")
    ap.add_argument("--loop", choices=("qasync", "asyncio"), default="qasync",
                    help="the event loop: the app's (qasync, default) or plain asyncio")
    args = ap.parse_args()
    if args.loop == "qasync":
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        from aischoco_gui.gui.event_loop import new_event_loop

        app = QApplication.instance() or QApplication([])
        with asyncio.Runner(loop_factory=lambda: new_event_loop(app)) as runner:
            out = runner.run(main_async(args.quick))
    else:
        out = asyncio.run(main_async(args.quick))
    out["loop"] = args.loop
    print(f"{'mode':7} {'history':>8} | {'to_sent p50/p99':>17} | {'to_server p50/p99':>18} | "
          f"{'first sentence p50/p99':>22}   (ms)")
    for r in out["results"]:
        print(f"{r['mode']:7} {r['history_tokens']:>8} | "
              f"{r['to_sent']['p50_ms']:>7.2f} / {r['to_sent']['p99_ms']:<7.2f} | "
              f"{r['to_server']['p50_ms']:>8.2f} / {r['to_server']['p99_ms']:<7.2f} | "
              f"{r['to_first_sentence']['p50_ms']:>10.2f} / {r['to_first_sentence']['p99_ms']:<9.2f}")
    dest = ROOT / "bench" / "results" / "llm_overhead.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {dest}")


if __name__ == "__main__":
    main()
