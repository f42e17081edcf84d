"""The log at its default level records changes, not the loop's housekeeping (issue 23).

With no audio device the output watchdog re-initialises PortAudio every ~10 s in a worker thread; qasync
logged each executor hand-off at DEBUG (four lines per rescan: 71 KB in 15 minutes). The audio output
itself says "device missing" once (``AudioOutput._report`` skips repeats)."""

from __future__ import annotations

import asyncio
import logging

from aischoco_gui.logging_setup import LOG_FILE, setup_logging


def test_executor_handoffs_on_the_qasync_loop_do_not_reach_the_log(qloop, tmp_path):
    root = logging.getLogger()
    before = (list(root.handlers), root.level, {n: logging.getLogger(n).level for n in ("qasync",)})
    setup_logging(tmp_path)
    try:
        async def rescans() -> None:
            for _ in range(5):  # what the watchdog does every ~10 s while the device is missing
                await asyncio.to_thread(lambda: None)

        qloop.run_until_complete(rescans())
        for h in root.handlers:
            h.flush()
        text = (tmp_path / LOG_FILE).read_text(encoding="utf-8")
        assert "qasync" not in text, text[:500]
    finally:
        for h in list(root.handlers):
            if h not in before[0]:
                root.removeHandler(h)
                h.close()
        root.setLevel(before[1])
        logging.getLogger("qasync").setLevel(before[2]["qasync"])
