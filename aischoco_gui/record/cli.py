"""``aischoco replay SHOW.jsonl [--report OUT.html] [--json OUT.json] [--speed N] [--concurrency K]``.

Replays a recorded show against the LLM configured now (the settings, ``.env`` and the environment,
read as the app reads them: ``LLM_BASE_URL`` / ``GROQ_MODEL`` / ``GROQ_API_KEY`` …) with no window, audio
or VTS, and writes the comparison as one offline HTML file and/or JSON. Runs beside a running app (no
single-instance lock; it writes nothing of the app's). Ctrl+C stops and still writes what was done.
Exit status: 0 done, 1 the replay failed (LLM unreachable …), 2 bad arguments or recording, 130 stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path
from typing import TextIO

from aischoco_gui.i18n import set_language, tr
from aischoco_gui.logging_setup import redactor
from aischoco_gui.paths import user_dirs
from aischoco_gui.record.format import RecordingError, load_recording
from aischoco_gui.record.replay import ReplayError, ReplayOptions, ReplayProgress, replay
from aischoco_gui.record.report import write_html, write_json
from aischoco_gui.settings import load_settings_report


def _attach_console() -> None:  # pragma: no cover - Windows only
    """The packaged app is a windowed exe: borrow the console it was started from, so output shows."""
    if sys.platform != "win32" or sys.stdout is not None:
        return
    import ctypes  # noqa: PLC0415

    if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        sys.stdout = sys.stderr = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="aischoco replay",
                                description="Replay a recorded show against the LLM configured now and compare "
                                            "the answers turn by turn (history/shows/*.jsonl).")
    p.add_argument("show", type=Path, help="a recording, e.g. history/shows/2026-03-01_20-15-03.jsonl")
    p.add_argument("--report", type=Path, metavar="OUT.html", help="write the HTML report here")
    p.add_argument("--json", type=Path, dest="json_out", metavar="OUT.json", help="write the comparison as JSON")
    p.add_argument("--speed", type=float, default=1.0, metavar="N",
                   help="keep the recorded spacing, N times faster (default 1 = as live); 0 = one recorded turn "
                        "at a time, no clock")
    p.add_argument("--concurrency", type=int, default=2, metavar="K",
                   help="at most K LLM requests at once (thanks and summaries beside a turn; default 2)")
    args = p.parse_args(argv)
    if args.speed < 0:
        p.error("--speed must be 0 or more")
    if args.concurrency < 1:
        p.error("--concurrency must be at least 1")
    return args


class ProgressBar:
    """``[#####-----] chat 12/40 · 8 answers 3 s`` on a terminal (redrawn); a line per 10 % otherwise."""

    def __init__(self, stream: TextIO, width: int = 28) -> None:
        self.stream = stream
        self.width = width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._decile = -1

    def __call__(self, p: ReplayProgress) -> None:
        frac = p.fed / p.total if p.total else 1.0
        filled = int(frac * self.width)
        text = (f"[{'#' * filled}{'-' * (self.width - filled)}] "
                f"{tr('replay.progress', fed=p.fed, total=p.total, answered=p.answered)} {p.elapsed_s:.0f} s")
        if self.tty:
            self.stream.write("\r" + text)
            self.stream.flush()
        elif int(frac * 10) != self._decile:
            self._decile = int(frac * 10)
            print(text, file=self.stream, flush=True)

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _summary_lines(result: dict) -> list[str]:
    s = result["summary"]
    o, n = s["old_llm_ms"], s["new_llm_ms"]

    def ms(v: float | None) -> str:
        return "—" if v is None else f"{v:.0f}"

    return [f"{tr('report.turns')} {s['turns']} · {tr('report.replies_changed')} {s['replies_changed']} · "
            f"{tr('report.emotions_changed')} {s['emotions_changed']} · {tr('report.newly_flagged')} "
            f"{s['newly_flagged']} · {tr('report.no_longer_flagged')} {s['no_longer_flagged']}",
            f"{tr('report.latency')}: {ms(o['p50'])}/{ms(o['p90'])} ms → {ms(n['p50'])}/{ms(n['p90'])} ms"]


def main(argv: list[str] | None = None) -> int:
    _attach_console()
    args = parse_args(sys.argv[1:] if argv is None else list(argv))
    settings, problems = load_settings_report(user_dirs())
    set_language(settings.ui_language)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    redactor.add(*settings.secrets())
    for h in logging.getLogger().handlers:
        h.addFilter(redactor)
    for pr in problems:
        print(pr.describe(), file=sys.stderr)
    try:
        rec = load_recording(args.show)
    except RecordingError as e:
        print(e, file=sys.stderr)
        return 2
    report = args.report
    if report is None and args.json_out is None:
        report = Path.cwd() / f"{rec.path.stem}.report.html"
    bar = ProgressBar(sys.stderr)
    t0 = time.perf_counter()
    try:
        result = asyncio.run(replay(rec, settings, user_dirs().config,
                                    ReplayOptions(speed=args.speed, concurrency=args.concurrency), progress=bar))
    except KeyboardInterrupt:
        bar.done()
        print(tr("replay.stopped"), file=sys.stderr)
        return 130
    except (ReplayError, RecordingError) as e:
        bar.done()
        print(e, file=sys.stderr)
        return 1
    bar.done()
    if result["interrupted"]:
        print(tr("replay.interrupted"), file=sys.stderr)
    if result["error"]:
        print(result["error"], file=sys.stderr)
    for path, write in ((args.json_out, write_json), (report, write_html)):
        if path is not None:
            write(result, path)
            print(path.resolve())
    for line in _summary_lines(result):
        print(line)
    print(f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if result["interrupted"]:
        return 130
    return 1 if result["error"] else 0
