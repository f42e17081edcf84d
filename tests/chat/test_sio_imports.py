"""Issue 27 (memory): the Socket.IO client loads without ``requests`` (engineio's unused sync client)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_socketio_client_loads_without_requests_and_requests_still_imports_after():
    code = (
        "import asyncio, sys\n"
        "from aischoco_gui.chat.sio_compat import new_async_client\n"
        "async def main():\n"
        "    c = new_async_client(reconnection=False)\n"
        "    heavy = ('requests', 'urllib3', 'charset_normalizer')\n"
        "    print(type(c).__name__, sorted(m for m in heavy if m in sys.modules))\n"
        "asyncio.run(main())\n"
        "import engineio.client, requests\n"  # whoever needs requests later still gets it
        "print(engineio.client.requests is None, requests.__name__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:2] == ["SafeAsyncClient []", "True requests"]
