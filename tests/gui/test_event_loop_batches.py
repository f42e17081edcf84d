"""The app's qasync loop runs ready callbacks in batches (issue 27), without starving Qt.

A chain of task wake-ups (what a chat → LLM request or an LLM answer → TTS request is made of) must
complete without a Qt turn between its links, so paint and layout work queued by the GUI runs after
it; a coroutine that never stops yielding must still let Qt in; order, cancellation, delayed timers,
sockets and a modal dialog's nested Qt loop keep working.
"""

from __future__ import annotations

import asyncio
import socket

from PySide6.QtCore import QEventLoop, QTimer

from aischoco_gui.gui.event_loop import AppEventLoop


def _post_to_qt(fn) -> None:
    """``fn`` runs on Qt's next turn (a zero timer registered now), never inside an asyncio batch."""
    QTimer.singleShot(0, fn)


def test_a_chain_of_wakeups_runs_before_qt_gets_a_turn(qloop):
    assert isinstance(qloop, AppEventLoop)
    order: list[str] = []

    async def chain() -> None:
        _post_to_qt(lambda: order.append("qt"))
        for i in range(30):  # 30 hops: each a call_soon of the task's next step
            order.append(f"hop{i}")
            await asyncio.sleep(0)
        order.append("done")

    async def main() -> None:
        await asyncio.sleep(0.01)  # start from a quiet loop
        b0 = qloop.batches
        await chain()
        await asyncio.sleep(0.01)
        order.append(f"batches={qloop.batches - b0}")

    qloop.run_until_complete(main())
    assert order.index("done") < order.index("qt"), order  # no Qt turn inside the chain
    assert int(order[-1].split("=")[1]) <= 4, order  # a handful of batches, not one per hop


def test_a_coroutine_that_never_stops_yielding_still_lets_qt_in(qloop):
    seen = {"qt": False}

    async def spin() -> int:
        _post_to_qt(lambda: seen.__setitem__("qt", True))
        n = 0
        while not seen["qt"]:  # only a Qt turn ends this
            n += 1
            await asyncio.sleep(0)
        return n

    n = qloop.run_until_complete(asyncio.wait_for(spin(), 5))
    assert seen["qt"] and n > 1


def test_order_cancellation_and_delayed_timers(qloop):
    got: list[str] = []

    async def main() -> None:
        qloop.call_soon(got.append, "a")
        h = qloop.call_soon(got.append, "cancelled")
        qloop.call_later(0, got.append, "b")
        qloop.call_later(0.03, got.append, "late")
        qloop.call_soon(got.append, "c")
        h.cancel()
        t = qloop.call_later(0.01, got.append, "timer cancelled")
        t.cancel()
        await asyncio.sleep(0.08)

    qloop.run_until_complete(main())
    assert got == ["a", "b", "c", "late"]


def test_a_socket_callback_and_its_wakeups_run(qloop):
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    try:
        async def main() -> bytes:
            r, w = await asyncio.open_connection(sock=a)
            b.send(b"hello\n")
            line = await asyncio.wait_for(r.readline(), 5)
            w.close()
            return line

        assert qloop.run_until_complete(main()) == b"hello\n"
    finally:
        b.close()


def test_a_modal_dialogs_nested_qt_loop_keeps_asyncio_running(qloop):
    """A callback that runs a nested Qt loop (QDialog.exec) must not freeze the asyncio callbacks behind it."""
    result: dict[str, object] = {}

    async def main() -> None:
        fut = qloop.create_future()

        def modal() -> None:  # a plain callback, like a slot that opens a modal dialog
            nested = QEventLoop()
            fut.add_done_callback(lambda _f: nested.quit())
            QTimer.singleShot(3000, nested.quit)  # guard: never hang the suite
            qloop.call_soon(lambda: fut.set_result("asyncio ran inside the nested loop"))
            nested.exec()
            result["inside"] = fut.done()

        qloop.call_soon(modal)
        result["value"] = await asyncio.wait_for(fut, 5)

    qloop.run_until_complete(main())
    assert result == {"inside": True, "value": "asyncio ran inside the nested loop"}


def test_idle_callbacks_wait_for_the_ready_chain_but_not_longer_than_a_turn(qloop):
    """``call_when_idle`` (the overlay's push): after a chain of wake-ups, and never starved by one that spins."""
    from aischoco_gui.tasks import call_when_idle

    order: list[str] = []

    async def chain() -> None:
        call_when_idle(order.append, "idle")
        for i in range(10):
            order.append(f"hop{i}")
            await asyncio.sleep(0)
        order.append("done")

    qloop.run_until_complete(chain())
    qloop.run_until_complete(asyncio.sleep(0.01))
    assert order.index("done") < order.index("idle"), order

    seen = {"idle": False}

    async def spin() -> int:  # the FIFO is never empty while this runs: the idle callback still gets its turn
        call_when_idle(seen.__setitem__, "idle", True)
        n = 0
        while not seen["idle"]:
            n += 1
            await asyncio.sleep(0)
        return n

    assert qloop.run_until_complete(asyncio.wait_for(spin(), 5)) > 1


async def test_call_when_idle_on_a_plain_asyncio_loop_is_call_soon():
    from aischoco_gui.tasks import call_when_idle

    got: list[int] = []
    call_when_idle(got.append, 1)
    await asyncio.sleep(0)
    assert got == [1]
