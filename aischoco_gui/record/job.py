"""One replay on a thread of its own (its own asyncio loop), for the window.

The window's loop never waits on the replay: the window polls :attr:`ReplayJob.progress` and
:attr:`ReplayJob.finished` on a timer (no callback into Qt from this thread), :meth:`cancel` stops it
(the replay still returns and saves what was done) and :meth:`join` waits for the thread on close; a thread
that does not end in time is reported (``threads.join_or_report``, listed by ``threads.stragglers``). The
thread holds no Qt object and no reference to the app's loop: it runs its own loop (``asyncio.run``) on
its own services (``compose.build_services`` with a bus of its own).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from aischoco_gui.record.format import RecordingError, load_recording
from aischoco_gui.record.replay import ReplayError, ReplayOptions, ReplayProgress, replay
from aischoco_gui.record.report import write_html, write_json
from aischoco_gui.settings import Settings
from aischoco_gui.threads import join_or_report

log = logging.getLogger(__name__)


class ReplayJob:
    def __init__(self, path: Path, settings: Settings, config_dir: Path, options: ReplayOptions,
                 out_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.settings = settings
        self.config_dir = config_dir
        self.options = options
        self.out_dir = out_dir
        self.progress: ReplayProgress | None = None
        self.result: dict[str, Any] | None = None
        self.error = ""
        self.html_path: Path | None = None
        self.json_path: Path | None = None
        self._finished = threading.Event()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name="replay", daemon=True)

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self.finished

    def start(self) -> ReplayJob:
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Stop the replay (it returns what was done so far)."""
        with self._lock:
            self._cancelled = True
            loop, task = self._loop, self._task
        if loop is not None and task is not None:
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the loop has just closed
                pass

    def join(self, timeout: float = 15.0) -> bool:
        """Wait for the thread (blocking; the window calls it once the replay finished or was cancelled);
        False, logged and listed by ``threads.stragglers`` when it is still running after ``timeout``."""
        if not self._thread.is_alive():
            return True
        return join_or_report(self._thread, timeout, "replay")

    def _run(self) -> None:
        try:
            rec = load_recording(self.path)
            asyncio.run(self._main(rec))
        except (RecordingError, ReplayError) as e:
            self.error = str(e)
        except Exception as e:
            log.exception("replay of %s failed", self.path)
            self.error = f"{type(e).__name__}: {e}"
        finally:
            with self._lock:
                self._loop = self._task = None
            self._finished.set()

    async def _main(self, rec: Any) -> None:
        with self._lock:
            self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
            if self._cancelled:
                return
        result = await replay(rec, self.settings, self.config_dir, self.options, progress=self._on_progress)
        if self.out_dir is not None:
            stem = f"{self.path.stem}.replay-{datetime.now():%Y%m%d-%H%M%S}"
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self.html_path = write_html(result, self.out_dir / f"{stem}.html")
            self.json_path = write_json(result, self.out_dir / f"{stem}.json")
        self.result = result

    def _on_progress(self, p: ReplayProgress) -> None:
        self.progress = p
