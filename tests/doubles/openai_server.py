"""A loopback OpenAI-compatible chat-completions server for tests and benchmarks.

Speaks the real wire protocol on 127.0.0.1 (random free port): ``POST /v1/chat/completions``
answering the normal ``chat.completion`` JSON (with ``usage`` and ``x-ratelimit-*`` headers) or,
when the request says ``"stream": true``, ``text/event-stream`` chunks ending in ``data: [DONE]``.
Every request is recorded (JSON body, headers, receive time). Replies are scripted:

    async with OpenAIDouble() as d:                 # inside an asyncio test
        d.script(Script(status=429, headers={"retry-after": "0"}), Script(content="..."))
        ... settings.llm_base_url = d.base_url ...

    d = OpenAIDouble.start_in_thread()              # Qt tests (qasync loop) / benchmarks
    ...; d.stop()

With nothing scripted, the default reply is ``{"emotion":"happy","response":"..."}``; a
``responder(body) -> Script`` callable can decide per request (e.g. summaries vs replies).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.doubles.serving import ServedDouble, run_in_thread, serve

DEFAULT_RESPONSE = "안녕하세요! 오늘도 와 줘서 고마워요. 같이 재밌게 놀아요!"


@dataclass
class Script:
    """One scripted answer. Unset fields give a normal successful completion."""

    status: int = 200
    content: str | None = None  # message content; default: JSON of emotion/response
    emotion: str = "happy"
    response: str = DEFAULT_RESPONSE
    headers: dict[str, str] = field(default_factory=dict)
    error: dict[str, Any] | None = None  # error body for status >= 400
    raw_body: bytes | None = None  # sent verbatim instead of a completion (malformed answers)
    reasoning: str | None = None  # adds message.reasoning / delta.reasoning (must never be spoken)
    finish_reason: str = "stop"
    delay_s: float = 0.0  # before the response headers (slow first byte)
    chunk_size: int = 4  # characters per SSE delta
    chunk_delay_s: float = 0.0  # between SSE deltas
    stream: bool | None = None  # force SSE on/off; None = follow the request's "stream"
    cut_stream_after: int | None = None  # close the connection after N deltas (no [DONE])

    def message_content(self) -> str:
        if self.content is not None:
            return self.content
        return json.dumps({"emotion": self.emotion, "response": self.response}, ensure_ascii=False)


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON (or the raw text when it was not JSON)
    t: float  # time.perf_counter() when the body had been read
    peer: Any = None  # the client's (host, port): one per TCP connection
    t_answered: float | None = None  # perf_counter() as a 200 answer's body goes to the socket (stream: after)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []


RATE_HEADERS = {
    "x-ratelimit-limit-requests": "1000",
    "x-ratelimit-remaining-requests": "999",
    "x-ratelimit-limit-tokens": "250000",
    "x-ratelimit-remaining-tokens": "249000",
    "x-ratelimit-reset-requests": "86.4ms",
    "x-ratelimit-reset-tokens": "240ms",
}


class OpenAIDouble(ServedDouble):
    """Scriptable OpenAI-compatible server on 127.0.0.1."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.requests: list[RecordedRequest] = []
        self.models_requests: list[RecordedRequest] = []  # GET /v1/models (free: no completion)
        self.connections: list[Any] = []  # each client TCP connection (peer address), in order of first use
        self.default = Script()
        self.responder: Callable[[Any], Script | None] | None = None
        self._queue: deque[Script] = deque()
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ids = 0
        self.strict = True  # refuse what Groq refuses (request_problem); off only to test our handling of a 400
        self.refused: list[str] = []  # why each refused request was refused

    # -- scripting ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def script(self, *scripts: Script) -> OpenAIDouble:
        """Queue answers for the next requests (in order); afterwards ``default`` answers."""
        with self._lock:
            self._queue.extend(scripts)
        return self

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.models_requests.clear()
            self.connections.clear()

    def _next_script(self, body: Any) -> Script:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            s = self.responder(body)
            if s is not None:
                return s
        return self.default

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> OpenAIDouble:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        app.router.add_get("/v1/models", self._models)
        self._runner, self.port = await serve(app, self.host, self.port)
        return self

    @classmethod
    def start_in_thread(cls, host: str = "127.0.0.1", port: int = 0) -> OpenAIDouble:
        """Run the server on its own event loop in a daemon thread; ``stop()`` ends it."""
        d = cls(host, port)
        run_in_thread(d, "openai-double")
        return d


    # -- handlers ----------------------------------------------------------------------------
    def _peer(self, request: web.Request) -> Any:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer not in self.connections:
            self.connections.append(peer)
        return peer

    async def _models(self, request: web.Request) -> web.Response:
        self.models_requests.append(RecordedRequest(request.path, dict(request.headers), None, time.perf_counter(),
                                                    self._peer(request)))
        return web.json_response({"object": "list", "data": [{"id": "double-model", "object": "model"}]})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        rec = RecordedRequest(request.path, dict(request.headers), body, time.perf_counter(), self._peer(request))
        self.requests.append(rec)
        problem = request_problem(body) if self.strict else None
        if problem is not None:  # refused like Groq: 400 invalid_request_error, no scripted answer used
            self.refused.append(problem)
            return web.json_response({"error": {"message": problem, "type": "invalid_request_error",
                                                "code": "invalid_request_error"}}, status=400, headers=RATE_HEADERS)
        s = self._next_script(body)
        if s.delay_s:
            await asyncio.sleep(s.delay_s)
        headers = {**RATE_HEADERS, **s.headers}
        if s.status >= 400:
            err = s.error or {"error": {"message": f"scripted error {s.status}", "type": "server_error",
                                        "code": str(s.status)}}
            return web.json_response(err, status=s.status, headers=headers)
        if s.raw_body is not None:
            return web.Response(body=s.raw_body, status=s.status, headers=headers,
                                content_type="application/json")
        model = body.get("model", "double-model") if isinstance(body, dict) else "double-model"
        self._ids += 1
        cid = f"chatcmpl-double-{self._ids}"
        want_stream = bool(body.get("stream")) if isinstance(body, dict) else False
        if s.stream if s.stream is not None else want_stream:
            resp = await self._stream(request, s, headers, cid, model)
            rec.t_answered = time.perf_counter()
            return resp
        message: dict[str, Any] = {"role": "assistant", "content": s.message_content()}
        if s.reasoning is not None:
            message["reasoning"] = s.reasoning
        payload = {
            "id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": s.finish_reason}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            "system_fingerprint": "fp_double",
        }
        resp = web.json_response(payload, status=s.status, headers=headers,
                                 dumps=lambda o: json.dumps(o, ensure_ascii=False))
        await resp.prepare(request)  # sent here (not after returning) so the send time is known
        # stamped as the body is handed to the socket: a stamp after the write could be taken after the client
        # (another process, the same 2 cores) had already read the answer and acted on it
        rec.t_answered = time.perf_counter()
        await resp.write_eof()
        return resp

    async def _stream(self, request: web.Request, s: Script, headers: dict[str, str], cid: str,
                      model: str) -> web.StreamResponse:
        resp = web.StreamResponse(status=200, headers={**headers, "Content-Type": "text/event-stream",
                                                       "Cache-Control": "no-cache"})
        await resp.prepare(request)

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            obj = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                   "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n".encode()

        await resp.write(chunk({"role": "assistant", "content": ""}))
        if s.reasoning:
            await resp.write(chunk({"reasoning": s.reasoning}))
        text = s.message_content()
        n = max(1, s.chunk_size)
        for i, start in enumerate(range(0, len(text), n)):
            if s.cut_stream_after is not None and i >= s.cut_stream_after:
                # drop the connection mid-stream (truncated reply)
                if request.transport is not None:
                    request.transport.close()
                return resp
            if s.chunk_delay_s:
                await asyncio.sleep(s.chunk_delay_s)
            await resp.write(chunk({"content": text[start:start + n]}))
        await resp.write(chunk({}, s.finish_reason))
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp


def schema_problem(schema: Any, path: str = "schema") -> str | None:
    """Why Groq's strict structured outputs would refuse ``schema`` (its docs: every object sets
    ``additionalProperties: false`` and lists every property in ``required``), or None."""
    if not isinstance(schema, dict):
        return None
    if schema.get("type") == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False:
            return f"{path}: strict mode requires additionalProperties: false on every object"
        missing = sorted(set(props) - set(schema.get("required") or []))
        if missing:
            return f"{path}: strict mode requires every property to be required (missing: {', '.join(missing)})"
        for name, sub in props.items():
            p = schema_problem(sub, f"{path}.{name}")
            if p:
                return p
    if "items" in schema:
        return schema_problem(schema["items"], f"{path}[]")
    for key in ("anyOf", "oneOf", "allOf"):
        for i, sub in enumerate(schema.get(key) or []):
            p = schema_problem(sub, f"{path}.{key}[{i}]")
            if p:
                return p
    return None


def request_problem(body: Any) -> str | None:
    """What Groq answers 400 for in a chat-completions body (DESIGN.md §4.2), or None when it would be accepted."""
    if not isinstance(body, dict):
        return "request body must be a JSON object"
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return "'messages' must be a non-empty array"
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant", "tool", "developer"):
            return f"messages[{i}]: unknown role"
        if "name" in m:
            return f"messages[{i}].name is not supported"
        if any(k.startswith("reasoning") for k in m):
            return f"messages[{i}]: 'reasoning' is not supported in input messages"
    for key in ("logprobs", "logit_bias", "top_logprobs"):
        if body.get(key):
            return f"'{key}' is not supported"
    if int(body.get("n") or 1) != 1:
        return "'n' must be 1"
    rf = body.get("response_format")
    if isinstance(rf, dict):
        if rf.get("type") == "json_object":
            text = " ".join(str(m.get("content", "")) for m in msgs if isinstance(m, dict)).lower()
            if "json" not in text:
                return ("'messages' must contain the word 'json' in some form, to use 'response_format' of type "
                        "'json_object'")
        elif rf.get("type") == "json_schema":
            js = rf.get("json_schema") or {}
            if not js.get("name") or "schema" not in js:
                return "response_format.json_schema needs 'name' and 'schema'"
            if js.get("strict"):
                problem = schema_problem(js["schema"])
                if problem:
                    return f"invalid JSON schema for response_format: {problem}"
        if rf.get("type") in ("json_object", "json_schema") and body.get("stream"):
            return "response_format does not support streaming"
    return None


def stream_content(emotion: str, text: str) -> str:
    """Content of a streamed plain-text reply: the emotion tag line, then the reply."""
    return f"[{emotion}]\n{text}"
