"""The CHZZK double answers at the Engine.IO/Socket.IO level the way a real Socket.IO 2 server does.

The expected frame sequences below were taken from the real server (npm ``socket.io@2`` = 2.5.1
with engine.io 3.6.2, run with node): ``EIO`` is not checked (EIO=4 and version-less clients get
the EIO=3 handshake and are dropped when they do not ping), a refused connect is ``44"…"`` with no
``40``, and ``socket.disconnect(true)`` sends ``41`` before closing.

``test_real_socketio2_server_matches`` re-checks them against the real server when node and the
package are there (``npm install --prefix DIR socket.io@2`` and ``SOCKETIO2_DIR=DIR``); it is
skipped elsewhere and never needed for the suite to pass.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import aiohttp
import pytest

from tests.doubles.chzzk_server import ChzzkDouble
from tests.wait import wait_until

EXPECTED = {
    "EIO=3": ["open", "40", "close"],
    "EIO=4": ["open", "40", "close"],
    "no EIO": ["open", "40", "close"],
    "refused": ["open", "44", "close"],
    "kicked": ["open", "40", "41", "close"],
}
QUERY = {"EIO=3": "&EIO=3", "EIO=4": "&EIO=4", "no EIO": "", "refused": "&EIO=3", "kicked": "&EIO=3"}


async def frames(url: str, kick=None) -> list[str]:
    """What a client that never pings sees, events left out: open / 40 / 44 / 41 / close."""
    out: list[str] = []
    async with aiohttp.ClientSession() as s, s.ws_connect(url) as ws:
        while True:
            m = await asyncio.wait_for(ws.receive(), 10)
            if m.type != aiohttp.WSMsgType.TEXT:
                out.append("close")
                return out
            d = m.data
            if d.startswith("0{"):
                out.append("open")
                if kick is not None:
                    await kick()
            elif d.startswith("44"):
                out.append("44")
            elif d in ("40", "41"):
                out.append(d)


async def session_url(double: ChzzkDouble) -> str:
    async with aiohttp.ClientSession() as s, s.get(
            double.base_url + "/open/v1/sessions/auth/client",
            headers={"Client-Id": double.client_id, "Client-Secret": double.client_secret}) as r:
        url = (await r.json())["content"]["url"]
    return url.replace("http://", "ws://").replace("?", "/socket.io/?") + "&transport=websocket"


@pytest.mark.parametrize("case", list(EXPECTED))
async def test_double_answers_like_socketio2(case):
    d = await ChzzkDouble(ping_interval_ms=200, ping_timeout_ms=200).start()
    try:
        if case == "refused":
            d.refuse_connects = 1

        async def kick() -> None:
            await asyncio.sleep(0.05)  # time is the subject: the server kicks a client that is connected
            await d.drop_all(graceful=True)

        url = await session_url(d) + QUERY[case]
        got = await frames(url, kick if case == "kicked" else None)
        assert got == EXPECTED[case]
        if case == "EIO=4":
            assert ("eio", "4") in d.log and d.count("ping_timeout") == 1
    finally:
        await d.stop()


SERVER_JS = """
const http = require('http').createServer();
const io = require('socket.io')(http, {pingInterval: 200, pingTimeout: 200});
io.use((socket, next) => socket.handshake.query.refuse ? next(new Error('Not authorized')) : next());
io.on('connection', (s) => {
  s.emit('SYSTEM', JSON.stringify({type: 'connected', data: {sessionKey: 'k'}}));
  s.emit('CHAT'); s.emit('CHAT', '{}', 'extra');
  if (s.handshake.query.kick) setTimeout(() => s.disconnect(true), 50);
});
http.listen(0, '127.0.0.1', () => console.log(http.address().port));
"""


@pytest.mark.skipif(not (shutil.which("node") and os.environ.get("SOCKETIO2_DIR")),
                    reason="needs node and SOCKETIO2_DIR with `npm install socket.io@2`")
async def test_real_socketio2_server_matches(tmp_path: Path):
    mods = Path(os.environ["SOCKETIO2_DIR"]) / "node_modules"
    if not (mods / "socket.io").is_dir():
        pytest.skip(f"no socket.io in {mods}")
    script = tmp_path / "server.js"
    script.write_text(SERVER_JS)
    proc = subprocess.Popen(["node", str(script)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "NODE_PATH": str(mods)})
    try:
        port = int(await asyncio.get_running_loop().run_in_executor(None, proc.stdout.readline))
        base = f"ws://127.0.0.1:{port}/socket.io/?transport=websocket"
        extra = {"refused": "&refuse=1", "kicked": "&kick=1"}
        for case, want in EXPECTED.items():
            assert await frames(base + QUERY[case] + extra.get(case, "")) == want, case
    finally:
        proc.kill()
        proc.wait()


EMITTER_JS = """
const http = require('http').createServer();
const io = require('socket.io')(http, {pingInterval: 2000, pingTimeout: 2000});
io.on('connection', (s) => {
  s.emit('CHAT', Buffer.from([1, 2, 3]));           // a binary event: 451-[...placeholder] + attachment
  s.emit('CHAT', JSON.stringify({content: 'good 1'}));
  s.emit('CHAT');                                    // zero arguments
  s.emit('CHAT', JSON.stringify({content: 'good 2'}), 'extra');
  s.emit('CHAT', {nested: Buffer.from('x')}, 'y');   // binary nested in an object
  s.emit('CHAT', JSON.stringify({content: 'good 3'}));
});
http.listen(0, '127.0.0.1', () => console.log(http.address().port));
"""


@pytest.mark.skipif(not (shutil.which("node") and os.environ.get("SOCKETIO2_DIR")),
                    reason="needs node and SOCKETIO2_DIR with `npm install socket.io@2`")
async def test_our_client_against_real_socketio2_binary_and_arity(tmp_path: Path):
    """Our guarded python-socketio 4.x client on the real server: binary events are dropped without
    eating the next chat; 0/2-argument events reach a *args handler."""
    from aischoco_gui.chat.sio_compat import new_async_client

    mods = Path(os.environ["SOCKETIO2_DIR"]) / "node_modules"
    script = tmp_path / "emitter.js"
    script.write_text(EMITTER_JS)
    proc = subprocess.Popen(["node", str(script)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "NODE_PATH": str(mods)})
    sio = new_async_client(reconnection=False, logger=False, engineio_logger=False)
    got: list[tuple] = []
    sio.on("CHAT", lambda *a: got.append(a))
    try:
        port = int(await asyncio.get_running_loop().run_in_executor(None, proc.stdout.readline))
        await sio.connect(f"http://127.0.0.1:{port}", transports=["websocket"])
        await wait_until(lambda: len(got) >= 4, 5, "four events from the real server")
        texts = [a[0] if a else None for a in got]
        assert texts[0] == '{"content":"good 1"}' and got[1] == ()
        assert got[2] == ('{"content":"good 2"}', "extra") and texts[3] == '{"content":"good 3"}'
        assert len(got) == 4 and sio.frame_guard.dropped >= 2  # both binary events dropped, nothing eaten
    finally:
        await sio.disconnect()
        proc.kill()
        proc.wait()
