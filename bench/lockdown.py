"""Lockdown and lift on loopback (issue 26): how long one press takes until every step has answered.

The app's real services (compose) against the strict OBS double and the CHZZK API double: each round
locks down (panic, hold, OBS → BRB, CHZZK slow mode, overlay hidden) and lifts (scene and chat settings
back). Measured from the call to the return of ``Lockdown.engage`` / ``lift`` (every step answered, the
state file written before and after), and, inside it, until OBS's program scene really changed (the OBS
double's ``CurrentProgramSceneChanged`` seen by the app). What OBS and CHZZK themselves take on a real
network is not in these numbers.

Usage: ``.venv/bin/python bench/lockdown.py [--rounds N] [--quick]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aischoco_gui.chat.oauth import ChzzkAuth, MemoryTokenStore, TokenSet  # noqa: E402
from aischoco_gui.compose import build_services, start_services, stop_services  # noqa: E402
from aischoco_gui.events import EventBus  # noqa: E402
from aischoco_gui.paths import user_dirs  # noqa: E402
from aischoco_gui.settings import Settings  # noqa: E402
from bench.stats import pct, report  # noqa: E402
from tests.doubles.chzzk_api_server import SCOPES, ChzzkApiDouble  # noqa: E402
from tests.doubles.obs_server import ObsDouble  # noqa: E402
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator  # noqa: E402


async def run(rounds: int) -> dict:
    engage, lift, scene = [], [], []
    async with ObsDouble(password="pw", scenes=["Live", "BRB"]) as obs:
        chzzk = await ChzzkApiDouble().start()
        try:
            with tempfile.TemporaryDirectory() as home:
                bus = EventBus()
                settings = Settings(overlay_port=0, chat_source="chzzk", chzzk_openapi_base=chzzk.base_url,
                                    chzzk_client_id=chzzk.client_id, chzzk_client_secret=chzzk.client_secret,
                                    obs_ws_url=obs.url, obs_ws_password="pw", obs_brb_scene="BRB")
                s = build_services(settings, user_dirs({"AISCHOCO_HOME": home}), bus, overrides={
                    "chat": None, "speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
                    "generator": ScriptedGenerator()})
                s.chzzk_auth = ChzzkAuth(base_url=chzzk.base_url, client_id=chzzk.client_id,
                                         client_secret=chzzk.client_secret, store=MemoryTokenStore(
                                             TokenSet("user-token-1", "refresh-1", scope=" ".join(SCOPES.values()))))
                await start_services(s)
                try:
                    while not s.obs.connected or not s.obs.scenes:
                        await asyncio.sleep(0.01)
                    for _ in range(rounds):
                        t0 = time.perf_counter()
                        task = asyncio.ensure_future(s.lockdown.engage())
                        while s.obs.current_scene != "BRB":
                            await asyncio.sleep(0.0005)
                        scene.append(time.perf_counter() - t0)
                        rec = await task
                        engage.append(time.perf_counter() - t0)
                        assert not rec.failed, rec.steps
                        t0 = time.perf_counter()
                        rec = await s.lockdown.lift()
                        lift.append(time.perf_counter() - t0)
                        assert not rec.failed and obs.current == "Live", rec.steps
                finally:
                    await stop_services(s)
        finally:
            await chzzk.stop()
    return {"rounds": rounds, "engage_ms": [x * 1000 for x in engage], "lift_ms": [x * 1000 for x in lift],
            "obs_scene_ms": [x * 1000 for x in scene]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    res = asyncio.run(run(10 if args.quick else args.rounds))
    rows = [("rounds", str(res["rounds"]))]
    for key, label in (("engage_ms", "lockdown, every step answered"), ("obs_scene_ms", "  of which: OBS on BRB"),
                       ("lift_ms", "lift, every step answered")):
        xs = res[key]
        res[key.replace("_ms", "_p50_ms")] = round(pct(xs, 50), 2)
        res[key.replace("_ms", "_p99_ms")] = round(pct(xs, 99), 2)
        rows.append((label, f"p50 {pct(xs, 50):.1f} ms  p99 {pct(xs, 99):.1f} ms"))
    report(rows, res, "lockdown")


if __name__ == "__main__":
    main()
