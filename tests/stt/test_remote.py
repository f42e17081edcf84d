"""The remote Whisper client against the loopback transcription double."""

from __future__ import annotations

import numpy as np
import pytest

from aischoco_gui.stt.engines import SpeechToText, SttError, SttUnavailable
from aischoco_gui.stt.remote import RemoteWhisper
from tests.doubles.stt_server import Script, SttDouble

KEY = "gsk_test_stt"


def tone(seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


async def test_sends_the_openai_multipart_form_and_returns_text():
    async with SttDouble(key=KEY, text=" 안녕하세요 ") as d:
        eng = RemoteWhisper(d.base_url, KEY, "whisper-large-v3-turbo")
        assert isinstance(eng, SpeechToText)
        tr = await eng.transcribe(tone(1.25), language="ko")
        await eng.aclose()
    assert tr.text == "안녕하세요" and tr.engine == "remote" and tr.attempts == 1
    (r,) = d.requests
    assert r.fields == {"model": "whisper-large-v3-turbo", "language": "ko", "response_format": "json"}
    assert (r.rate, r.channels, r.sampwidth) == (16000, 1, 2)
    assert r.duration_s == pytest.approx(1.25, abs=1e-3)
    assert r.headers["Authorization"] == f"Bearer {KEY}"
    assert r.filename.endswith(".wav")
    assert not d.rejected


async def test_429_waits_for_retry_after_then_succeeds():
    seen: list[tuple[int, float, int]] = []
    async with SttDouble(key=KEY) as d:
        d.script(Script(status=429, headers={"retry-after": "0.2"}), Script(status=503), Script(text="됐어요"))
        eng = RemoteWhisper(d.base_url, KEY, backoff_s=0.01, on_retry=lambda *a: seen.append(a))
        tr = await eng.transcribe(tone(0.5))
        await eng.aclose()
    assert tr.text == "됐어요" and tr.attempts == 3
    assert [s for s, _, _ in seen] == [429, 503]
    assert seen[0][1] == pytest.approx(0.2)  # retry-after honoured
    assert seen[1][1] == pytest.approx(0.02)  # exponential backoff without a header
    assert [r.status for r in d.requests] == [429, 503, 200]


async def test_429_gives_up_after_max_retries():
    async with SttDouble(key=KEY) as d:
        d.script(*[Script(status=429, headers={"retry-after": "0"}) for _ in range(5)])
        eng = RemoteWhisper(d.base_url, KEY, max_retries=2)
        with pytest.raises(SttError) as ei:
            await eng.transcribe(tone(0.5))
        await eng.aclose()
    assert ei.value.status == 429 and len(d.requests) == 3


async def test_redirect_to_another_origin_is_refused_and_the_key_stays():
    async with SttDouble(key=KEY) as d, SttDouble(key=KEY) as other:
        d.script(Script(redirect_to=f"{other.base_url}/audio/transcriptions"))
        eng = RemoteWhisper(d.base_url, KEY)
        with pytest.raises(SttError, match="not followed"):
            await eng.transcribe(tone(0.5))
        await eng.aclose()
    assert len(d.requests) == 1
    assert other.requests == [] and other.rejected == []  # nothing (and no key) reached the other origin


async def test_same_origin_307_is_followed_once():
    async with SttDouble(key=KEY, text="따라왔어요") as d:
        d.script(Script(redirect_to="/v1/audio/transcriptions"))
        eng = RemoteWhisper(d.base_url, KEY)
        tr = await eng.transcribe(tone(0.5))
        await eng.aclose()
    assert tr.text == "따라왔어요" and len(d.requests) == 2


async def test_bad_key_and_missing_key():
    async with SttDouble(key=KEY) as d:
        eng = RemoteWhisper(d.base_url, "gsk_wrong")
        with pytest.raises(SttUnavailable, match="401"):
            await eng.transcribe(tone(0.5))
        await eng.aclose()
        eng = RemoteWhisper(d.base_url, "")
        with pytest.raises(SttUnavailable, match="no API key"):
            await eng.transcribe(tone(0.5))
    assert len(d.rejected) == 1  # the keyless engine sent nothing


async def test_timeout_is_an_error_not_a_hang():
    async with SttDouble(key=KEY) as d:
        d.script(Script(delay_s=2.0), Script(delay_s=2.0))
        eng = RemoteWhisper(d.base_url, KEY, timeout_s=0.2, max_retries=1, backoff_s=0.01)
        with pytest.raises(SttError, match="timed out"):
            await eng.transcribe(tone(0.5))
        await eng.aclose()


async def test_double_rejects_a_wav_that_breaks_the_contract():
    """The double is strict: a 48 kHz stereo file is refused (so the tests above mean something)."""
    import httpx

    from aischoco_gui.audio.pcm import wav_bytes

    async with SttDouble(key=KEY) as d:
        async with httpx.AsyncClient() as c:
            r = await c.post(f"{d.base_url}/audio/transcriptions", headers={"Authorization": f"Bearer {KEY}"},
                             data={"model": "m"}, files={"file": ("a.wav", wav_bytes(tone(0.5), 48000))})
    assert r.status_code == 400 and "16 kHz" in r.json()["error"]["message"]
