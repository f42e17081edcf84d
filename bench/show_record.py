"""Show recording and replay (issue 25; DESIGN.md §5 "replay: 1,000 recorded turns in under 30 s").

1. **Recorder cost per event** — the bus is synchronous and on the hot path, so what the recorder adds to
   one ``bus.emit`` is measured: the same events emitted with and without the recorder subscribed
   (real ``ShowRecorder``, writing its unbuffered file): a chat message, a reply draft, a status, and
   an LLM exchange that carries a whole request (persona + ~8K tokens of Korean history ≈ 30 KB).
2. **Replay of 1,000 recorded turns at --speed 1000** against an LLM double that answers at once:
   a show of 1,000 chat turns three seconds apart (50 minutes of show: chat, batch, LLM exchange with the
   request, reply, draft, approval, speech, playback — the events a live turn records) is written by the
   real recorder (``ShowRecorder._on_event`` with the events' recorded clocks), then
   ``python -m aischoco_gui replay SHOW --speed 1000 --json … --report …`` runs it as a user would
   (subprocess, loopback LLM double in this process); wall time from start to exit, turns answered.

    .venv/bin/python bench/show_record.py [--quick] [--turns 1000] [--speed 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

from aischoco_gui.events import Event, EventBus, EventKind, ServiceState, ServiceStatus  # noqa: E402
from aischoco_gui.models import ChatMessage, Draft, DraftState, Reply  # noqa: E402
from aischoco_gui.record.recorder import RecorderConfig, ShowRecorder  # noqa: E402
from bench.stats import pct, report  # noqa: E402
from tests.doubles.openai_server import OpenAIDouble, Script  # noqa: E402

HISTORY_LINE = ("오늘 방송 너무 재밌어요 ㅋㅋ 다음 게임은 뭐 해요? 초코님 목소리 좋아요! "
                "어제 방송 못 봤는데 무슨 일 있었어요?")


def request_body(n_turns: int = 60) -> dict:
    msgs = [{"role": "system", "content": "당신은 치지직에서 방송하는 친근하고 밝은 AI 버튜버입니다. " * 20}]
    for i in range(n_turns):
        chat = json.dumps([{"nick": f"시청자{i}", "text": HISTORY_LINE}], ensure_ascii=False)
        msgs.append({"role": "user", "content": f"새 채팅:\n<chat>\n{chat}\n</chat>"})
        msgs.append({"role": "assistant", "content": json.dumps({"emotion": "happy", "response": HISTORY_LINE},
                                                                ensure_ascii=False)})
    return {"model": "openai/gpt-oss-120b", "messages": msgs, "response_format": {"type": "json_object"},
            "reasoning_effort": "low", "include_reasoning": False, "max_completion_tokens": 1024}


def cost_per_event(n: int) -> dict:
    msg = ChatMessage("딸기우유", "안녕하세요 초코님! 오늘 방송 기대돼요 😊", user_id="u-1")
    reply = Reply(text="딸기우유님 안녕하세요! 오늘도 재밌게 놀아요.", emotion="happy", latency_s=0.4)
    draft = Draft(reply, [msg], turn=1)
    status = ServiceStatus("llm", ServiceState.READY, "groq", extra={"model": "openai/gpt-oss-120b",
                                                                     "rate_limits": {"x-ratelimit-remaining": "99"}})
    body = request_body()
    cases = {
        "chat_received": (EventKind.CHAT_RECEIVED, {"message": msg}),
        "draft_created": (EventKind.DRAFT_CREATED, {"draft": draft}),
        "status": (EventKind.STATUS, {"status": status}),
        "llm_exchange (30 KB request)": (EventKind.LLM_EXCHANGE, {
            "purpose": "reply", "request": body, "content": '{"emotion":"happy","response":"네!"}', "ok": True,
            "latency_s": 0.4, "usage": {"total_tokens": 8120}}),
    }
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (kind, data) in cases.items():
            reps = n if "llm" not in name else max(50, n // 20)
            base = EventBus()
            t0 = time.perf_counter()
            for _ in range(reps):
                base.emit(kind, turn=1, **data)
            bare = (time.perf_counter() - t0) / reps
            bus = EventBus()
            rec = ShowRecorder(bus, RecorderConfig(True, Path(tmp) / name.split()[0]),
                               secrets=lambda: ["gsk_bench_secret_0123456789", "chzzk-token-abcdef"])
            import asyncio

            asyncio.run(rec.start())
            samples = []
            for _ in range(reps):
                t = time.perf_counter()
                bus.emit(kind, turn=1, **data)
                samples.append(time.perf_counter() - t)
            size = rec.paths[0].stat().st_size
            asyncio.run(rec.stop())
            out[name] = {"bare_us": round(bare * 1e6, 2), "p50_us": round(pct(samples, 50) * 1e6, 1),
                         "p99_us": round(pct(samples, 99) * 1e6, 1), "bytes_per_event": size // (reps + 1)}
            out[name]["added_us"] = round(out[name]["p50_us"] - out[name]["bare_us"], 1)
    return out


def write_show(folder: Path, turns: int, spacing_s: float = 3.0) -> Path:
    """A recording of ``turns`` chat turns in the recorder's real format (real objects, real encoder)."""
    bus = EventBus()
    rec = ShowRecorder(bus, RecorderConfig(True, folder), snapshot=lambda: {"memory": {"summary": "", "turns": []}})
    import asyncio

    asyncio.run(rec.start())
    t0, w0, seq = time.monotonic() - turns * spacing_s, time.time() - turns * spacing_s, 0
    body = request_body(10)

    def put(kind: EventKind, t: float, turn: int | None = None, origin: tuple[int, ...] = (), **data) -> None:
        nonlocal seq
        seq += 1
        from aischoco_gui.events import origin as ctx

        tok = ctx.set(origin)
        try:
            rec._on_event(Event(kind, t0 + t, w0 + t, turn, data, seq))
        finally:
            ctx.reset(tok)

    for i in range(1, turns + 1):
        t = i * spacing_s
        m = ChatMessage(f"시청자{i % 97}", f"{i}번째 채팅: {HISTORY_LINE[: 20 + i % 30]}", user_id=f"u-{i % 97}", id=i)
        reply = Reply(text=f"{i}번째 답이에요! 고마워요.", emotion="happy", latency_s=0.45, model="openai/gpt-oss-120b")
        d = Draft(reply, [m], turn=i, id=i)
        o = (m.id,)
        put(EventKind.CHAT_RECEIVED, t, message=m)
        put(EventKind.BATCH_READY, t + 0.001, turn=i, origin=o, messages=[m])
        put(EventKind.LLM_REQUEST_SENT, t + 0.002, turn=i, origin=o, provider="groq", model=reply.model, bytes=9000)
        put(EventKind.LLM_EXCHANGE, t + 0.45, turn=i, origin=o, purpose="reply", request=body, ok=True,
            content=json.dumps({"emotion": "happy", "response": reply.text}, ensure_ascii=False), latency_s=0.45,
            usage={"total_tokens": 3000}, model=reply.model)
        put(EventKind.LLM_REPLY_RECEIVED, t + 0.451, turn=i, origin=o, reply=reply)
        put(EventKind.DRAFT_CREATED, t + 0.452, turn=i, origin=o, draft=d)
        d.state = DraftState.APPROVED
        put(EventKind.APPROVED, t + 1.0, turn=i, draft=d, auto=False, by="human")
        put(EventKind.SPEECH_STARTED, t + 1.01, turn=i, draft=d)
        put(EventKind.FIRST_AUDIO, t + 1.1, turn=i, draft=d)
        put(EventKind.PLAYBACK_END, t + 2.5, turn=i, draft=d, cancelled=False)
    asyncio.run(rec.stop())
    return rec.paths[0]


def replay_bench(turns: int, speed: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        show = write_show(home / "history" / "shows", turns)
        llm = OpenAIDouble.start_in_thread()
        llm.responder = lambda body: Script(emotion="sad", response="새로운 답이에요.")
        env = {**os.environ, "AISCHOCO_HOME": str(home), "LLM_BASE_URL": llm.base_url, "GROQ_API_KEY": "gsk_bench",
               "GROQ_MODEL": "llama-3.3-70b-versatile"}
        out = Path(tmp) / "r.json"
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "aischoco_gui", "replay", str(show), "--speed", str(speed),
                            "--json", str(out), "--report", str(Path(tmp) / "r.html")], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - t0
        requests = len(llm.requests)
        llm.stop()
        if p.returncode != 0:
            raise SystemExit(f"replay failed ({p.returncode}): {p.stderr[-2000:]}")
        data = json.loads(out.read_text(encoding="utf-8"))
        s = data["summary"]
        return {"turns_recorded": turns, "speed": speed, "show_minutes": round(turns * 3 / 60, 1),
                "wall_s": round(wall, 2), "replay_s": data["duration_s"], "llm_requests": requests,
                "turns_compared": s["compared"], "batch_changed": s["batch_changed"],
                "only_recorded": s["only_recorded"], "new_llm_p50_ms": s["new_llm_ms"]["p50"],
                "recording_mb": round(show.stat().st_size / 2**20, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--turns", type=int, default=1000)
    ap.add_argument("--speed", type=float, default=1000.0)
    args = ap.parse_args()
    n = 2000 if args.quick else 20000
    cost = cost_per_event(n)
    turns = 200 if args.quick else args.turns
    rb = replay_bench(turns, args.speed)
    r0 = replay_bench(turns, 0)  # turn by turn: every recorded turn answered before the next is sent
    rows = [(f"recorder: {k}", f"+{v['added_us']} µs per emit (p50 {v['p50_us']}, p99 {v['p99_us']} µs with, "
                               f"{v['bare_us']} µs without), {v['bytes_per_event']:,} B") for k, v in cost.items()]
    rows += [(f"replay {rb['turns_recorded']} turns ({rb['show_minutes']} min of show) at --speed {rb['speed']:g}",
              f"{rb['wall_s']} s wall (CLI start to exit; replay itself {rb['replay_s']} s), "
              f"{rb['llm_requests']} LLM requests, {rb['turns_compared']} turns compared, "
              f"{rb['batch_changed']} batched differently"),
             (f"replay {r0['turns_recorded']} turns turn by turn (--speed 0)",
              f"{r0['wall_s']} s wall (replay itself {r0['replay_s']} s), {r0['llm_requests']} LLM requests, "
              f"{r0['turns_compared']} turns compared, {r0['batch_changed']} batched differently"),
             ("recording size", f"{rb['recording_mb']} MB")]
    res = {"recorder": cost, "replay": rb, "replay_turn_by_turn": r0,
           "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
           "quick": args.quick}
    report(rows, res, "show_record")


if __name__ == "__main__":
    main()
