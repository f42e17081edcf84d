"""Application start-up: settings, logging, services, the window, on one qasync loop."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
import time
import traceback
from dataclasses import dataclass, field

from aischoco_gui import __version__
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import register, set_language, tr
from aischoco_gui.logging_setup import redactor, setup_logging
from aischoco_gui.paths import UserDirs, usable_dirs, user_dirs
from aischoco_gui.settings import Settings, load_settings_report

log = logging.getLogger("aischoco")
T0 = time.perf_counter()
register({
    "safe_mode.home_unwritable": (
        "안전 모드: 폴더에 쓸 수 없어요 ({reason}). 이번 실행의 설정·기록·로그는 임시 폴더 {temp} 에 저장되고 "
        "원래 폴더는 바꾸지 않아요. 폴더의 쓰기 권한을 확인하거나(읽기 전용·동기화 폴더·USB 잠금) "
        "AISCHOCO_HOME을 쓸 수 있는 폴더로 바꾼 뒤 다시 시작하세요.",
        "Safe mode: cannot write to your folder ({reason}). Settings, history and logs of this run go to the "
        "temporary folder {temp}; your folder is left untouched. Check the folder's write permission "
        "(read-only, synced or locked drive) or point AISCHOCO_HOME at a writable folder, then restart."),
    "safe_mode.title": ("안전 모드 (폴더에 쓸 수 없음)", "safe mode (folder not writable)"),
    "app.unexpected": ("예상하지 못한 오류가 났어요 (방송은 계속돼요). 자세한 내용은 로그(파일 → 로그 폴더 열기)에 "
                       "있어요; 계속되면 앱을 다시 시작하세요",
                       "An unexpected error happened (the show goes on). Details are in the log (File → Open log "
                       "folder); if it keeps happening, restart the app"),
})


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="aischoco", description="aischoco control room")
    p.add_argument("--smoke", action="store_true",
                   help="start everything, wait until every service reports its state, print 'aischoco ready', exit")
    p.add_argument("--smoke-timeout", type=float, default=30.0)
    p.add_argument("--version", action="version", version=f"aischoco {__version__}")
    return p.parse_args(argv)


@dataclass
class Startup:
    settings: Settings
    dirs: UserDirs
    problems: dict[str, str]
    report: list = field(default_factory=list)  # settings.SettingProblem, for the window's banner


def load_startup() -> Startup:
    """Settings + logging. Bad settings never stop the app: each bad field alone falls back, every
    other value is kept, nothing is written, and the problems are shown in a banner."""
    dirs = usable_dirs(user_dirs())  # an unwritable folder → safe mode in a temp folder, never an exit
    settings, report = load_settings_report(dirs)
    problems = {p.field or p.source: f"{p.env or p.source} ({p.source}): {p.message}" for p in report}
    setup_logging(dirs.logs, settings.log_console_level, settings.log_max_mb, settings.log_backup_count)
    redactor.add(*settings.secrets())
    set_language(settings.ui_language)
    for k, v in problems.items():
        log.error("setting %s: %s", k, v)
    if dirs.safe_mode:
        log.error("safe mode: %s is not writable (%s); this run uses %s", dirs.wanted, dirs.unwritable, dirs.home)
    return Startup(settings, dirs, problems, report)


def install_exception_hooks(bus: EventBus, reporter=None, on_report=None) -> None:
    """Unhandled exceptions in slots and tasks are logged and shown, never a silent crash.

    With a ``crash.CrashReporter`` each one also leaves a redacted report; ``on_report(path)`` offers it.
    """

    def report(exc, context: str) -> None:
        path = reporter.report(exc, context) if reporter is not None else None
        if path is not None and on_report is not None:
            try:
                on_report(path)
            except Exception:
                log.exception("could not show the crash report notice")

    def excepthook(etype, value, tb) -> None:
        log.error("unhandled exception:\n%s", "".join(traceback.format_exception(etype, value, tb)))
        try:
            bus.notice(tr("app.unexpected"), level="error", detail=f"{etype.__name__}: {value}")
        except Exception:
            pass
        report((etype, value, tb), "unhandled exception")

    sys.excepthook = excepthook

    def loop_handler(loop, context) -> None:
        exc = context.get("exception")
        msg = context.get("message", "")
        log.error("event loop error: %s", msg, exc_info=exc)
        if exc is not None and not isinstance(exc, asyncio.CancelledError):
            bus.notice(tr("app.unexpected"), level="error", detail=f"{type(exc).__name__}: {exc}")
            report(exc, f"event loop: {msg}")

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # called outside the loop (tests): only the excepthook applies
        return
    loop.set_exception_handler(loop_handler)


def install_asyncgen_hooks(loop: asyncio.AbstractEventLoop) -> None:
    """Let the loop finalize async generators, as asyncio's own ``run_forever`` does and qasync's does not.

    Without the hooks a generator left suspended (a stream read up to ``[DONE]``, httpcore's body iterator
    under it) is closed by the garbage collector outside the loop and cannot await its cleanup ("async
    generator ignored GeneratorExit" at quit); with them it is closed as a task on the loop, and
    ``asyncio.Runner`` closes the rest (``shutdown_asyncgens``) when the app exits."""
    first = getattr(loop, "_asyncgen_firstiter_hook", None)
    final = getattr(loop, "_asyncgen_finalizer_hook", None)
    if first is not None and final is not None:
        sys.set_asyncgen_hooks(firstiter=first, finalizer=final)


async def run(args: argparse.Namespace, startup: Startup, app, guard=None, closed: asyncio.Event | None = None) -> int:
    """The app's life on the loop; it ends when ``closed`` is set (the window closed, or a stop signal)."""
    from aischoco_gui.crash import CrashReporter, install_faulthandler
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.desktop import activate_window, install_session_end, show_crash_notice
    from aischoco_gui.gui.main_window import MainWindow
    from aischoco_gui.gui.startup_trace import trace_point, trace_window_shown
    from aischoco_gui.gui.welcome import install_welcome

    install_asyncgen_hooks(asyncio.get_running_loop())
    bus = EventBus()
    install_faulthandler(startup.dirs.logs)
    window = None
    install_exception_hooks(bus, CrashReporter(startup.dirs.logs, startup.settings.secrets()),
                            lambda path: show_crash_notice(window, path))
    # Window first: the shell (panic button, menus, status lights) shows now; the services and their panels
    # come up behind it. The composition root pulls in the adapters' libraries (aiohttp, numpy, httpx,
    # websockets — about half a second here), so it is imported off the loop while the shell paints.
    bridge = Bridge(bus)
    window = MainWindow(None, bridge, dirs=startup.dirs)
    for name in window.status.NAMES:
        bus.set_status(name, ServiceState.CONNECTING, tr("window.starting"))
    closed = closed or asyncio.Event()
    window.closing.connect(closed.set)  # closing the shell while the services come up is a normal exit
    window.show()
    trace_window_shown(window)
    compose = await asyncio.get_running_loop().run_in_executor(None, importlib.import_module, "aischoco_gui.compose")
    services = compose.build_services(startup.settings, startup.dirs, bus)
    window.attach(services)
    from aischoco_gui.gui.controller import AppController  # imports the chat and VTS clients: after the shell

    controller = AppController(services, window, bridge)
    window.controller = controller
    created = services.installed_defaults
    if created:
        bus.notice(tr("first_run.copied", path=startup.dirs.config))
    install_welcome(window, services, show=False)  # opened below, once the services have started
    from aischoco_gui.compose import show_setting_problems
    from aischoco_gui.gui.settings_banner import show_settings_banner
    show_settings_banner(window, [*startup.report, *show_setting_problems(services)])  # thanks levels too
    if startup.dirs.safe_mode:
        msg = tr("safe_mode.home_unwritable", reason=startup.dirs.unwritable, temp=startup.dirs.home)
        bus.notice(msg, level="error")
        window.setWindowTitle(f"{window.windowTitle()} — {tr('safe_mode.title')}")
        if args.smoke:
            print(f"aischoco safe mode: {startup.dirs.unwritable}; using {startup.dirs.home}", file=sys.stderr,
                  flush=True)

    install_session_end(app, closed.set)  # logout / shutdown: same clean stop as closing the window
    if guard is not None:
        await guard.serve(lambda: activate_window(window))
    await compose.start_services(services)
    trace_point("services started")
    for name in window.status.NAMES:  # a light no service reports on (e.g. audio unused) goes back to "off"
        st = bus.status.get(name)
        if name not in compose.SERVICE_NAMES and st is not None and st.detail == tr("window.starting"):
            bus.set_status(name, ServiceState.OFF, "")
    if created and not args.smoke:  # the setup check reports what actually runs, so it opens after start
        from aischoco_gui.gui.welcome import open_welcome

        open_welcome(window, services)
    rc = 0
    if args.smoke:
        deadline = time.monotonic() + args.smoke_timeout
        while not compose.all_reported(bus) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        missing = [n for n in compose.SERVICE_NAMES if not (n in bus.status and bus.status[n].settled)]
        if missing:
            print(f"aischoco not ready: {', '.join(missing)}", flush=True)
            rc = 1
        else:
            states = " ".join(f"{n}={bus.status[n].state.value}" for n in compose.SERVICE_NAMES)
            log.info("ready in %.2fs: %s", time.perf_counter() - T0, states)
            print("aischoco ready", flush=True)
            print(f"startup {time.perf_counter() - T0:.2f}s {states}", file=sys.stderr, flush=True)
        window.close()
    else:
        await closed.wait()
    await compose.stop_services(services)
    bridge.close()
    if guard is not None:
        await guard.aclose()
    trace_point("services stopped")
    return rc


NO_DISPLAY = (
    "aischoco: 화면(디스플레이)이 없어서 창을 열 수 없어요. 데스크톱에 로그인한 상태에서 실행하세요 "
    "(DISPLAY 또는 WAYLAND_DISPLAY가 있어야 해요; SSH라면 ssh -X). 화면 없이 확인만 하려면 "
    "QT_QPA_PLATFORM=offscreen aischoco --smoke 처럼 실행하거나 xvfb-run aischoco 를 쓰세요.\n"
    "aischoco: there is no display to open the window on. Run it from a desktop session (DISPLAY or "
    "WAYLAND_DISPLAY must be set; over SSH use ssh -X). For a check without a screen run "
    "QT_QPA_PLATFORM=offscreen aischoco --smoke, or use xvfb-run aischoco.")


def display_problem(environ: dict[str, str] | None = None, platform: str | None = None) -> str | None:
    """Why no window can open here (Linux/BSD without a display and no Qt platform chosen), else None.

    Checked before QApplication exists: Qt's xcb plugin would abort the process (no exception, no way to
    say what to do) with "could not connect to display"."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform.startswith(("win", "darwin", "cygwin")):
        return None
    if env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return NO_DISPLAY


async def run_until_stopped(args: argparse.Namespace, startup: Startup, app, guard=None) -> int:
    """:func:`run` with Ctrl+C, SIGTERM and Windows' console close / log-off / shut-down handled like
    File → Quit (the window closes without the on-air question; services stop; exit code 0)."""
    from aischoco_gui.gui.desktop import quit_now
    from aischoco_gui.stop_signals import StopSignals

    closed = asyncio.Event()

    def request_stop(_reason: str) -> None:
        if not quit_now():  # no window yet: stop right after start-up
            closed.set()

    stops = StopSignals(asyncio.get_running_loop(), request_stop).install()
    try:
        return await run(args, startup, app, guard, closed)
    finally:
        stops.done()
        stops.uninstall()


M_MMAP_THRESHOLD = -3  # glibc mallopt parameter
MMAP_THRESHOLD_BYTES = 256 * 1024
GIL_SWITCH_INTERVAL_S = 0.001


def tune_allocator() -> bool:
    """Linux (glibc): a fixed mmap threshold, so large buffers go back to the OS when freed.

    A live TTS or microphone rebuild frees and re-allocates multi-megabyte audio rings. glibc raises its
    mmap threshold after the first such free, after which these buffers come from the heap and the freed
    ones stay resident: the rebuild soak grew ~1 MB per TTS rebuild this way (no Python object leaked);
    with the threshold fixed it stays flat. Other platforms' allocators return large blocks anyway."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):  # not glibc (musl…): nothing to tune
        return False


def main(argv: list[str] | None = None) -> int:
    from aischoco_gui.stop_signals import quiet_until_loop

    tune_allocator()
    # the GUI loop shares the GIL with the VTS frame thread and the audio thread: a loop woken by a chat frame,
    # the LLM's answer or TTS bytes gets it back within 1 ms instead of Python's default 5 ms (issue 27)
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)

    quiet_until_loop()  # SIGTERM before the window exists: nothing to clean up, exit 0
    args = parse_args(argv)
    problem = display_problem()
    if problem is not None:  # a clear message and a non-zero exit, not Qt's abort (and no crash report)
        if sys.stderr is not None:
            print(problem, file=sys.stderr, flush=True)
        return 2
    startup = load_startup()
    guard = None
    if not args.smoke:  # --smoke is a check run: it must work beside a running app
        from aischoco_gui.single_instance import InstanceGuard

        guard = InstanceGuard(startup.dirs.data)
        if not guard.acquire():
            shown = guard.notify_running()
            log.info("another aischoco is running (%s); exiting", "brought to front" if shown else "no answer")
            if sys.stderr is not None:
                print("aischoco is already running" + ("" if shown else " (it did not answer)"), file=sys.stderr)
            return 0
    from PySide6.QtWidgets import QApplication

    from aischoco_gui.gui.event_loop import new_event_loop
    from aischoco_gui.gui.qt_messages import install_message_handler, log_with_stacks

    # a Qt thread/timer warning is a bug: logged with every thread's stack, so it names its culprit
    uninstall_messages = install_message_handler(log_with_stacks)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("aischoco")
    app.setApplicationVersion(__version__)
    from aischoco_gui.gui.qt_i18n import install_qt_translations
    install_qt_translations(app, startup.settings.ui_language)  # Korean standard buttons and dialogs
    from aischoco_gui.gui.theme import apply_theme
    apply_theme(app, startup.settings.ui_theme)  # UI_THEME: system / light / dark (changes apply live)
    from aischoco_gui.gui.gc_guard import install_gc_guard

    install_gc_guard(app)  # Qt objects are only ever collected on this (the GUI) thread
    app.setQuitOnLastWindowClosed(False)
    try:
        # the loop's close() kills qasync's leftover Qt timers and deletes its QObjects on this thread
        with asyncio.Runner(loop_factory=lambda: new_event_loop(app)) as runner:
            rc = runner.run(run_until_stopped(args, startup, app, guard))
    finally:
        if guard is not None:
            guard.release()
        uninstall_messages()
    return rc
