"""OAuth login: real HTTP to the loopback redirect server and the double's token endpoint."""

from __future__ import annotations

import asyncio
import socket
import time
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest

from aischoco_gui.chat.oauth import AuthError, ChzzkAuth, KeyringTokenStore, MemoryTokenStore, TokenSet
from tests.doubles.chzzk_server import ChzzkDouble


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def double(chzzk_double):
    return chzzk_double  # the shared double from tests/conftest.py


def make_auth(double: ChzzkDouble, port: int, store=None) -> ChzzkAuth:
    return ChzzkAuth(base_url=double.base_url, client_id=double.client_id, client_secret=double.client_secret,
                     redirect_uri=f"http://127.0.0.1:{port}/callback", store=store or MemoryTokenStore())


async def test_login_rejects_wrong_state_then_accepts_right_one(double):
    port = free_port()
    auth = make_auth(double, port)
    double.valid_codes.add("code-xyz")
    opened: list[str] = []
    statuses: list[tuple[int, str]] = []

    async def browser():
        while not opened:
            await asyncio.sleep(0.01)
        q = parse_qs(urlparse(opened[0]).query)
        assert q["clientId"] == [double.client_id] and q["redirectUri"] == [f"http://127.0.0.1:{port}/callback"]
        state = q["state"][0]
        async with aiohttp.ClientSession() as s:
            for st in ("forged-state", state):
                async with s.get(f"http://127.0.0.1:{port}/callback", params={"code": "code-xyz", "state": st}) as r:
                    statuses.append((r.status, await r.text()))

    task = asyncio.ensure_future(browser())
    tokens = await auth.login(opened.append, timeout_s=5)
    await task
    assert opened[0].startswith("https://chzzk.naver.com/account-interlock?")
    assert statuses[0][0] == 400 and "state" in statuses[0][1]
    assert statuses[1][0] == 200
    assert tokens.access_token == "user-token-2" and tokens.refresh_token == "refresh-2"
    assert tokens.expires_in() == pytest.approx(86400, abs=5)
    assert auth.store.load() == tokens
    # one-shot: the redirect server is gone after the login
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{port}/callback"):
            pass


async def test_login_error_redirect_and_timeout(double):
    port = free_port()
    auth = make_auth(double, port)
    opened: list[str] = []

    async def deny():
        while not opened:
            await asyncio.sleep(0.01)
        state = parse_qs(urlparse(opened[0]).query)["state"][0]
        async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{port}/callback",
                                                       params={"error": "access_denied", "state": state}):
            pass

    task = asyncio.ensure_future(deny())
    with pytest.raises(AuthError, match="access_denied"):
        await auth.login(opened.append, timeout_s=5)
    await task
    with pytest.raises(AuthError, match="timed out"):
        await make_auth(double, free_port()).login(lambda url: None, timeout_s=0.2)


async def test_bad_code_is_a_clear_error(double):
    port = free_port()
    auth = make_auth(double, port)
    with pytest.raises(AuthError, match="HTTP 400"):
        await auth.exchange_code("never-issued", "s")


async def test_refresh_before_expiry_and_static_token(double):
    store = MemoryTokenStore(TokenSet("user-token-1", "refresh-1", expires_at=time.time() + 30))
    auth = make_auth(double, free_port(), store)
    assert await auth.access_token() == "user-token-2"  # 30 s left < 10 min margin → refreshed
    assert auth.refresh_count == 1 and store.load().refresh_token == "refresh-2"
    assert await auth.access_token() == "user-token-2"  # fresh now: no second refresh
    assert auth.refresh_count == 1
    env_only = ChzzkAuth(base_url=double.base_url, static_token="from-dotenv", store=MemoryTokenStore())
    assert await env_only.access_token() == "from-dotenv"
    with pytest.raises(AuthError, match="cannot be refreshed"):
        await env_only.refresh()
    nobody = ChzzkAuth(base_url=double.base_url, store=MemoryTokenStore())
    with pytest.raises(AuthError, match="login needed"):
        await nobody.access_token()


async def test_token_endpoint_unreachable_is_clear():
    auth = ChzzkAuth(base_url=f"http://127.0.0.1:{free_port()}", client_id="a", client_secret="b",
                     store=MemoryTokenStore(TokenSet("t", "r", expires_at=time.time() - 1)))
    with pytest.raises(AuthError, match="cannot reach"):
        await auth.access_token()


async def test_redirect_port_in_use_is_clear(double):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(AuthError, match="cannot listen"):
            await make_auth(double, port).login(lambda url: None, timeout_s=1)


def test_keyring_store_falls_back_to_memory():
    """The test keyring backend keeps nothing: the login must still last for the session."""
    store = KeyringTokenStore("TEST_TOKENS")
    t = TokenSet("a", "b", 123.0)
    store.save(t)
    assert store.load() == t and store.persistent is False
