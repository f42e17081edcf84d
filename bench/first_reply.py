"""First reply vs later replies, measured from outside the real app.

The app (``python -m aischoco_gui``, offscreen, temp home, ``APPROVAL_MODE=auto``) reads chat from
the CHZZK double, asks the LLM double (fixed 300 ms before it answers), speaks with the remote TTS
double (OpenAI-style streaming PCM) and writes audio to ``TTS_OUTPUT_DEVICE=wav:PATH``.
Per reply, timed in this process on one clock:

* chat → LLM request **on the wire**: the double's receive time of the request body, minus the
  moment the chat event was pushed onto the CHZZK socket;
* chat → first WAV byte: the first time the WAV file grows past its previous size;
* LLM answer → TTS request on the wire: the TTS double's receive stamp minus (the LLM double's
  receive stamp + its fixed delay): parse, draft, approval, GUI notification and the TTS send.

The first reply after start is compared with the later ones (the issue: first is 55–85 ms slower).
A first reply happens once per start, so ``--starts N`` starts the app N times (a fresh home each).

    .venv/bin/python bench/first_reply.py [--quick] [--starts N] [--replies N] [--label before|after]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.apprun import App, Doubles, rm, temp_home  # noqa: E402


def wav_size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def run(replies: int, llm_delay_s: float) -> list[dict]:
    d = Doubles(llm_delay_s=llm_delay_s)
    home = temp_home()
    wav = home / "out.wav"
    app = App.start(d.env(home, TTS_OUTPUT_DEVICE=f"wav:{wav}", LOG_CONSOLE_LEVEL="WARNING"))
    rows: list[dict] = []
    try:
        deadline = time.monotonic() + 60
        while not (d.chzzk.subscribed("CHAT") and len(d.vts.injections) > 10 and wav.exists()):
            if time.monotonic() > deadline or app.proc.poll() is not None:
                raise RuntimeError(f"app did not come up; output: {[x for _, x in app.lines[-20:]]}")
            time.sleep(0.05)
        time.sleep(2.0)  # services settle (TTS probe, tokenizer) like a streamer who starts the show
        for i in range(replies):
            n_req = len(d.llm.requests)
            n_tts = len(d.tts.request_times)
            size0 = wav_size(wav)
            t0 = time.perf_counter()
            d.push_chat(f"초코야 안녕 {i + 1}번째 질문이야")
            wire = first = None
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and first is None:
                if wire is None and len(d.llm.requests) > n_req:
                    wire = d.llm.requests[n_req].t - t0
                if wav_size(wav) > size0:
                    first = time.perf_counter() - t0
                    break
                time.sleep(0.0005)
            if wire is None and len(d.llm.requests) > n_req:
                wire = d.llm.requests[n_req].t - t0
            to_tts = None
            if len(d.llm.requests) > n_req and len(d.tts.request_times) > n_tts:
                to_tts = d.tts.request_times[n_tts] - (d.llm.requests[n_req].t + llm_delay_s)
            rows.append({"reply": i + 1, "chat_to_llm_wire_ms": wire and round(wire * 1000, 1),
                         "chat_to_first_wav_byte_ms": first and round(first * 1000, 1),
                         "llm_answer_to_tts_wire_ms": to_tts and round(to_tts * 1000, 1)})
            print(f"reply {i + 1}: chat → LLM request on the wire {rows[-1]['chat_to_llm_wire_ms']} ms, "
                  f"→ first WAV byte {rows[-1]['chat_to_first_wav_byte_ms']} ms; LLM answer → TTS request on the wire "
                  f"{rows[-1]['llm_answer_to_tts_wire_ms']} ms", flush=True)
            # wait for the speech to finish (the file stops growing) before the next chat
            last, still = wav_size(wav), time.monotonic()
            while time.monotonic() - still < 0.6 and time.monotonic() < deadline + 20:
                time.sleep(0.05)
                s = wav_size(wav)
                if s != last:
                    last, still = s, time.monotonic()
    finally:
        app.stop()
        d.close()
        rm(home)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="5 replies")
    ap.add_argument("--replies", type=int, default=None)
    ap.add_argument("--llm-delay", type=float, default=0.3)
    ap.add_argument("--starts", type=int, default=None)
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    n = a.replies or (4 if a.quick else 5)
    starts = a.starts or (1 if a.quick else 4)
    per_start = []
    for k in range(starts):
        print(f"start {k + 1}/{starts}", flush=True)
        per_start.append(run(n, a.llm_delay))
    firsts = [rs[0] for rs in per_start if rs]
    later = [r for rs in per_start for r in rs[1:]]
    later_w = [r["chat_to_llm_wire_ms"] for r in later if r["chat_to_llm_wire_ms"] is not None]
    later_f = [r["chat_to_first_wav_byte_ms"] for r in later if r["chat_to_first_wav_byte_ms"] is not None]
    all_tts = [r["llm_answer_to_tts_wire_ms"] for r in firsts + later if r.get("llm_answer_to_tts_wire_ms") is not None]

    def med(key: str) -> float | None:
        xs = [r[key] for r in firsts if r[key] is not None]
        return round(statistics.median(xs), 1) if xs else None

    res = {"bench": "first_reply", "label": a.label, "llm_delay_ms": a.llm_delay * 1000, "starts": starts,
           "replies_per_start": n, "replies": per_start, "python": platform.python_version(),
           "first": {"chat_to_llm_wire_ms": med("chat_to_llm_wire_ms"),
                     "chat_to_first_wav_byte_ms": med("chat_to_first_wav_byte_ms"),
                     "all_wire_ms": [r["chat_to_llm_wire_ms"] for r in firsts],
                     "all_wav_ms": [r["chat_to_first_wav_byte_ms"] for r in firsts]} if firsts else None,
           "llm_answer_to_tts_wire_ms": {"p50": round(statistics.median(all_tts), 1) if all_tts else None,
                                         "min": min(all_tts, default=None), "max": max(all_tts, default=None)},
           "later_median": {"chat_to_llm_wire_ms": round(statistics.median(later_w), 1) if later_w else None,
                            "chat_to_first_wav_byte_ms": round(statistics.median(later_f), 1) if later_f else None},
           "target": "first reply as fast as the later ones; app share ≤ ~10 ms over LLM + TTS"}
    f, lm = res["first"], res["later_median"]
    print(f"first reply (median of {len(firsts)} starts): wire {f and f['chat_to_llm_wire_ms']} ms, "
          f"first WAV byte {f and f['chat_to_first_wav_byte_ms']}"
          f" ms; later (median of {len(later_f)}): wire {lm['chat_to_llm_wire_ms']} ms, first WAV byte "
          f"{lm['chat_to_first_wav_byte_ms']} ms")
    t = res["llm_answer_to_tts_wire_ms"]
    print(f"LLM answer → TTS request on the wire: p50 {t['p50']} ms (min {t['min']}, max {t['max']})")
    out = ROOT / "bench" / "results" / "first_reply.json"
    out.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    if a.label:
        out.with_name(f"{out.stem}.{a.label}.json").write_text(out.read_text(encoding="utf-8"), encoding="utf-8")


if __name__ == "__main__":
    main()
