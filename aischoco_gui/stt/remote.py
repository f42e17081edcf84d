"""OpenAI-compatible transcription client (Groq Whisper and friends).

``POST {base}/audio/transcriptions`` as multipart form data: ``file`` (a 16 kHz mono 16-bit WAV),
``model``, ``language``, ``response_format=json`` → ``{"text": ...}``. Bearer key. Redirects are
never followed automatically: a same-origin 307/308 is repeated once, a redirect to another origin
is refused (the key must not leave for a host the user did not configure). 429 and 5xx are retried
with backoff, honouring ``retry-after``.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import time
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import httpx
import numpy as np

from aischoco_gui.audio.pcm import wav_bytes
from aischoco_gui.stt.capture import STT_RATE
from aischoco_gui.stt.engines import SttError, SttUnavailable, Transcript

log = logging.getLogger(__name__)

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
RetryNotice = Callable[[int, float, int], None]  # (status, delay_s, attempt)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _origin(url: str) -> tuple[str, str, int | None]:
    u = urlsplit(url)
    port = u.port or {"http": 80, "https": 443}.get(u.scheme)
    return u.scheme, (u.hostname or "").lower(), port


class RemoteWhisper:
    """:class:`SpeechToText` over HTTP. ``on_retry(status, delay_s, attempt)`` reports backoff."""

    name = "remote"

    def __init__(self, base_url: str, api_key: str, model: str = "whisper-large-v3-turbo", *,
                 timeout_s: float = 15.0, max_retries: int = 3, backoff_s: float = 0.5,
                 max_backoff_s: float = 20.0, on_retry: RetryNotice | None = None,
                 keepalive_s: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + "/audio/transcriptions"
        self.api_key = api_key
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.on_retry = on_retry
        self._client: httpx.AsyncClient | None = None
        self.keepalive_s = keepalive_s  # how long an idle pooled connection is kept (httpx keepalive_expiry)
        self.last_used = 0.0  # time.monotonic() of the last request start or answer
        # A warm-up in flight holds the pooled connection; an utterance arriving then waits for it (a local
        # GET, milliseconds) instead of opening a second connection; no warm-up starts during a transcription.
        self._warming: asyncio.Future | None = None
        self._transcribing = 0

    def _http(self) -> httpx.AsyncClient:
        self.last_used = time.monotonic()
        if self._client is None:
            self._client = httpx.AsyncClient(
                # the key goes only to the configured host: no redirects followed by httpx (a same-origin
                # 307/308 is repeated by hand below) and no proxy variables from the environment
                timeout=httpx.Timeout(self.timeout_s, connect=5.0), follow_redirects=False, trust_env=False,
                limits=httpx.Limits(max_keepalive_connections=2, keepalive_expiry=self.keepalive_s),
                event_hooks={"response": [self._touch]})
        return self._client

    async def _touch(self, _resp: httpx.Response) -> None:
        self.last_used = time.monotonic()

    async def preconnect(self, timeout_s: float = 3.0) -> bool:
        """Open the pooled connection now (DNS, TCP, TLS) with a free ``GET {base}/models`` (never a
        transcription), so the first utterance of the show is as fast as the tenth. Never raises;
        False when nobody answered or there is no key (nothing is sent without one)."""
        if not self.api_key:
            return False
        done = self._warming = asyncio.get_running_loop().create_future()
        try:
            r = await self._http().get(f"{self.base_url}/models", headers={"Authorization": f"Bearer {self.api_key}"},
                                       timeout=timeout_s)
            await r.aread()
            return True
        except Exception as e:  # only a warm-up: the real request reports real problems
            log.debug("stt: pre-connect to %s failed: %s", urlsplit(self.base_url).netloc, type(e).__name__)
            return False
        finally:
            done.set_result(None)
            if self._warming is done:
                self._warming = None

    async def keep_warm(self, every_s: float | None = None) -> None:
        """Run until cancelled (the microphone service runs it while the microphone is open): pre-connect
        now, then again whenever the connection has sat idle for ``every_s`` (default two thirds of the
        keep-alive), so the first utterance after a quiet spell reuses a live connection."""
        every = every_s if every_s is not None else self.keepalive_s * 2 / 3
        await self.preconnect()
        self.last_used = time.monotonic()
        while True:
            await asyncio.sleep(max(0.01, self.last_used + every - time.monotonic()))
            if time.monotonic() - self.last_used >= every * 0.99 and not self._transcribing:
                await self.preconnect()
                self.last_used = time.monotonic()  # also when nobody answered: try again a period later

    def problem(self) -> str:
        return "" if self.api_key else "no API key for speech-to-text (STT_API_KEY or GROQ_API_KEY)"

    async def transcribe(self, audio: np.ndarray, *, language: str = "") -> Transcript:
        if not self.api_key:
            raise SttUnavailable("no API key for speech-to-text (STT_API_KEY or GROQ_API_KEY)")
        wav = wav_bytes(audio, STT_RATE)
        data = {"model": self.model, "response_format": "json"}
        if language:
            data["language"] = language
        headers = {"Authorization": f"Bearer {self.api_key}"}
        self._transcribing += 1
        try:
            warming = self._warming
            if warming is not None:  # the warm-up holds the connection for a moment: reuse it after
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(warming), 1.0)
            return await self._post(wav, data, headers)
        finally:
            self._transcribing -= 1

    async def _post(self, wav: bytes, data: dict[str, str], headers: dict[str, str]) -> Transcript:
        url = self.url
        redirected = False
        attempt = 0
        while True:
            attempt += 1
            t0 = time.monotonic()
            try:
                r = await self._http().post(url, data=data, files={"file": ("speech.wav", wav, "audio/wav")},
                                            headers=headers)
            except httpx.TimeoutException as e:
                err = SttError(f"transcription timed out after {self.timeout_s:g}s ({type(e).__name__})",
                               retryable=True)
                status, delay_hint = None, None
            except httpx.HTTPError as e:
                err = SttError(f"transcription request failed: {type(e).__name__}: {e}", retryable=True)
                status, delay_hint = None, None
            else:
                if r.status_code in (301, 302, 303, 307, 308):
                    loc = r.headers.get("location", "")
                    target = urljoin(url, loc)
                    if not loc or _origin(target) != _origin(url) or redirected or r.status_code not in (307, 308):
                        raise SttError(f"transcription server redirected to {target or '?'} "
                                       f"(HTTP {r.status_code}); not followed: the key stays with "
                                       f"{urlsplit(url).netloc}. Fix STT_BASE_URL.", status=r.status_code)
                    redirected, url = True, target
                    attempt -= 1
                    continue
                if r.status_code == 200:
                    try:
                        body = r.json()
                        text = str(body["text"])
                    except (ValueError, KeyError, TypeError):
                        raise SttError(f"transcription answer is not {{\"text\": …}}: {r.text[:200]!r}",
                                       status=200) from None
                    return Transcript(text=text.strip(), engine=self.name, latency_s=time.monotonic() - t0,
                                      attempts=attempt, extra={"model": self.model})
                status = r.status_code
                delay_hint = _retry_after(r.headers.get("retry-after"))
                err = SttError(f"transcription server answered HTTP {status}: {r.text[:200]}", status=status,
                               retryable=status in RETRY_STATUS)
                if status in (401, 403):
                    raise SttUnavailable(f"speech-to-text key rejected (HTTP {status})", status=status)
            if not err.retryable or attempt > self.max_retries:
                raise err
            delay = delay_hint if delay_hint is not None else self.backoff_s * 2 ** (attempt - 1)
            delay = min(self.max_backoff_s, delay)
            log.info("stt: %s; retry %d in %.1fs", err, attempt, delay)
            if self.on_retry is not None:
                self.on_retry(status or 0, delay, attempt)
            await asyncio.sleep(delay)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
