"""Co-host microphone: the cost of listening and the delay from end of speech to the request.

* ``idle``: CPU % of this process (capture thread + resampling-free 16 kHz wav: input + Silero VAD
  worker + event loop) while the listener hears silence through ``STT_INPUT_DEVICE=wav:…`` for
  ~20 s, next to the same process with the microphone off (the difference is what listening costs).
* ``latency``: real Korean speech (espeak-ng) with pauses played in real time; for each phrase,
  end of the phrase's sound in the file → the transcription double has read the whole request
  (on the wire), p50/p99. It includes the VAD hang-over (``STT_VAD_HANGOVER_MS``, 500 ms), which
  is the designed wait for "has the streamer stopped talking"; the rest is our overhead.

Usage: ``.venv/bin/python bench/stt_listen.py [--quick]`` → table + bench/results/stt_listen.json
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from aischoco_gui.audio.wavwriter import StreamingWavWriter  # noqa: E402
from aischoco_gui.events import EventBus  # noqa: E402
from aischoco_gui.stt.factory import build_engine  # noqa: E402
from aischoco_gui.stt.listener import ListenerConfig, MicListener  # noqa: E402
from bench.stats import pct, report  # noqa: E402
from tests.doubles.stt_server import SttDouble  # noqa: E402

KEY = "gsk_bench"
PHRASES = ["안녕하세요 오늘 같이 게임해요", "다음 노래는 뭐로 할까요", "채팅 읽어 줄래요", "잠깐 쉬었다 할게요"]


def listener(d: SttDouble, wav: Path, mode: str, tmp: Path, calls: list) -> MicListener:
    bus = EventBus()
    eng = build_engine("remote", bus, base_url=d.base_url, api_key=KEY, model="whisper-large-v3-turbo",
                       local_model="small", cache_dir=tmp)
    return MicListener(ListenerConfig(mode=mode, input_device=f"wav:{wav}"), bus, eng, lambda *a: calls.append(a))


async def cpu_while(seconds: float, lis: MicListener | None) -> float:
    if lis is not None:
        await lis.start()
    await asyncio.sleep(1.0)  # settle (model load, first blocks)
    c0, t0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    c1, t1 = time.process_time(), time.monotonic()
    if lis is not None:
        await lis.stop()
    return 100.0 * (c1 - c0) / (t1 - t0)


async def idle(tmp: Path, seconds: float) -> dict:
    silence = tmp / "silence.wav"
    w = StreamingWavWriter(silence, 16000)
    w.write(np.zeros(16000, np.float32))
    w.close()
    async with SttDouble(key=KEY) as d:
        off = await cpu_while(seconds, None)
        calls: list = []
        lis = listener(d, silence, "cohost", tmp, calls)
        on = await cpu_while(seconds, lis)
        assert not d.requests, "silence must send nothing"
    return {"seconds": seconds, "cpu_pct_mic_off": round(off, 2), "cpu_pct_listening": round(on, 2),
            "cpu_pct_listening_cost": round(on - off, 2), "requests_sent": 0}


async def latency(tmp: Path, n: int) -> dict:
    from tests.stt.speech import make_speech  # noqa: PLC0415 (needs espeak-ng)

    phrases = tuple(PHRASES[i % len(PHRASES)] for i in range(n))
    sp = make_speech(tmp, phrases, lead_s=0.5, gap_s=1.5, tail_s=0.5)
    calls: list = []
    async with SttDouble(key=KEY) as d:
        lis = listener(d, sp.path, "cohost", tmp, calls)
        await lis.start()
        while not (lis._capture is not None and lis._capture.wav_done and not lis.in_speech
                   and lis.counters["sent"] >= n) and len(d.requests) < n + 5:
            await asyncio.sleep(0.05)
            if lis._capture is not None and lis._capture.wav_done and time.monotonic() - lis._capture.t_start > \
                    sp.spans[-1][1] + 10:
                break
        t_start = lis._capture.t_start
        await lis.stop()
    ends = [t_start + b for _, b in sp.spans]
    lat = []
    for r in d.requests:  # match each request to the phrase that ended last before it
        before = [e for e in ends if e <= r.t]
        lat.append(r.t - before[-1] if before else None)
    hang = lis.cfg.vad.hangover_ms / 1000
    ms = [x * 1000 for x in lat if x is not None]
    return {"utterances_spoken": n, "requests": len(d.requests), "callbacks": len(calls),
            "hangover_ms": lis.cfg.vad.hangover_ms,
            "end_of_speech_to_request_ms": {"p50": round(pct(ms, 50), 1), "p99": round(pct(ms, 99), 1),
                                            "max": round(max(ms), 1) if ms else None},
            "overhead_after_hangover_ms": {"p50": round(pct(ms, 50) - hang * 1000, 1),
                                           "p99": round(pct(ms, 99) - hang * 1000, 1)}}


async def main() -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        res = {"bench": "stt_listen", "mode": "quick" if args.quick else "full", "python": platform.python_version(),
               "platform": platform.platform()}
        res["idle"] = await idle(tmp, 8.0 if args.quick else 20.0)
        res["latency"] = await latency(tmp, 4 if args.quick else 12)
    i, lt = res["idle"], res["latency"]
    rows = [("CPU listening to silence (mic off → on)", f"{i['cpu_pct_mic_off']} % → {i['cpu_pct_listening']} % "
             f"of one core over {i['seconds']:.0f} s"),
            ("end of speech → request on the wire p50 / p99",
             f"{lt['end_of_speech_to_request_ms']['p50']} / {lt['end_of_speech_to_request_ms']['p99']} ms "
             f"(hang-over {lt['hangover_ms']} ms included; {lt['requests']}/{lt['utterances_spoken']} utterances)"),
            ("  of which after the hang-over p50 / p99", f"{lt['overhead_after_hangover_ms']['p50']} / "
                                                         f"{lt['overhead_after_hangover_ms']['p99']} ms")]
    report(rows, res, "stt_listen")
    return res


if __name__ == "__main__":
    asyncio.run(main())
