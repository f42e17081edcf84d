"""TTS latency: per-stage numbers through the real path (worker subprocess → HTTP → speaker →
ring buffer → sink), with the instant fake engine and the espeak-ng system engine.

For each engine, sink (``null`` and ``wav:``) and mode (pre-synthesised vs. synthesised on
approval), 20 Korean sentences are "approved" one by one; each utterance is cut right after its
first sample is heard (only the start is measured here). Stages (seconds, p50/p95):

- ``engine_first_chunk_s``: synthesis request → first PCM chunk back from the worker
  (engine time + HTTP + worker overhead);
- ``chunk_to_sample_s``: first chunk in hand → first sample heard at the sink (our overhead);
- ``approval_to_first_sample_s``: ``speak()`` called (the approval click) → first sample.

With the instant fake engine, approval → first sample without pre-synthesis is *all* our
overhead (worker HTTP round trip + resampling + output). A multi-sentence draft is also played to
the end to report the real-time factor and underruns.

    .venv/bin/python bench/tts_latency.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aischoco_gui.audio.output import AudioOutput  # noqa: E402
from aischoco_gui.events import EventBus, EventKind  # noqa: E402
from aischoco_gui.models import Draft, Reply  # noqa: E402
from aischoco_gui.tts.speaker import TtsSpeaker  # noqa: E402
from aischoco_gui.tts.worker import WorkerBackend  # noqa: E402
from bench.stats import pct  # noqa: E402

SENTENCES = [
    "안녕하세요, 여러분!", "오늘도 방송에 와 주셔서 고마워요.", "점심은 맛있게 드셨나요?", "저는 초코를 제일 좋아해요.",
    "그 질문 정말 좋네요.", "잠깐만요, 생각해 볼게요.", "와, 후원 감사합니다!", "다음 게임은 뭘 해 볼까요?",
    "오늘 날씨가 참 좋네요.", "채팅이 너무 빨라서 못 읽겠어요.", "저도 그 노래 좋아해요.", "조금만 더 기다려 주세요.",
    "이번 판은 꼭 이길 거예요.", "다들 주말 잘 보내세요.", "그건 비밀이에요.", "정말요? 진짜 신기하네요.",
    "내일도 같은 시간에 만나요.", "물 한 잔 마시고 올게요.", "웃겨서 눈물이 나요.", "오늘 방송은 여기까지예요.",
]
STAGE_KEYS = ("engine_first_chunk_s", "chunk_to_sample_s", "approval_to_first_sample_s")


def mk_draft(sentences: list[str]) -> Draft:
    return Draft(reply=Reply(text=" ".join(sentences), sentences=list(sentences)), batch=[], turn=0)


async def measure(engine: str, sink: str, presynth: bool, sentences: list[str], workdir: Path) -> list[dict]:
    bus = EventBus()
    metrics: list[dict] = []
    first: list[float] = []
    bus.subscribe(lambda e: metrics.append(e.data["metrics"]) if e.kind is EventKind.TTS_METRICS else None)
    bus.subscribe(lambda e: first.append(e.t) if e.kind is EventKind.FIRST_AUDIO else None)
    spec = "null" if sink == "null" else f"wav:{workdir / f'{engine}-{presynth}.wav'}"
    backend = WorkerBackend(engine, bus)
    sp = TtsSpeaker(bus, backend, AudioOutput(spec, bus, rate=48000))
    await sp.start()
    try:
        if not await backend.wait_ready(30):
            raise RuntimeError(f"worker {engine} not ready: {backend.health} {list(backend.stderr_tail)[-3:]}")
        await _one(sp, mk_draft(["워밍업."]), presynth, first)  # connection + code paths warm
        metrics.clear()
        for s in sentences:
            await _one(sp, mk_draft([s]), presynth, first)
    finally:
        await sp.shutdown()
    return metrics


async def _one(sp: TtsSpeaker, d: Draft, presynth: bool, first: list[float]) -> None:
    if presynth:
        sp.prepare(d)
        job = sp.prepared(d)
        while not job.done:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.02)  # the draft waits in the queue; the click comes later
    n = len(first)
    task = asyncio.get_running_loop().create_task(sp.speak(d))
    t0 = time.monotonic()
    while len(first) == n and time.monotonic() - t0 < 10:
        await asyncio.sleep(0.002)
    await sp.stop()  # only the start of the utterance is measured here
    await task
    await asyncio.sleep(0.03)


async def full_playback(engine: str, sentences: list[str]) -> dict:
    bus = EventBus()
    out: list[dict] = []
    bus.subscribe(lambda e: out.append(e.data["metrics"]) if e.kind is EventKind.TTS_METRICS else None)
    backend = WorkerBackend(engine, bus)
    sp = TtsSpeaker(bus, backend, AudioOutput("null", bus, rate=48000))
    await sp.start()
    try:
        await backend.wait_ready(30)
        await sp.speak(mk_draft(sentences))
    finally:
        await sp.shutdown()
    m = out[-1]
    return {k: m.get(k) for k in ("rtf", "underruns", "audio_s", "played_s", "sentences", "engine_first_chunk_s")}


def summarize(ms: list[dict]) -> dict:
    out = {"n": len(ms)}
    for k in STAGE_KEYS:
        vals = [m.get(k) for m in ms if m.get(k) is not None]
        out[k] = {"p50": pct(vals, 50, None), "p95": pct(vals, 95, None), "max": max(vals) if vals else None}
    return out


async def main_async(quick: bool) -> dict:
    engines = ["fake"] + (["system"] if shutil.which("espeak-ng") else [])
    sinks = ["null"] if quick else ["null", "wav"]
    sentences = SENTENCES[:5] if quick else SENTENCES
    results: dict = {"runs": [], "full_playback": {}}
    with tempfile.TemporaryDirectory() as td:
        for engine in engines:
            for sink in sinks:
                for presynth in (True, False):
                    ms = await measure(engine, sink, presynth, sentences, Path(td))
                    results["runs"].append({"engine": engine, "sink": sink, "presynthesized": presynth,
                                            **summarize(ms)})
            if not quick:
                results["full_playback"][engine] = await full_playback(engine, SENTENCES[:3])
    fake_live = next(r for r in results["runs"] if r["engine"] == "fake" and not r["presynthesized"])
    pres = [r for r in results["runs"] if r["presynthesized"]]
    results["targets"] = {
        "presynth_approval_to_first_sample_p95_lt_50ms": all(
            r["approval_to_first_sample_s"]["p95"] < 0.050 for r in pres),
        "overhead_beyond_engine_p95_lt_20ms": fake_live["approval_to_first_sample_s"]["p95"] < 0.020 and all(
            r["chunk_to_sample_s"]["p95"] < 0.020 for r in results["runs"]),
    }
    return results


def fmt(v: float | None) -> str:
    return "–" if v is None else f"{v * 1000:7.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="5 sentences, null sink only (< 20 s)")
    args = ap.parse_args()
    t0 = time.monotonic()
    res = asyncio.run(main_async(args.quick))
    res["meta"] = {"quick": args.quick, "python": sys.version.split()[0], "platform": platform.platform(),
                   "seconds": round(time.monotonic() - t0, 1), "sentences": 5 if args.quick else 20,
                   "espeak": shutil.which("espeak-ng") is not None, "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    print(f"{'engine':7} {'sink':5} {'presynth':8} | " + " | ".join(f"{k[:-2]:>26} p50/p95 ms" for k in STAGE_KEYS))
    for r in res["runs"]:
        cells = " | ".join(f"{fmt(r[k]['p50'])} / {fmt(r[k]['p95']):>7}".rjust(37) for k in STAGE_KEYS)
        print(f"{r['engine']:7} {r['sink']:5} {str(r['presynthesized']):8} | {cells}")
    for eng, fp in res["full_playback"].items():
        print(f"full playback {eng}: rtf={fp['rtf']:.3f} underruns={fp['underruns']} audio={fp['audio_s']:.2f}s "
              f"played={fp['played_s']:.2f}s")
    print("targets:", res["targets"], f"({res['meta']['seconds']} s)")
    out = ROOT / "bench" / "results" / "tts_latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
