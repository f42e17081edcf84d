"""A real headless Chromium driven over the DevTools protocol (for overlay tests and the benchmark).

Starts Debian's ``chromium`` with a throwaway profile and ``--remote-debugging-port=0``, reads the
DevTools URL it prints, and opens page targets. ``Page`` wraps one tab: navigate, evaluate JS,
take a screenshot. Only loopback is used.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import websockets

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         # OBS keeps its browser source "visible"; headless tabs must not be throttled either.
         "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
         "--disable-backgrounding-occluded-windows", "--hide-scrollbars"]


def chromium_path() -> str | None:
    env = os.environ.get("CHROMIUM")
    if env and Path(env).exists():
        return env
    for c in CHROMIUM_CANDIDATES:
        if Path(c).exists():
            return c
    return shutil.which("chromium")


class Page:
    def __init__(self, ws: Any, target_id: str) -> None:
        self.ws = ws
        self.target_id = target_id
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self.events: asyncio.Queue[dict] = asyncio.Queue()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                if "id" in msg and msg["id"] in self._waiting:
                    self._waiting.pop(msg["id"]).set_result(msg)
                elif "method" in msg:
                    self.events.put_nowait(msg)
        except websockets.ConnectionClosed:
            pass
        finally:
            for f in self._waiting.values():
                if not f.done():
                    f.set_exception(ConnectionError("devtools connection closed"))

    async def send(self, method: str, **params: Any) -> dict:
        i = next(self._ids)
        fut = asyncio.get_running_loop().create_future()
        self._waiting[i] = fut
        await self.ws.send(json.dumps({"id": i, "method": method, "params": params}))
        msg = await asyncio.wait_for(fut, 30)
        if "error" in msg:
            raise RuntimeError(f"{method}: {msg['error']}")
        return msg.get("result", {})

    async def eval(self, expr: str, await_promise: bool = True) -> Any:
        r = await self.send("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=await_promise)
        if "exceptionDetails" in r:
            raise RuntimeError(f"JS error: {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    async def goto(self, url: str, wait_for: str | None = None, timeout: float = 10.0) -> None:
        await self.send("Page.enable")
        await self.send("Page.navigate", url=url)
        if wait_for:
            await self.wait_js(wait_for, timeout)

    async def wait_js(self, expr: str, timeout: float = 10.0) -> Any:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            try:
                v = await self.eval(expr)
            except RuntimeError:
                v = None
            if v:
                return v
            if loop.time() > end:
                raise TimeoutError(f"timed out waiting for {expr}")
            await asyncio.sleep(0.05)

    async def screenshot(self, path: Path, width: int = 1280, height: int = 720, bg: tuple = (40, 36, 52)) -> None:
        await self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                        mobile=False)
        await self.send("Emulation.setDefaultBackgroundColorOverride",
                        color={"r": bg[0], "g": bg[1], "b": bg[2], "a": 1})
        await asyncio.sleep(0.4)
        r = await self.send("Page.captureScreenshot", format="png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(r["data"]))

    async def close(self) -> None:
        self._reader.cancel()
        await self.ws.close()


class Chromium:
    """One headless browser process; ``await new_page()`` opens tabs."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or chromium_path()
        self.proc: asyncio.subprocess.Process | None = None
        self.profile: str | None = None
        self.http: str = ""
        self.console: list[str] = []

    async def __aenter__(self) -> Chromium:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    async def start(self) -> None:
        if not self.path:
            raise RuntimeError("chromium not found")
        self.profile = tempfile.mkdtemp(prefix="aischoco-chromium-")
        self.proc = await asyncio.create_subprocess_exec(
            self.path, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, start_new_session=True)
        assert self.proc.stderr is not None
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            left = max(0.1, deadline - asyncio.get_running_loop().time())
            line = await asyncio.wait_for(self.proc.stderr.readline(), left)
            if not line:
                raise RuntimeError("chromium exited before DevTools was ready")
            m = re.search(rb"DevTools listening on (ws://[^\s]+)", line)
            if m:
                ws_url = m.group(1).decode()
                self.http = "http://" + ws_url.split("/")[2]
                break
        asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        while True:
            line = await self.proc.stderr.readline()
            if not line:
                return
            self.console.append(line.decode(errors="replace").rstrip())
            del self.console[:-200]

    async def new_page(self, url: str = "about:blank") -> Page:
        async with aiohttp.ClientSession() as s:
            async with s.put(f"{self.http}/json/new?{url}") as r:
                info = await r.json()
        ws = await websockets.connect(info["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024)
        return Page(ws, info["id"])

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                os.killpg(self.proc.pid, signal.SIGKILL)
                await self.proc.wait()
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
