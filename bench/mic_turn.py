"""Co-host microphone turn: end of the streamer's speech → the LLM request on the wire (issue 16).

The real composition root (``compose.build_services``) with the real LLM generator pointed at the loopback
OpenAI double and the microphone on ``STT_INPUT_DEVICE=wav:…`` (espeak-ng Korean phrases with pauses, played
in real time) and the loopback transcription double. For each phrase: end of its sound in the file → the
transcription double has read the request → the LLM double has read the chat request (both on the wire).
The VAD hang-over (``STT_VAD_HANGOVER_MS``, 500 ms) is included: it is the designed wait for "has the
streamer stopped talking". Also: speech onset in the file → the barge-in callback (``BARGE_IN=duck``), which
ducks the output within one 10 ms block (tests/stt/test_barge_in.py asserts that part on the WAV sink).

Usage: ``.venv/bin/python bench/mic_turn.py [--quick]`` → table + bench/results/mic_turn.json
(Linux: ``time.perf_counter`` and ``time.monotonic`` are the same clock, so the doubles' times compare.)
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aischoco_gui.compose import build_services, start_services, stop_services  # noqa: E402
from aischoco_gui.events import EventBus, EventKind  # noqa: E402
from aischoco_gui.paths import user_dirs  # noqa: E402
from aischoco_gui.settings import Settings  # noqa: E402
from bench.stats import pct, report  # noqa: E402
from tests.doubles.openai_server import OpenAIDouble, Script  # noqa: E402
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker  # noqa: E402
from tests.doubles.stt_server import Script as SttScript  # noqa: E402
from tests.doubles.stt_server import SttDouble  # noqa: E402

KEY = "gsk_bench"
PHRASES = ["안녕하세요 오늘 같이 게임해요", "다음 노래는 뭐로 할까요", "채팅 읽어 줄래요", "잠깐 쉬었다 할게요"]


def ms(xs: list[float]) -> dict:
    v = [x * 1000 for x in xs]
    return {"p50": round(pct(v, 50), 1), "p99": round(pct(v, 99), 1), "max": round(max(v), 1) if v else None,
            "n": len(v)}


async def run(tmp: Path, n: int) -> dict:
    from tests.stt.speech import make_speech  # noqa: PLC0415 (needs espeak-ng)

    phrases = tuple(PHRASES[i % len(PHRASES)] for i in range(n))
    sp = make_speech(tmp, phrases, lead_s=0.5, gap_s=2.0, tail_s=1.0)
    llm = OpenAIDouble.start_in_thread()
    llm.responder = lambda body: Script(emotion="happy", response="네!")
    dirs = user_dirs({"AISCHOCO_HOME": str(tmp / "home")})
    dirs.ensure()
    bus = EventBus()
    try:
        async with SttDouble(key=KEY) as stt:
            stt.script(*[SttScript(text=f"문장 {i} 입니다") for i in range(n)])
            settings = dataclasses.replace(
                Settings(), llm_base_url=llm.base_url, groq_api_key="k", mic_mode="cohost",
                stt_input_device=f"wav:{sp.path}", stt_base_url=stt.base_url, stt_api_key=KEY,
                approval_mode="auto")
            s = build_services(settings, dirs, bus, overrides={
                "speaker": RecordingSpeaker(bus, seconds=0.2), "avatar": RecordingAvatar(bus), "chat": None,
                "overlay": None})
            await start_services(s)
            try:
                lis = s.mic
                deadline = time.monotonic() + sp.spans[-1][1] + 30
                while time.monotonic() < deadline and not (
                        lis._capture is not None and lis._capture.wav_done and not lis.in_speech
                        and sum("<chat>" in json.dumps(r.body, ensure_ascii=False) for r in llm.requests) >= n):
                    await asyncio.sleep(0.05)
                t_start = lis._capture.t_start
                counters = dict(lis.counters)
            finally:
                await stop_services(s)
    finally:
        llm.stop()
    ends = [t_start + b for _, b in sp.spans]
    to_stt, to_llm, stt_to_llm = [], [], []
    for i in range(n):
        tag = f"문장 {i} 입니다"
        r_llm = next((r for r in llm.requests if tag in json.dumps(r.body, ensure_ascii=False)), None)
        if i < len(stt.requests):
            to_stt.append(stt.requests[i].t - ends[i])
        if r_llm is not None:
            to_llm.append(r_llm.t - ends[i])
            if i < len(stt.requests):
                stt_to_llm.append(r_llm.t - stt.requests[i].t)
    mic_m = [e.data["metrics"] for e in bus.recent if e.kind is EventKind.MIC_METRICS]
    return {"utterances_spoken": n, "counters": counters, "hangover_ms": settings.stt_vad_hangover_ms,
            "end_of_speech_to_stt_request_ms": ms(to_stt),
            "end_of_speech_to_llm_request_ms": ms(to_llm),
            "stt_request_to_llm_request_ms": ms(stt_to_llm),
            "vad_end_to_llm_request_ms": ms([m["llm_request_s"] for m in mic_m if m.get("llm_request_s")])}


async def barge(tmp: Path, n: int) -> dict:
    """Speech onset in the file → barge-in callback (the VAD's onset decision) → the output's next block ducked."""
    import numpy as np  # noqa: PLC0415

    from aischoco_gui.audio.output import AudioOutput  # noqa: PLC0415
    from aischoco_gui.pipeline.mic import MicTurns  # noqa: PLC0415
    from aischoco_gui.stt.factory import build_engine  # noqa: PLC0415
    from aischoco_gui.stt.listener import ListenerConfig, MicListener  # noqa: PLC0415
    from tests.stt.speech import make_speech  # noqa: PLC0415

    sp = make_speech(tmp, tuple(PHRASES[i % len(PHRASES)] for i in range(n)), lead_s=0.7, gap_s=1.5, tail_s=0.7)
    bus = EventBus()
    out = AudioOutput(f"wav:{tmp / 'ai.wav'}", bus, rate=16000, block_s=0.010)
    ducks: list[float] = []

    def set_gain(g: float) -> None:
        if g < 1:
            ducks.append(time.monotonic())
        out.set_gain(g, 5.0)

    turns = MicTurns(bus, lambda m: None, lambda m: None, barge_in="duck", duck_gain=0.2, set_gain=set_gain)
    await out.start()
    async with SttDouble(key=KEY) as d:
        eng = build_engine("remote", bus, base_url=d.base_url, api_key=KEY, model="whisper-large-v3-turbo",
                           local_model="small", cache_dir=tmp)
        lis = MicListener(ListenerConfig(mode="cohost", input_device=f"wav:{sp.path}", barge_in="duck"), bus, eng,
                          turns.on_utterance, turns.on_barge_in, on_speech_end=turns.on_speech_end)
        secs = sp.spans[-1][1] + 3
        out.write(np.full(int(16000 * secs), 0.1, np.float32))
        out.hold = True
        lis.set_app_speaking(True)
        await lis.start()
        deadline = time.monotonic() + secs + 10
        while time.monotonic() < deadline and not (lis._capture is not None and lis._capture.wav_done
                                                   and not lis.in_speech and len(ducks) >= n):
            await asyncio.sleep(0.05)
        t_start = lis._capture.t_start
        await lis.stop()
    await out.close()
    starts = [t_start + a for a, _ in sp.spans]
    onset = [t - max(a for a in starts if a <= t) for t in ducks if any(a <= t for a in starts)]
    return {"phrases": n, "barge_ins": len(ducks), "speech_onset_to_duck_call_ms": ms(onset),
            "duck_call_to_ducked_output": "next 10 ms block (asserted in tests/stt/test_barge_in.py)"}


async def main() -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as td:
        res = {"bench": "mic_turn", "mode": "quick" if args.quick else "full",
               "python": platform.python_version(), "platform": platform.platform()}
        res["turn"] = await run(Path(td), 4 if args.quick else 12)
        (Path(td) / "barge").mkdir()
        res["barge_in"] = await barge(Path(td) / "barge", 4 if args.quick else 8)
    t, bi = res["turn"], res["barge_in"]
    rows = [("end of speech → STT request on the wire p50 / p99",
             f"{t['end_of_speech_to_stt_request_ms']['p50']} / {t['end_of_speech_to_stt_request_ms']['p99']} ms "
             f"(hang-over {t['hangover_ms']} ms included)"),
            ("end of speech → LLM request on the wire p50 / p99",
             f"{t['end_of_speech_to_llm_request_ms']['p50']} / {t['end_of_speech_to_llm_request_ms']['p99']} ms "
             f"({t['end_of_speech_to_llm_request_ms']['n']}/{t['utterances_spoken']} utterances)"),
            ("  STT request → LLM request p50 / p99 (double answers at once)",
             f"{t['stt_request_to_llm_request_ms']['p50']} / {t['stt_request_to_llm_request_ms']['p99']} ms"),
            ("speech onset → barge-in duck call p50 / p99",
             f"{bi['speech_onset_to_duck_call_ms']['p50']} / {bi['speech_onset_to_duck_call_ms']['p99']} ms "
             f"({bi['barge_ins']}/{bi['phrases']} phrases; output ducked in the next 10 ms block)")]
    report(rows, res, "mic_turn")
    return res


if __name__ == "__main__":
    asyncio.run(main())
