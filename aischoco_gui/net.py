"""Network policy for every client that carries credentials (bottom layer; no adapter imports).

Rule: **a credential goes only to the origin it was configured for.** A redirect is never followed
on a credentialed request — not to another origin (where the key, secret or token would leak), and
not even to the same origin (a server that redirects an API call is misconfigured or hostile;
the user gets a clear error naming the redirect target instead of a silent re-post).

httpx clients: build them with :func:`httpx_client_kwargs` (``follow_redirects=False``, no proxy
variables from the environment, and a response hook that turns any 3xx into
:class:`RedirectRefused`). Other HTTP stacks (aiohttp: ``allow_redirects=False``) can use
:func:`check_response` / :func:`redirect_message` with the status and ``Location`` they saw.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class RedirectRefused(Exception):
    """The server answered a credentialed request with a redirect; it was not followed."""

    def __init__(self, message: str, *, status: int, location: str, cross_origin: bool) -> None:
        super().__init__(message)
        self.status = status
        self.location = location
        self.cross_origin = cross_origin


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with default ports filled in."""
    u = urlsplit(url)
    port = u.port or {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(u.scheme)
    return u.scheme.lower(), (u.hostname or "").lower(), port


def same_origin(a: str, b: str) -> bool:
    return origin(a) == origin(b)


def redirect_message(status: int, request_url: str, location: str) -> str:
    target = urljoin(request_url, location) if location else "(no Location)"
    where = "another server" if location and not same_origin(request_url, target) else "the same server"
    return (f"HTTP {status}: the server redirected to {where} ({target}); not followed — credentials are "
            f"sent only to the configured address. Check the URL setting (e.g. https vs http, trailing path).")


def check_response(status: int, request_url: str, location: str | None) -> None:
    """Raise :class:`RedirectRefused` for a redirect answer (any HTTP library)."""
    if status in REDIRECT_STATUSES:
        loc = location or ""
        target = urljoin(request_url, loc) if loc else ""
        raise RedirectRefused(redirect_message(status, request_url, loc), status=status, location=target,
                              cross_origin=bool(target) and not same_origin(request_url, target))


async def _refuse_redirect_hook(response: Any) -> None:
    check_response(response.status_code, str(response.request.url), response.headers.get("location"))


def httpx_client_kwargs() -> dict[str, Any]:
    """Keyword arguments for an ``httpx.AsyncClient`` that carries credentials."""
    return {"follow_redirects": False, "trust_env": False, "event_hooks": {"response": [_refuse_redirect_hook]}}
