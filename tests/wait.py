"""The one polling helper of the suite: wait on a condition, never on the clock (Qt tests: qtbot.waitUntil)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def wait_until(cond: Callable[[], Any], timeout: float = 5.0, what: str = "condition",
                     step: float = 0.01) -> Any:
    """Poll ``cond()`` on the running loop until it is truthy (returned) or ``timeout`` passes (AssertionError)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := cond()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(step)
    return value
