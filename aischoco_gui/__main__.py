"""``python -m aischoco_gui`` / ``aischoco``: start the control room.

``aischoco --tts-worker …`` runs the TTS worker instead: the frozen app has no ``python -m``,
so :func:`aischoco_gui.tts.worker.worker_command` starts the same exe with this flag.
``aischoco replay SHOW.jsonl …`` replays a recorded show (:mod:`aischoco_gui.record.cli`; no window,
no single-instance lock).
``aischoco viewers …`` is the viewer memory's command line (``viewers/cli.py``): no window, no Qt, no
single-instance lock, so it works while the app runs.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--tts-worker"]:
        from aischoco_gui.tts.server import main as worker_main

        return worker_main(argv[1:])
    if argv[:1] == ["replay"]:
        from aischoco_gui.record.cli import main as replay_main

        return replay_main(argv[1:])
    if argv[:1] == ["viewers"]:
        from aischoco_gui.viewers.cli import main as viewers_main

        return viewers_main(argv[1:])
    from aischoco_gui.app import main as app_main

    try:
        return app_main(argv)
    except SystemExit:
        raise
    except KeyboardInterrupt:  # Ctrl+C before the event loop ran: nothing to save, not a crash
        return 0
    except BaseException as e:  # a crash before the window's hooks exist still leaves a report
        from aischoco_gui.crash import report_startup_crash

        path = report_startup_crash(e)
        if path is not None and sys.stderr is not None:
            print(f"aischoco crashed; report: {path}", file=sys.stderr, flush=True)
        raise


if __name__ == "__main__":
    sys.exit(main())
