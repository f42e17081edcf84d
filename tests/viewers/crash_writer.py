"""A real writer process for the kill -9 test: the app's ViewerMemory counting a steady chat.

``python -m tests.viewers.crash_writer DB RATE`` prints ``ready``, then ``<n> <monotonic>`` after each
observed message (n = messages observed so far), until it is killed.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from aischoco_gui.events import EventBus
from aischoco_gui.viewers.memory import MemoryConfig, ViewerMemory
from tests.viewers.helpers import chat


async def main(path: Path, rate: float) -> None:
    vm = ViewerMemory(path, EventBus(), MemoryConfig())
    await vm.start()
    await vm.wait_ready()
    print("ready", flush=True)
    n = 0
    while True:
        vm.observe(chat(f"메시지 {n}", sender=f"v{n % 50}", nick=f"시청자{n % 50}"))
        n += 1
        print(n, time.monotonic(), flush=True)
        await asyncio.sleep(1 / rate)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), float(sys.argv[2])))
