"""``user_text.explain``: a failure said as what happened and what to do, in the UI language (issue 23)."""

from __future__ import annotations

import errno

import pytest

from aischoco_gui.i18n import set_language, tr
from aischoco_gui.user_text import UserFacingError, explain, voice_label
from tests.korean_text import english_problem


@pytest.fixture(autouse=True)
def korean():
    set_language("ko")
    yield
    set_language("ko")


@pytest.mark.parametrize("error, key", [
    ("no API key: set GROQ_API_KEY (or a local LLM_BASE_URL) in settings", "why.no_key"),
    ("custom · m: connection failed: ConnectError: All connection attempts failed", "why.connect"),
    ("custom · m: HTTP 401: API key rejected (Invalid API Key)", "why.key_rejected"),
    ("rate limited for 40 s", "why.rate_limited"),
    ("timed out after 5 s", "why.timeout"),
    ("VTube Studio is not running or the API is off (ConnectionRefusedError: [Errno 111])", "why.vts_down"),
    ("[Errno 98] error while attempting to bind on address ('127.0.0.1', 8765): address already in use",
     "why.port_busy"),
    ("no audio output devices found", "why.no_output_device"),
    ("output device 'CABLE Input' not found; available: 0: Speakers", "why.output_device_missing"),
    (OSError(errno.ENOSPC, "No space left on device"), "why.file"),
    (FileNotFoundError(2, "No such file or directory"), "why.file_missing"),
    ("HTTP 503: overloaded", "why.server"),
    ("something nobody has seen before", "why.unknown"),
])
def test_explain_says_what_happened_and_what_to_do(error, key):
    text = explain(error)
    assert text == tr(key) and english_problem(text) is None, text


def test_text_that_is_already_ui_text_is_kept():
    assert explain(UserFacingError("채팅 보내기 실패: 다시 로그인하세요")) == "채팅 보내기 실패: 다시 로그인하세요"


def test_engine_labels_read_in_the_ui_language():
    assert voice_label("espeak-ng 'ko' (system voice, not the cloned voice)") == \
        "espeak-ng 'ko' (시스템 음성, 복제한 목소리 아님)"
    assert voice_label("remote TTS http://h:8000") == "원격 음성 http://h:8000"
    assert voice_label("Qwen3-TTS Qwen3-TTS-12Hz-1.7B-Base (cloned voice)") == \
        "Qwen3-TTS Qwen3-TTS-12Hz-1.7B-Base (복제한 목소리)"
    assert voice_label("faster-qwen3-tts m (cloned voice, streaming)") == "faster-qwen3-tts m (복제한 목소리, 스트리밍)"
    assert voice_label("some new engine") == "some new engine"  # unknown: as it is
    set_language("en")
    assert voice_label("espeak-ng 'ko' (system voice, not the cloned voice)") == \
        "espeak-ng 'ko' (system voice, not the cloned voice)"
    assert explain("no API key") == "No LLM API key. Enter it in Settings → AI."
