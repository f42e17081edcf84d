"""Loop tracer for ``bench/app_stages.py --trace`` (profiling only; never loaded by the app itself).

On ``PYTHONPATH`` this is imported at interpreter start: it wraps ``asyncio.Handle._run`` (every loop
callback, qasync's Qt-timer ones included) and ``EventBus.emit`` to log (start, duration, what) on
CLOCK_MONOTONIC, and writes them to ``$AISCHOCO_TRACE_OUT`` at exit.
"""

from __future__ import annotations

import asyncio.events
import atexit
import json
import os
import time

_OUT = os.environ.get("AISCHOCO_TRACE_OUT")
_log: list[tuple[float, float, str]] = []
_now = time.perf_counter


def _what(h: asyncio.events.Handle) -> str:
    cb = h._callback
    task = getattr(cb, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        fr = getattr(coro, "cr_frame", None)
        where = ""
        while fr is not None:  # innermost awaited frame
            where = f"{fr.f_code.co_filename.rsplit('/', 2)[-1]}:{fr.f_lineno}:{fr.f_code.co_name}"
            aw = getattr(coro, "cr_await", None)
            if aw is None or not hasattr(aw, "cr_frame"):
                break
            coro, fr = aw, aw.cr_frame
        return f"task {task.get_name()} @ {where}"
    q = getattr(cb, "__qualname__", None) or type(cb).__name__
    mod = getattr(cb, "__module__", "") or ""
    return f"{mod}.{q}"


if _OUT:
    _orig_run = asyncio.events.Handle._run

    _prof_match = [m for m in os.environ.get("AISCHOCO_TRACE_PROFILE", "").split("|") if m]  # cProfile the steps
    # whose label has one of these
    _prof = None
    if _prof_match:
        import cProfile

        _prof = cProfile.Profile()

    _funcs_wrapped = [False]

    def _run(self: asyncio.events.Handle) -> None:
        if not _funcs_wrapped[0]:  # first loop callback: the app's modules are imported by now
            _funcs_wrapped[0] = True
            _wrap_funcs()
        w = _what(self)
        prof = _prof if _prof is not None and any(m in w for m in _prof_match) else None
        t0 = _now()
        if prof is not None:
            prof.enable()
        try:
            _orig_run(self)
        finally:
            if prof is not None:
                prof.disable()
            _log.append((t0, _now() - t0, w))

    asyncio.events.Handle._run = _run  # type: ignore[method-assign]

    def _patch_bus() -> None:
        try:
            from aischoco_gui import events
        except Exception:
            return
        import itertools  # noqa: F401

        def emit(self, kind, turn=None, **data):  # type: ignore[no-untyped-def]  (events.EventBus.emit, timed)
            t0 = _now()
            ev = events.Event(kind=kind, t=time.monotonic(), wall=time.time(), turn=turn, data=data,
                              seq=next(self._seq))
            self.recent.append(ev)
            for fn in list(self._subs):
                t1 = _now()
                try:
                    fn(ev)
                except Exception:
                    events.log.exception("event subscriber %r failed on %s", fn, kind.value)
                _log.append((t1, _now() - t1, f"  sub {getattr(fn, '__qualname__', fn)} <- {kind.value}"))
            _log.append((t0, _now() - t0, f"emit {kind.value}"))
            return ev

        events.EventBus.emit = emit

    def _wrap_funcs() -> None:
        """``AISCHOCO_TRACE_FUNCS=module:Class.method,…``: each call of these (plain functions) timed too."""
        import importlib

        for spec in filter(None, os.environ.get("AISCHOCO_TRACE_FUNCS", "").split(",")):
            mod_name, _, path = spec.partition(":")
            try:
                owner = importlib.import_module(mod_name)
                *outer, name = path.split(".")
                for part in outer:
                    owner = getattr(owner, part)
                fn = getattr(owner, name)
            except Exception as e:  # a typo must not stop the app
                print(f"trace: cannot wrap {spec}: {e}", flush=True)
                continue

            def make(fn=fn, label=f"fn {path}"):  # type: ignore[no-untyped-def]
                def timed(*a, **k):  # type: ignore[no-untyped-def]
                    t0 = _now()
                    try:
                        return fn(*a, **k)
                    finally:
                        _log.append((t0, _now() - t0, label))
                return timed

            setattr(owner, name, make())

    import builtins

    _orig_import = builtins.__import__
    _patched = [False]

    def _imp(name, *a, **k):  # type: ignore[no-untyped-def]
        m = _orig_import(name, *a, **k)
        if not _patched[0] and name.startswith("aischoco_gui"):
            import sys
            if "aischoco_gui.events" in sys.modules:
                _patched[0] = True
                builtins.__import__ = _orig_import
                _patch_bus()
        return m

    builtins.__import__ = _imp

    @atexit.register
    def _dump() -> None:
        with open(_OUT, "w", encoding="utf-8") as f:
            json.dump(_log, f)
        if _prof is not None:
            _prof.dump_stats(_OUT + ".prof")

    if os.environ.get("AISCHOCO_TRACE_QT"):
        # every Qt event that took more than 20 µs (paint, timers, queued signals), by type and receiver
        import PySide6.QtWidgets as _qtw

        _Base = _qtw.QApplication

        class _TracingApplication(_Base):  # type: ignore[misc, valid-type]
            def notify(self, receiver, event):  # type: ignore[no-untyped-def]
                t0 = _now()
                typ = event.type()
                try:
                    return _Base.notify(self, receiver, event)
                finally:
                    dt = _now() - t0
                    if dt > 20e-6:
                        _log.append((t0, dt, f"qt {getattr(typ, 'name', typ)} -> {type(receiver).__name__}"))

        _qtw.QApplication = _TracingApplication
