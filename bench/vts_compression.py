"""Idle VTS cost with and without permessage-deflate (issue 18): the avatar (idle motion on, 30 Hz)
against the loopback VTS double for N seconds, CPU of this process (client + double together).

    .venv/bin/python bench/vts_compression.py [--seconds N]   # writes bench/results/vts_compression.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aischoco_gui.events import EventBus  # noqa: E402
from aischoco_gui.paths import shipped_path  # noqa: E402
from aischoco_gui.vts import client as client_mod  # noqa: E402
from aischoco_gui.vts.avatar import AvatarConfig, VTSAvatar  # noqa: E402
from aischoco_gui.vts.poses import load_mapping  # noqa: E402
from tests.doubles.vts_server import VTSDouble  # noqa: E402


async def run(compression: str | None, seconds: float) -> dict:
    orig = client_mod.connect_kwargs

    def patched() -> dict:
        kw = orig()
        kw["compression"] = compression
        return kw

    client_mod.connect_kwargs = patched
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with VTSDouble() as vts:
                av = VTSAvatar(EventBus(), AvatarConfig(url=vts.url, token_path=Path(tmp) / "t.txt", seed=1),
                               load_mapping(shipped_path("config", "pose_mapping.json")))
                await av.start()
                while len(vts.injections) < 10:
                    await asyncio.sleep(0.05)
                n0, c0, w0 = len(vts.injections), time.process_time(), time.monotonic()
                await asyncio.sleep(seconds)
                n1, c1, w1 = len(vts.injections), time.process_time(), time.monotonic()
                ext = vts.session_log[-1].extensions
                await av.stop()
    finally:
        client_mod.connect_kwargs = orig
    wall = w1 - w0
    return {"compression": compression or "off", "offered_extensions": ext, "seconds": round(wall, 2),
            "frames_per_s": round((n1 - n0) / wall, 1), "process_cpu_pct": round(100 * (c1 - c0) / wall, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    rows = [asyncio.run(run(c, args.seconds)) for c in ("deflate", None)]
    res = {"bench": "vts_compression", "python": platform.python_version(), "platform": platform.platform(),
           "note": "client and VTS double share this process; the machine is shared with other jobs",
           "before_deflate": rows[0], "after_off": rows[1]}
    print(json.dumps(res, indent=2))
    (ROOT / "bench" / "results" / "vts_compression.json").write_text(json.dumps(res, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
