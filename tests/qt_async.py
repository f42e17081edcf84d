"""Run coroutines on a qasync loop inside pytest-qt tests (the app's real loop type)."""

from __future__ import annotations

import asyncio

import pytest


@pytest.fixture
def qloop(qapp):
    from qasync import QEventLoop

    loop = QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    try:
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        asyncio.set_event_loop(None)
        loop.close()

