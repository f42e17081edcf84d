"""Async OpenAI-compatible chat-completions client on aiohttp (one pooled connection per host).

Per attempt: a ``timeout_s`` deadline for a whole non-streamed answer (for a stream: for the first
byte, then between chunks). Retries (``max_retries``) with exponential backoff on timeouts,
connection errors, 5xx and 429 (honouring ``retry-after``); then the next endpoint of the
fallback chain. ``x-ratelimit-*`` headers of every answer go to ``on_rate_limits``; every attempt
(the body sent, the raw answer or the error, timing) goes to ``on_exchange`` — never the headers, so
never the key (show recording, DESIGN.md §4.10).

aiohttp, not httpx (issue 27): on the app's qasync loop an httpx request cost ~1.9 ms of Python between the
call and the request on the wire and ~1.2 ms to read the answer (httpcore/anyio checkpoints, hooks); aiohttp
takes about a third of that. Like the httpx client before it: no redirect is followed (the Bearer key goes
only to the configured origin: :class:`~aischoco_gui.net.RedirectRefused`), no proxy variables are read,
an idle pooled connection is kept ``keepalive_s``.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from aischoco_gui.llm.providers import Endpoint
from aischoco_gui.net import RedirectRefused, check_response

log = logging.getLogger(__name__)

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524}
MESSAGE_KEYS = ("role", "content")  # never name / reasoning / tool fields (Groq answers 400)


class LLMError(RuntimeError):
    """A request failed on every endpoint (or cannot be made)."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False,
                 endpoint: Endpoint | None = None, retry_after: float | None = None,
                 delivered: bool = False) -> None:
        super().__init__(message)
        self.delivered = delivered  # part of the reply was already handed on (no retry, no fallback)
        self.status = status
        self.retryable = retryable
        self.endpoint = endpoint
        self.retry_after = retry_after


class NotConfiguredError(LLMError):
    """No API key for a remote provider."""


@dataclass
class Completion:
    content: str
    endpoint: Endpoint
    finish_reason: str = ""
    reasoning: str = ""  # kept for diagnostics only; never spoken, never sent back
    latency_s: float = 0.0  # request sent → answer complete
    first_byte_s: float = 0.0  # request sent → first response byte
    attempts: int = 1
    rate_limits: dict[str, str] = field(default_factory=dict)
    from_failed_generation: bool = False  # Groq json_validate_failed: the model's raw text
    truncated: bool = False  # stream broke after content had started
    usage: dict[str, int] = field(default_factory=dict)  # the server's token counts, when it sends them


def _usage(obj: Any) -> dict[str, int]:
    """``usage`` token counts of an answer (OpenAI shape; Groq also sends them in ``x_groq.usage`` when streaming)."""
    u = obj.get("usage") if isinstance(obj, dict) else None
    if not isinstance(u, dict) and isinstance(obj, dict) and isinstance(obj.get("x_groq"), dict):
        u = obj["x_groq"].get("usage")
    if not isinstance(u, dict):
        return {}
    return {k: int(v) for k, v in u.items() if k in ("prompt_tokens", "completion_tokens", "total_tokens")
            and isinstance(v, (int, float)) and not isinstance(v, bool)}


def clean_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Only role and string content go on the wire."""
    return [{k: str(m[k]) for k in MESSAGE_KEYS if k in m} for m in messages if m.get("role")]


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        dt = email.utils.parsedate_to_datetime(value)
        return max(0.0, dt.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def rate_limit_headers(headers: Any) -> dict[str, str]:
    """The ``x-ratelimit-*`` and ``retry-after`` headers (any case-insensitive header mapping)."""
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith("x-ratelimit-")
            or k.lower() == "retry-after"}


def _error_message(resp_status: int, body: bytes) -> tuple[str, dict[str, Any]]:
    try:
        err = json.loads(body).get("error") or {}
        if isinstance(err, str):
            err = {"message": err}
    except (ValueError, AttributeError):
        err = {}
    msg = err.get("message") or body[:200].decode("utf-8", "replace") or "no body"
    return f"HTTP {resp_status}: {msg}", err


class LLMClient:
    """Calls the chain of endpoints; the first that answers wins."""

    def __init__(self, endpoints: list[Endpoint], *, timeout_s: float = 5.0, max_retries: int = 3,
                 max_tokens: int = 1024, temperature: float | None = None, backoff_s: float = 0.5,
                 max_retry_after_s: float = 20.0,
                 on_rate_limits: Callable[[Endpoint, dict[str, str]], None] | None = None,
                 on_attempt_failed: Callable[[Endpoint, int, str], None] | None = None,
                 keepalive_s: float = 60.0) -> None:
        if not endpoints:
            raise ValueError("no LLM endpoint configured")
        self.endpoints = endpoints
        self.timeout_s = timeout_s
        self.max_retries = max(0, max_retries)
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.backoff_s = backoff_s
        self.max_retry_after_s = max_retry_after_s
        self.on_rate_limits = on_rate_limits
        self.on_attempt_failed = on_attempt_failed
        # each attempt as a plain dict (see :meth:`_exchange`); called on the loop, must be quick
        self.on_exchange: Callable[[dict[str, Any]], None] | None = None
        self.limit: asyncio.Semaphore | None = None  # at most this many requests in flight (replay --concurrency)
        self.in_flight = 0  # complete() calls running now
        self.rate_limits: dict[str, str] = {}
        self._http: aiohttp.ClientSession | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None  # the loop the session (and its sockets) is on
        self.keepalive_s = keepalive_s  # how long an idle pooled connection is kept (aiohttp keepalive_timeout)
        self.last_used = 0.0  # time.monotonic() of the last request start or response

    @property
    def http(self) -> aiohttp.ClientSession:
        """The pooled session on the running loop (built on first use; a new one on another loop)."""
        self.last_used = time.monotonic()
        loop = asyncio.get_running_loop()
        if self._http is None or self._http.closed or self._http_loop is not loop:
            # connect and between-chunk reads: timeout_s each; a whole answer's deadline is the caller's
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(keepalive_timeout=self.keepalive_s),  # 100 at once, as httpx
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeout_s, sock_read=self.timeout_s),
                trust_env=False)  # no proxy variables
            self._http_loop = loop
        return self._http

    def _answered(self, url: str, resp: aiohttp.ClientResponse) -> None:
        """Every answer: the connection was used now; a redirect is refused, never followed."""
        self.last_used = time.monotonic()
        check_response(resp.status, url, resp.headers.get("Location"))

    async def keep_warm(self, every_s: float | None = None) -> None:
        """Run forever: when the connection has sat idle for ``every_s`` (default two thirds of the
        keep-alive), send the free pre-connect again, so the first reply after a quiet spell reuses a
        live connection like the tenth. One wake per ``every_s``: nothing measurable while idle."""
        every = every_s if every_s is not None else self.keepalive_s * 2 / 3
        self.last_used = max(self.last_used, time.monotonic())  # the start's own pre-connect is on its way
        while True:
            await asyncio.sleep(max(0.01, self.last_used + every - time.monotonic()))
            if time.monotonic() - self.last_used >= every * 0.99:
                await self.preconnect()
                self.last_used = time.monotonic()  # also when nobody answered: try again a period later

    async def aclose(self) -> None:
        http, self._http = self._http, None
        if http is not None and not http.closed:
            if self._http_loop is asyncio.get_running_loop():
                await http.close()
            else:  # built on a loop that is gone: nothing of it can be awaited here
                await asyncio.sleep(0)

    async def preconnect(self, timeout_s: float = 3.0) -> bool:
        """Build the HTTP client and open its pooled connection to the first endpoint now (DNS, TCP,
        TLS), so the first reply of the show is as fast as the later ones. Sends a free
        ``GET {base}/models`` (no completion, no tokens). Never raises; False when nobody answered."""
        eps = self.configured_endpoints
        if not eps:
            return False
        ep = eps[0]
        try:
            url = f"{ep.base_url.rstrip('/')}/models"
            async with self.http.get(url, headers=self._headers(ep), allow_redirects=False,
                                     timeout=aiohttp.ClientTimeout(total=timeout_s)) as r:
                self._answered(url, r)
                await r.read()
            return True
        except Exception as e:  # only a warm-up: the real request reports real problems
            log.debug("LLM pre-connect to %s failed: %s", ep.describe(), type(e).__name__)
            return False

    @property
    def configured_endpoints(self) -> list[Endpoint]:
        return [e for e in self.endpoints if e.configured]

    # -- request shape -----------------------------------------------------------------------
    def build_body(self, ep: Endpoint, messages: list[dict[str, Any]], *, json_mode: bool,
                   schema: dict[str, Any] | None = None, schema_name: str = "reply", stream: bool = False,
                   max_tokens: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"model": ep.model, "messages": clean_messages(messages)}
        if json_mode:
            if schema is not None and ep.uses_json_schema:
                body["response_format"] = {"type": "json_schema", "json_schema": {
                    "name": schema_name, "strict": True, "schema": schema}}
            else:
                body["response_format"] = {"type": "json_object"}
        if ep.is_gpt_oss and not ep.preset.local:
            body["reasoning_effort"] = "low"
            if ep.preset.include_reasoning_flag:
                body["include_reasoning"] = False
        mt = max_tokens or self.max_tokens
        if ep.is_gpt_oss:
            mt = max(mt, 1024)  # hidden reasoning spends completion tokens too
        body[ep.preset.max_tokens_field] = mt
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if stream and not (json_mode and not ep.preset.streams_json):
            body["stream"] = True
        return body

    def _headers(self, ep: Endpoint) -> dict[str, str]:
        h = {"Content-Type": "application/json", "Accept": "application/json"}
        if ep.api_key:
            h["Authorization"] = f"Bearer {ep.api_key}"
        return h

    # -- public calls ------------------------------------------------------------------------
    async def complete(self, messages: list[dict[str, Any]], *, json_mode: bool = False,
                       schema: dict[str, Any] | None = None, schema_name: str = "reply", stream: bool = False,
                       max_tokens: int | None = None, on_delta: Callable[[str], None] | None = None,
                       on_sent: Callable[[Endpoint, int], None] | None = None,
                       on_first_byte: Callable[[Endpoint], None] | None = None, purpose: str = "other") -> Completion:
        """Send the chat; stream deltas to ``on_delta`` when streaming. Raises LLMError.

        ``purpose`` names the call in :attr:`on_exchange` reports (``reply``, ``summary``, ``line``, …)."""
        eps = self.configured_endpoints
        if not eps:
            raise NotConfiguredError("no API key: set GROQ_API_KEY (or a local LLM_BASE_URL) in settings")
        self.in_flight += 1
        try:
            if self.limit is None:
                return await self._chain(eps, messages, json_mode=json_mode, schema=schema, schema_name=schema_name,
                                         stream=stream, max_tokens=max_tokens, on_delta=on_delta, on_sent=on_sent,
                                         on_first_byte=on_first_byte, purpose=purpose)
            async with self.limit:
                return await self._chain(eps, messages, json_mode=json_mode, schema=schema, schema_name=schema_name,
                                         stream=stream, max_tokens=max_tokens, on_delta=on_delta, on_sent=on_sent,
                                         on_first_byte=on_first_byte, purpose=purpose)
        finally:
            self.in_flight -= 1

    async def _chain(self, eps: list[Endpoint], messages: list[dict[str, Any]], **kw: Any) -> Completion:
        errors: list[str] = []
        for ep in eps:
            try:
                return await self._with_retries(ep, messages, **kw)
            except LLMError as e:
                errors.append(f"{ep.describe()}: {e}")
                if e.delivered:
                    raise  # text already handed on: a fallback would speak a second reply
                log.warning("LLM endpoint %s failed: %s", ep.describe(), e)
        raise LLMError("; ".join(errors) if errors else "LLM request failed")

    async def chat_json(self, messages: list[dict[str, Any]], schema: dict[str, Any] | None = None,
                        schema_name: str = "reply", max_tokens: int = 2048, purpose: str = "line") -> dict[str, Any]:
        """A JSON object answer (strict schema where the provider supports it), repaired if needed."""
        from aischoco_gui.llm.parsing import load_json_object  # local: keeps import cheap

        if not any("json" in str(m.get("content", "")).lower() for m in messages):
            messages = [*messages, {"role": "system", "content": "Answer with one JSON object."}]
        c = await self.complete(messages, json_mode=True, schema=schema, schema_name=schema_name,
                                max_tokens=max_tokens, purpose=purpose)
        obj, _repaired = load_json_object(c.content)
        if obj is None:
            raise LLMError(f"{c.endpoint.describe()} did not answer a JSON object")
        return obj

    async def chat_text(self, messages: list[dict[str, Any]], max_tokens: int = 1024, purpose: str = "text") -> str:
        c = await self.complete(messages, max_tokens=max_tokens, purpose=purpose)
        return c.content

    # -- internals ---------------------------------------------------------------------------
    async def _with_retries(self, ep: Endpoint, messages: list[dict[str, Any]], **kw: Any) -> Completion:
        attempt = 0
        while True:
            attempt += 1
            try:
                c = await self._attempt(ep, messages, attempt=attempt, **kw)
                c.attempts = attempt
                return c
            except LLMError as e:
                if e.delivered or not e.retryable or attempt > self.max_retries:
                    raise
                if e.retry_after is not None and e.retry_after > self.max_retry_after_s:
                    raise LLMError(f"rate limited for {e.retry_after:.0f} s", status=e.status, endpoint=ep) from e
                delay = e.retry_after if e.retry_after is not None else \
                    self.backoff_s * (2 ** (attempt - 1)) * (1 + random.random() * 0.25)
                if self.on_attempt_failed is not None:
                    self.on_attempt_failed(ep, attempt, str(e))
                log.info("LLM %s attempt %d failed (%s); retrying in %.2f s", ep.describe(), attempt, e, delay)
                await asyncio.sleep(delay)

    def _note_rate_limits(self, ep: Endpoint, headers: Any) -> None:
        rl = rate_limit_headers(headers)
        if rl:
            self.rate_limits = rl
            if self.on_rate_limits is not None:
                self.on_rate_limits(ep, rl)

    async def _attempt(self, ep: Endpoint, messages: list[dict[str, Any]], *, json_mode: bool,
                       schema: dict[str, Any] | None, schema_name: str, stream: bool, max_tokens: int | None,
                       on_delta: Callable[[str], None] | None, on_sent: Callable[[Endpoint, int], None] | None,
                       on_first_byte: Callable[[Endpoint], None] | None, purpose: str = "other",
                       attempt: int = 1) -> Completion:
        body = self.build_body(ep, messages, json_mode=json_mode, schema=schema, schema_name=schema_name,
                               stream=stream, max_tokens=max_tokens)
        hook = self.on_exchange
        if hook is None:
            return await self._send(ep, body, on_delta, on_sent, on_first_byte)
        t0 = time.perf_counter()
        try:
            c = await self._send(ep, body, on_delta, on_sent, on_first_byte)
        except LLMError as e:
            self._exchange(hook, purpose, attempt, ep, body, None, e, time.perf_counter() - t0)
            raise
        self._exchange(hook, purpose, attempt, ep, body, c, None, c.latency_s)
        return c

    @staticmethod
    def _exchange(hook: Callable[[dict[str, Any]], None], purpose: str, attempt: int, ep: Endpoint,
                  body: dict[str, Any], c: Completion | None, error: LLMError | None, latency_s: float) -> None:
        """Report one attempt: the body as sent (no headers: no key) and the raw answer or the error."""
        x: dict[str, Any] = {"purpose": purpose, "attempt": attempt, "provider": ep.name, "model": ep.model,
                             "base_url": ep.base_url, "request": body, "latency_s": latency_s}
        if c is not None:
            x.update(ok=True, content=c.content, finish_reason=c.finish_reason, first_byte_s=c.first_byte_s,
                     usage=c.usage, reasoning_chars=len(c.reasoning), from_failed_generation=c.from_failed_generation,
                     truncated=c.truncated)
        else:
            x.update(ok=False, error=str(error), status=getattr(error, "status", None))
        try:
            hook(x)
        except Exception:  # a recorder problem must not fail the request
            log.exception("LLM exchange hook failed")

    async def _send(self, ep: Endpoint, body: dict[str, Any], on_delta: Callable[[str], None] | None,
                    on_sent: Callable[[Endpoint, int], None] | None,
                    on_first_byte: Callable[[Endpoint], None] | None) -> Completion:
        url = f"{ep.base_url}/chat/completions"
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        t0 = time.perf_counter()
        if on_sent is not None:
            on_sent(ep, len(data))
        try:
            if body.get("stream"):
                return await self._stream(ep, url, data, t0, on_delta, on_first_byte)
            async with asyncio.timeout(self.timeout_s):
                async with self.http.post(url, data=data, headers=self._headers(ep), allow_redirects=False) as resp:
                    self._answered(url, resp)
                    t_first = time.perf_counter()
                    if on_first_byte is not None:
                        on_first_byte(ep)
                    raw = await resp.read()
        except RedirectRefused as e:
            raise LLMError(str(e), status=e.status, retryable=False, endpoint=ep) from e
        except TimeoutError as e:
            raise LLMError(f"timed out after {self.timeout_s:g} s", retryable=True, endpoint=ep) from e
        except (aiohttp.ClientError, OSError) as e:
            raise LLMError(f"connection failed: {type(e).__name__}: {e}", retryable=True, endpoint=ep) from e
        self._note_rate_limits(ep, resp.headers)
        if resp.status >= 400:
            return self._error_or_failed_generation(ep, resp.status, resp.headers, raw, t0, t_first)
        try:
            payload = json.loads(raw)
            choice = payload["choices"][0]
            msg = choice.get("message") or {}
        except (ValueError, KeyError, IndexError, TypeError) as e:
            raise LLMError(f"unreadable completion body ({type(e).__name__})", retryable=True, endpoint=ep) from e
        content = msg.get("content") or ""
        reasoning = msg.get("reasoning") or msg.get("reasoning_content") or ""
        return Completion(content=content if isinstance(content, str) else str(content), endpoint=ep,
                          finish_reason=choice.get("finish_reason") or "", reasoning=str(reasoning),
                          latency_s=time.perf_counter() - t0, first_byte_s=t_first - t0,
                          rate_limits=rate_limit_headers(resp.headers), usage=_usage(payload))

    def _error_or_failed_generation(self, ep: Endpoint, status: int, headers: Any, raw: bytes,
                                    t0: float, t_first: float) -> Completion:
        msg, err = _error_message(status, raw)
        if status == 400 and err.get("code") == "json_validate_failed" and err.get("failed_generation"):
            # Groq: the model's output broke the schema; its raw text is in the error → repair it
            return Completion(content=str(err["failed_generation"]), endpoint=ep, finish_reason="stop",
                              latency_s=time.perf_counter() - t0, first_byte_s=t_first - t0,
                              rate_limits=rate_limit_headers(headers), from_failed_generation=True)
        retry_after = parse_retry_after(headers.get("retry-after")) if status == 429 else None
        if status in (401, 403):
            msg = f"HTTP {status}: API key rejected ({err.get('message', '')})".rstrip(" ()")
        raise LLMError(msg, status=status, retryable=status in RETRY_STATUS, endpoint=ep, retry_after=retry_after)

    async def _stream(self, ep: Endpoint, url: str, data: bytes, t0: float,
                      on_delta: Callable[[str], None] | None,
                      on_first_byte: Callable[[Endpoint], None] | None) -> Completion:
        parts: list[str] = []
        reasoning: list[str] = []
        usage: dict[str, int] = {}
        finish = ""
        t_first = 0.0
        done = False
        headers = {**self._headers(ep), "Accept": "text/event-stream"}

        def line_done(line: str) -> bool:
            """One SSE line; True at ``[DONE]``."""
            nonlocal finish, usage
            if not line.startswith("data:"):
                return False
            payload = line[5:].strip()
            if payload == "[DONE]":
                return True
            try:
                obj = json.loads(payload)
            except ValueError:
                log.debug("skipping unreadable SSE line from %s", ep.describe())
                return False
            if "usage" in obj or "x_groq" in obj:
                usage = _usage(obj) or usage
            if obj.get("error"):
                raise LLMError(f"stream error: {obj['error']}", retryable=not parts, endpoint=ep,
                               delivered=bool(parts))
            for ch in obj.get("choices") or []:
                delta = ch.get("delta") or {}
                if delta.get("reasoning") or delta.get("reasoning_content"):
                    reasoning.append(str(delta.get("reasoning") or delta.get("reasoning_content")))
                text = delta.get("content")
                if text:
                    parts.append(text)
                    if on_delta is not None:
                        on_delta(text)
                if ch.get("finish_reason"):
                    finish = ch["finish_reason"]
            return False

        resp: aiohttp.ClientResponse | None = None
        try:
            async with asyncio.timeout(self.timeout_s) as first_deadline:
                resp = await self.http.post(url, data=data, headers=headers, allow_redirects=False)
                first_deadline.reschedule(None)  # later chunks: the session's read timeout applies
            try:
                self._answered(url, resp)
                self._note_rate_limits(ep, resp.headers)
                if resp.status >= 400:
                    raw = await resp.read()
                    t_first = time.perf_counter()
                    return self._error_or_failed_generation(ep, resp.status, resp.headers, raw, t0, t_first)
                buf = b""
                while not done:  # lines by hand (no async generator left behind when the reply is cancelled)
                    chunk = await resp.content.readany()
                    if not chunk:
                        if buf:
                            done = line_done(buf.rstrip(b"\r").decode("utf-8", "replace"))
                        break
                    if not t_first:
                        t_first = time.perf_counter()
                        if on_first_byte is not None:
                            on_first_byte(ep)
                    *lines, buf = (buf + chunk).split(b"\n")
                    for raw_line in lines:
                        if line_done(raw_line.rstrip(b"\r").decode("utf-8", "replace")):
                            done = True
                            break
            finally:
                if done or resp.content.at_eof():
                    resp.release()  # the connection goes back to the pool
                else:
                    resp.close()  # cut off mid-stream (an error, a cancel): the connection is not reused
        except RedirectRefused as e:
            raise LLMError(str(e), status=e.status, retryable=False, endpoint=ep) from e
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            if not parts:
                kind = "timed out" if isinstance(e, TimeoutError) else "connection failed"
                raise LLMError(f"{kind}: {type(e).__name__}", retryable=True, endpoint=ep) from e
            log.warning("stream from %s broke after %d chunks: %s", ep.describe(), len(parts), type(e).__name__)
            finish = finish or "truncated"
        if not done and not finish:
            finish = "truncated"
        return Completion(content="".join(parts), endpoint=ep, finish_reason=finish, reasoning="".join(reasoning),
                          latency_s=time.perf_counter() - t0, first_byte_s=(t_first or time.perf_counter()) - t0,
                          rate_limits=rate_limit_headers(resp.headers), truncated=finish == "truncated", usage=usage)
