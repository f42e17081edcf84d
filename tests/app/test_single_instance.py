"""Single instance: the lock decides, a second launch activates the first, stale locks never block."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aischoco_gui.single_instance import InstanceGuard

ROOT = Path(__file__).resolve().parents[2]


async def test_second_guard_activates_the_first(tmp_path):
    first, second = InstanceGuard(tmp_path), InstanceGuard(tmp_path)
    assert first.acquire()
    activated = asyncio.Event()
    await first.serve(activated.set)
    try:
        assert not second.acquire()
        assert await asyncio.to_thread(second.notify_running, 3.0)
        await asyncio.wait_for(activated.wait(), 3)
        assert first.activations == 1
    finally:
        await first.aclose()
        first.release()
    third = InstanceGuard(tmp_path)
    assert third.acquire()  # released: the next start is first again
    third.release()


async def test_wrong_token_is_refused(tmp_path):
    first = InstanceGuard(tmp_path)
    assert first.acquire()
    await first.serve(lambda: None)
    try:
        info = (tmp_path / ".aischoco.instance").read_text()
        (tmp_path / ".aischoco.instance").write_text(info.replace(first._token, "0" * 32))
        assert not await asyncio.to_thread(InstanceGuard(tmp_path).notify_running, 0.5)
        assert first.activations == 0
    finally:
        await first.aclose()
        first.release()


def test_different_homes_do_not_collide(tmp_path):
    a, b = InstanceGuard(tmp_path / "a"), InstanceGuard(tmp_path / "b")
    assert a.acquire() and b.acquire()
    a.release()
    b.release()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_stale_lock_after_a_crash_does_not_block(tmp_path):
    code = textwrap.dedent(f"""
        import signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from aischoco_gui.single_instance import InstanceGuard
        g = InstanceGuard(__import__('pathlib').Path({str(tmp_path)!r}))
        assert g.acquire()
        print('locked', flush=True)
        signal.pause()  # hold the lock until the test kills us
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "locked"
        assert not InstanceGuard(tmp_path).acquire()
        os.kill(p.pid, signal.SIGKILL)  # a crash: no release, the lock file stays
        p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
    assert (tmp_path / ".aischoco.lock").exists()
    g = InstanceGuard(tmp_path)
    assert g.acquire()
    assert not g.notify_running(0.3)  # nobody answers: stale info is ignored, no hang
    g.release()


async def test_second_app_launch_exits_zero_and_focuses_the_first(home):
    """The real entry point: ``python -m aischoco_gui`` finds a running instance and leaves."""
    from aischoco_gui.paths import user_dirs

    first = InstanceGuard(user_dirs().data)
    assert first.acquire()
    activated = asyncio.Event()
    await first.serve(activated.set)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    try:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "aischoco_gui", cwd=str(ROOT), env=env,
                                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()
        assert b"already running" in err
        assert activated.is_set()
    finally:
        await first.aclose()
        first.release()


@pytest.mark.parametrize("junk", [b"x" * (70 * 1024) + b"\n", b"x" * (70 * 1024), b"\xff\x00garbage\n", b""])
async def test_hostile_local_client_is_dropped_quietly(tmp_path, junk):
    """Issue 13: a line over 64 KiB raised ValueError in the handler (→ crash report); now dropped."""
    loop = asyncio.get_running_loop()
    errors: list[dict] = []
    old = loop.get_exception_handler()
    loop.set_exception_handler(lambda lp, ctx: errors.append(ctx))
    first = InstanceGuard(tmp_path)
    assert first.acquire()
    port = await first.serve(lambda: None)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(junk)
            await writer.drain()
            if not junk.endswith(b"\n"):
                writer.write_eof()
            answer = await asyncio.wait_for(reader.read(), 5)  # the listener closes the connection
        except ConnectionError:
            answer = b""
        finally:
            writer.close()
        assert answer in (b"", b"denied\n")
        # the listener survives and still serves the real second launch
        assert await asyncio.to_thread(InstanceGuard(tmp_path).notify_running, 3.0)
        assert first.activations == 1
        assert errors == []  # nothing reached the loop's exception handler (the crash-report path)
    finally:
        loop.set_exception_handler(old)
        await first.aclose()
        first.release()
