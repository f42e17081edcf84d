"""CHZZK OAuth: account-interlock login through a one-shot loopback redirect server, tokens in
the OS credential store, refresh before expiry. ``CHZZK_ACCESS_TOKEN`` from ``.env`` still works
(it just cannot be refreshed).

Token endpoint (DESIGN.md §4.1): ``POST {base}/auth/v1/token`` with JSON
``{grantType: authorization_code|refresh_token, clientId, clientSecret, code, state | refreshToken}``
→ ``content{accessToken, refreshToken, tokenType, expiresIn}``.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol
from urllib.parse import urlencode, urlparse

import aiohttp
from aiohttp import web

from aischoco_gui import settings as settings_mod

log = logging.getLogger(__name__)

ACCOUNT_INTERLOCK_URL = "https://chzzk.naver.com/account-interlock"
KEYRING_TOKENS = "CHZZK_OAUTH_TOKENS"
REFRESH_MARGIN_S = 600.0  # refresh when less than 10 minutes are left


class AuthError(Exception):
    """Login is needed or was refused; the message is meant for the streamer."""


@dataclass
class TokenSet:
    access_token: str
    refresh_token: str = ""
    expires_at: float = 0.0  # epoch seconds; 0 = unknown
    token_type: str = "Bearer"
    scope: str = ""

    def expires_in(self, now: float | None = None) -> float:
        return float("inf") if not self.expires_at else self.expires_at - (now or time.time())


class TokenStore(Protocol):
    def load(self) -> TokenSet | None: ...

    def save(self, tokens: TokenSet | None) -> None: ...


class MemoryTokenStore:
    def __init__(self, tokens: TokenSet | None = None) -> None:
        self.tokens = tokens

    def load(self) -> TokenSet | None:
        return self.tokens

    def save(self, tokens: TokenSet | None) -> None:
        self.tokens = tokens


class KeyringTokenStore:
    """Tokens as one JSON entry in the OS credential store; kept in memory if no store is available."""

    def __init__(self, name: str = KEYRING_TOKENS) -> None:
        self.name = name
        self._memory: TokenSet | None = None
        self.persistent = True

    def load(self) -> TokenSet | None:
        raw = settings_mod.keyring_get(self.name)
        if raw:
            try:
                return TokenSet(**json.loads(raw))
            except (ValueError, TypeError):
                log.warning("stored CHZZK tokens are unreadable; log in again")
        return self._memory

    def save(self, tokens: TokenSet | None) -> None:
        self._memory = tokens
        ok = settings_mod.keyring_set(self.name, json.dumps(asdict(tokens)) if tokens else "")
        self.persistent = ok
        if not ok and tokens:
            log.warning("no OS credential store: CHZZK login lasts until the app closes")


def _content(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("content"), dict):
        return body["content"]
    if isinstance(body, dict):
        return body
    return {}


def _tokens_from(content: dict[str, Any], old_refresh: str = "") -> TokenSet:
    access = content.get("accessToken")
    if not access:
        raise AuthError("CHZZK token reply had no accessToken")
    try:
        expires_in = float(content.get("expiresIn") or 86400)
    except (TypeError, ValueError):
        expires_in = 86400.0
    return TokenSet(access_token=str(access), refresh_token=str(content.get("refreshToken") or old_refresh),
                    expires_at=time.time() + expires_in, token_type=str(content.get("tokenType") or "Bearer"),
                    scope=str(content.get("scope") or ""))


class ChzzkAuth:
    """User tokens for the Open API: login, storage, refresh."""

    def __init__(self, *, base_url: str, client_id: str = "", client_secret: str = "",
                 redirect_uri: str = "http://localhost:8080/callback", static_token: str = "",
                 store: TokenStore | None = None, account_url: str = ACCOUNT_INTERLOCK_URL,
                 refresh_margin_s: float = REFRESH_MARGIN_S, request_timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.static_token = static_token
        self.store = store if store is not None else KeyringTokenStore()
        self.account_url = account_url
        self.refresh_margin_s = refresh_margin_s
        self.timeout = aiohttp.ClientTimeout(total=request_timeout_s)
        self._tokens: TokenSet | None = self.store.load()
        self._refresh_lock = asyncio.Lock()
        self.refresh_count = 0
        self.listeners: list[Callable[[TokenSet | None], None]] = []

    # -- state ------------------------------------------------------------------------------
    @property
    def tokens(self) -> TokenSet | None:
        return self._tokens

    @property
    def has_user_token(self) -> bool:
        return bool(self._tokens and self._tokens.access_token) or bool(self.static_token)

    @property
    def granted_scope(self) -> str:
        """The scopes CHZZK named in the last token reply ("" if unknown, e.g. a token from .env).

        CHZZK's account-interlock URL takes no scope parameter: the scopes are those ticked for the
        app in CHZZK's developer center. ``chzzk_api.missing_scopes(auth.granted_scope, action…)``
        says which an action still lacks."""
        return self._tokens.scope if self._tokens else ""

    @property
    def can_refresh(self) -> bool:
        return bool(self._tokens and self._tokens.refresh_token and self.client_id and self.client_secret)

    def _set(self, tokens: TokenSet | None) -> None:
        self._tokens = tokens
        self.store.save(tokens)
        for fn in list(self.listeners):
            try:
                fn(tokens)
            except Exception:
                log.exception("token listener failed")

    def logout(self) -> None:
        self._set(None)

    # -- tokens -----------------------------------------------------------------------------
    async def access_token(self) -> str:
        """A usable user token, refreshed first when it is about to expire."""
        t = self._tokens
        if t and t.access_token:
            if t.expires_in() < self.refresh_margin_s and self.can_refresh:
                try:
                    return await self.refresh()
                except AuthError:
                    if t.expires_in() <= 0:
                        raise
                    log.warning("CHZZK token refresh failed; using the current token until it expires")
            return t.access_token
        if self.static_token:
            return self.static_token
        raise AuthError("CHZZK login needed: use 'Log in with CHZZK' or set CHZZK_ACCESS_TOKEN")

    async def refresh(self) -> str:
        """Refresh now (one request even if several callers ask at once)."""
        stale = self._tokens.access_token if self._tokens else ""
        async with self._refresh_lock:
            if self._tokens and self._tokens.access_token != stale:  # someone else refreshed meanwhile
                return self._tokens.access_token
            if not self.can_refresh:
                raise AuthError("CHZZK token expired or rejected and cannot be refreshed: log in with CHZZK again")
            self.refresh_count += 1
            body = {"grantType": "refresh_token", "refreshToken": self._tokens.refresh_token,
                    "clientId": self.client_id, "clientSecret": self.client_secret}
            content = await self._token_request(body)
            self._set(_tokens_from(content, self._tokens.refresh_token))
            log.info("CHZZK access token refreshed")
            return self._tokens.access_token

    async def refresh_loop(self) -> None:
        """Keep the token fresh while a source is running (run as a named task)."""
        while True:
            t = self._tokens
            if not (t and self.can_refresh and t.expires_at):
                await asyncio.sleep(60)
                continue
            await asyncio.sleep(max(1.0, t.expires_in() - self.refresh_margin_s))
            try:
                await self.access_token()
            except AuthError as e:
                log.warning("CHZZK token refresh failed: %s", e)
                await asyncio.sleep(60)

    async def _token_request(self, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base_url}/auth/v1/token"
        try:  # the body carries clientSecret and the refresh token: never follow a redirect with it
            async with aiohttp.ClientSession(timeout=self.timeout) as s, \
                    s.post(url, json=body, allow_redirects=False) as r:
                text = await r.text()
                if 300 <= r.status < 400:
                    where = r.headers.get("Location", "")[:200]
                    log.warning("CHZZK token endpoint answered HTTP %s to %s; not following it", r.status, where)
                    raise AuthError(f"CHZZK token endpoint answered a redirect (HTTP {r.status}) to {where!r}; "
                                    "the client secret is never sent after a redirect — check CHZZK_OPENAPI_BASE")
                if r.status in (400, 401, 403):
                    raise AuthError(f"CHZZK refused the token request (HTTP {r.status}): log in with CHZZK again")
                if r.status >= 300:
                    raise AuthError(f"CHZZK token endpoint answered HTTP {r.status}")
        except (TimeoutError, aiohttp.ClientError) as e:
            raise AuthError(f"cannot reach the CHZZK token endpoint: {type(e).__name__}") from None
        try:
            return _content(json.loads(text))
        except ValueError:
            raise AuthError("CHZZK token endpoint answered something that is not JSON") from None

    # -- login ------------------------------------------------------------------------------
    def authorize_url(self, state: str) -> str:
        q = urlencode({"clientId": self.client_id, "redirectUri": self.redirect_uri, "state": state})
        return f"{self.account_url}?{q}"

    async def exchange_code(self, code: str, state: str) -> TokenSet:
        body = {"grantType": "authorization_code", "clientId": self.client_id, "clientSecret": self.client_secret,
                "code": code, "state": state}
        tokens = _tokens_from(await self._token_request(body))
        self._set(tokens)
        return tokens

    async def login(self, open_browser: Callable[[str], Any], timeout_s: float = 300.0) -> TokenSet:
        """Open the browser at the account-interlock page and wait for the redirect."""
        if not (self.client_id and self.client_secret):
            raise AuthError("set CHZZK_CLIENT_ID and CHZZK_CLIENT_SECRET first")
        state = secrets.token_urlsafe(24)
        server = RedirectServer(self.redirect_uri, state)
        await server.start()
        try:
            open_browser(self.authorize_url(state))
            code = await server.wait(timeout_s)
        finally:
            await server.stop()
        return await self.exchange_code(code, state)


_PAGE = ("<!doctype html><meta charset='utf-8'><title>aischoco</title>"
         "<body style='font-family:sans-serif;padding:2em'><h2>{title}</h2><p>{body}</p></body>")


class RedirectServer:
    """One-shot HTTP server on the registered redirect URI: accepts one ``code`` with the right ``state``."""

    def __init__(self, redirect_uri: str, state: str) -> None:
        u = urlparse(redirect_uri)
        if u.scheme != "http" or not u.hostname:
            raise AuthError(f"CHZZK_REDIRECT_URI must be a local http:// URL (got {redirect_uri!r})")
        self.host = u.hostname
        self.port = u.port or 80
        self.path = u.path or "/"
        self.state = state
        self.rejected = 0
        self._future: asyncio.Future[str] | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._future = asyncio.get_running_loop().create_future()
        app = web.Application()
        app.router.add_get(self.path, self._callback)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as e:
            await self._runner.cleanup()
            raise AuthError(f"cannot listen on {self.host}:{self.port} for the CHZZK login ({e.strerror})") from None

    async def _callback(self, request: web.Request) -> web.Response:
        q = request.query
        fut = self._future
        if fut is None or fut.done():
            return self._page(410, "이미 처리됨 / Already handled", "이 창을 닫아도 됩니다. You can close this window.")
        if q.get("state") != self.state:
            self.rejected += 1
            log.warning("CHZZK login redirect with a wrong state rejected")
            return self._page(400, "잘못된 요청 / Invalid request",
                              "state 값이 맞지 않습니다. 앱에서 다시 로그인하세요. "
                              "The state did not match; start the login again.")
        if q.get("error") or not q.get("code"):
            reason = q.get("error_description") or q.get("error") or "no code"
            fut.set_exception(AuthError(f"CHZZK login was not completed: {reason}"))
            return self._page(400, "로그인 실패 / Login failed", reason)
        fut.set_result(q["code"])
        return self._page(200, "로그인 완료 / Logged in", "이 창을 닫아도 됩니다. You can close this window.")

    @staticmethod
    def _page(status: int, title: str, body: str) -> web.Response:
        return web.Response(status=status, content_type="text/html",
                            text=_PAGE.format(title=html.escape(title), body=html.escape(body)))

    async def wait(self, timeout_s: float) -> str:
        assert self._future is not None, "start() first"
        try:
            return await asyncio.wait_for(asyncio.shield(self._future), timeout_s)
        except TimeoutError:
            raise AuthError("CHZZK login timed out (no redirect received)") from None

    async def stop(self) -> None:
        if self._runner is not None:
            await asyncio.sleep(0.05)  # let the success page flush
            await self._runner.cleanup()
            self._runner = None


def auth_from_settings(settings: Any, store: TokenStore | None = None) -> ChzzkAuth:
    return ChzzkAuth(base_url=settings.chzzk_openapi_base, client_id=settings.chzzk_client_id,
                     client_secret=settings.chzzk_client_secret, redirect_uri=settings.chzzk_redirect_uri,
                     static_token=settings.chzzk_access_token, store=store)
