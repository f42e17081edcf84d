"""First-run checks (Qt-free): one async function per part, each returning ``(ok, message)``.

The welcome dialog (``gui/welcome.py``) shows them as green/red lines with a button to fix each.
Every check uses the app's real clients (LLM client against ``LLM_BASE_URL``, the VTS client,
the TTS backend, an HTTP request to the overlay) and never raises: a failure is a red line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NamedTuple

from aischoco_gui.i18n import register, tr

log = logging.getLogger(__name__)

TEST_PHRASE = "안녕하세요, 테스트예요."
CHECKS = ("chat", "llm", "tts", "vts", "overlay")
# Checks that cost the user money (an LLM request) or GPU time (a synthesis): never run on their own,
# only when the streamer presses "test" (or "check all") in the dialog.
PAID = ("llm", "tts")
# What the dialog's button does for each part when the check is red (green: "retry" re-runs it).
FIXES = {"chat": "login", "llm": "settings", "tts": "settings", "vts": "retry", "overlay": "copy_url"}

register({
    "firstrun.chat.rehearsal": ("리허설 모드: 샘플 채팅과 직접 입력으로 연습해요 (CHZZK 연결 없음)",
                                "Rehearsal mode: sample chat and typed messages (no CHZZK connection)"),
    "firstrun.chat.no_client": ("CHZZK 클라이언트 ID/시크릿이 없어요: 설정에서 입력하세요",
                                "No CHZZK client ID/secret: enter them in settings"),
    "firstrun.chat.login": ("CHZZK 로그인이 필요해요", "CHZZK login needed"),
    "firstrun.chat.ok": ("CHZZK 로그인됨", "Logged in to CHZZK"),
    "firstrun.chat.no_channel": ("채널 ID가 없어요 (비공식 연결)", "No channel ID (unofficial connection)"),
    "firstrun.chat.unofficial": ("비공식 연결: 채널 {channel}", "Unofficial connection: channel {channel}"),
    "firstrun.llm.no_key": ("LLM API 키가 없어요: 설정에서 GROQ_API_KEY를 입력하세요",
                            "No LLM API key: enter GROQ_API_KEY in settings"),
    "firstrun.llm.ok": ("{endpoint} 응답 {ms} ms", "{endpoint} answered in {ms} ms"),
    "firstrun.llm.failed": ("LLM 테스트 요청 실패: {error}", "LLM test request failed: {error}"),
    "firstrun.tts.none": ("TTS 엔진이 없어요: 텍스트만 표시돼요", "No TTS engine: replies are text only"),
    "firstrun.tts.ok": ("{engine}: 테스트 문장 {audio:.1f} s 합성 ({ms} ms), 출력: {device}",
                        "{engine}: test phrase {audio:.1f} s synthesized ({ms} ms), output: {device}"),
    "firstrun.tts.failed": ("TTS 테스트 실패 ({engine}): {error}", "TTS test failed ({engine}): {error}"),
    "firstrun.tts.device_failed": ("오디오 출력 장치 문제: {error}", "Audio output device problem: {error}"),
    "firstrun.vts.ok": ("VTube Studio 연결 및 인증됨 ({url})", "VTube Studio connected and authorized ({url})"),
    "firstrun.vts.allow": ("VTube Studio에서 '허용'을 눌러 주세요", "Click 'Allow' in VTube Studio"),
    "firstrun.vts.failed": ("VTube Studio에 연결할 수 없어요 ({url}): {error}. VTS에서 API를 켜 주세요",
                            "Cannot reach VTube Studio ({url}): {error}. Enable the API in VTS settings"),
    "firstrun.overlay.ok": ("OBS 브라우저 소스 URL: {url}", "OBS browser source URL: {url}"),
    "firstrun.paid.idle": ("'테스트'를 누르면 확인해요 (요청/합성 1회, 비용이 들 수 있어요)",
                           "Press 'Test' to check (one request / synthesis; may cost money)"),
    "firstrun.overlay.failed": ("오버레이 서버가 응답하지 않아요 ({url}): {error}",
                                "Overlay server does not answer ({url}): {error}"),
})


class CheckResult(NamedTuple):
    ok: bool
    message: str


def _err(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return text if len(text) < 300 else text[:297] + "…"


async def check_chat(settings: Any, auth: Any = None) -> CheckResult:
    """CHZZK login state (official), channel (unofficial) or rehearsal mode."""
    src = settings.effective_chat_source
    if src == "chzzk":
        if not (settings.chzzk_client_id and settings.chzzk_client_secret):
            return CheckResult(False, tr("firstrun.chat.no_client"))
        if auth is None:
            from aischoco_gui.chat.oauth import auth_from_settings

            auth = auth_from_settings(settings)
        if not (auth.has_user_token or auth.can_refresh):
            return CheckResult(False, tr("firstrun.chat.login"))
        from aischoco_gui.chat.api_text import scope_summary

        return CheckResult(True, f"{tr('firstrun.chat.ok')} · {scope_summary(auth)}")  # which scopes are granted
    if src == "chzzk-unofficial":
        if not settings.chzzk_channel_id:
            return CheckResult(False, tr("firstrun.chat.no_channel"))
        return CheckResult(True, tr("firstrun.chat.unofficial", channel=settings.chzzk_channel_id))
    return CheckResult(True, tr("firstrun.chat.rehearsal"))


async def check_llm(settings: Any, timeout_s: float = 15.0) -> CheckResult:
    """The key is set and one real request through the app's LLM client gets an answer."""
    from aischoco_gui.llm.client import LLMClient
    from aischoco_gui.llm.providers import endpoints

    eps = [ep for ep in endpoints(settings) if ep.configured]
    if not eps:
        return CheckResult(False, tr("firstrun.llm.no_key"))
    client = LLMClient(eps[:1], timeout_s=max(settings.llm_timeout_s, 5.0), max_retries=0)
    t0 = time.perf_counter()
    try:
        await asyncio.wait_for(client.chat_text([{"role": "user", "content": "Say OK."}], max_tokens=16), timeout_s)
    except Exception as e:  # any failure is a red line with the reason
        return CheckResult(False, tr("firstrun.llm.failed", error=_err(e)))
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()
    ms = int((time.perf_counter() - t0) * 1000)
    return CheckResult(True, tr("firstrun.llm.ok", endpoint=eps[0].describe(), ms=ms))


def _device_check(spec: str) -> tuple[bool, str]:
    from aischoco_gui.audio.devices import load_sounddevice, parse_output_spec, resolve_device

    try:
        out = parse_output_spec(spec)
        if out.kind == "null":
            return True, "null"
        if out.kind == "wav":
            Path(out.path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
            return True, f"wav:{out.path}"
        sd = load_sounddevice()
        _idx, name, _rate = resolve_device(sd, out.device)
        return True, name
    except Exception as e:
        return False, _err(e)


async def check_tts(settings: Any, backend: Any = None, engine: str = "", timeout_s: float = 60.0) -> CheckResult:
    """Synthesize the test phrase with the TTS backend (``stream(text, emotion)``), then check the device."""
    engine = engine or settings.effective_tts_engine or "?"
    if backend is None:
        return CheckResult(False, tr("firstrun.tts.none"))
    t0 = time.perf_counter()
    samples, rate = 0, 0

    async def run() -> None:
        nonlocal samples, rate
        async for chunk in backend.stream(TEST_PHRASE, "neutral"):
            samples += len(chunk.samples)
            rate = chunk.rate

    try:
        await asyncio.wait_for(run(), timeout_s)
        if samples == 0 or rate <= 0:
            raise RuntimeError("no audio came back")
    except Exception as e:
        return CheckResult(False, tr("firstrun.tts.failed", engine=engine, error=_err(e)))
    ms = int((time.perf_counter() - t0) * 1000)
    ok, device = await asyncio.to_thread(_device_check, settings.tts_output_device)
    if not ok:
        return CheckResult(False, tr("firstrun.tts.device_failed", error=device))
    return CheckResult(True, tr("firstrun.tts.ok", engine=engine, audio=samples / rate, ms=ms,
                                device=device or "default"))


async def check_vts(url: str, token_path: Path, timeout_s: float = 30.0,
                    on_waiting: Callable[[], None] | None = None) -> CheckResult:
    """Connect a plugin session and authenticate (stored token, or the streamer clicks Allow)."""
    from aischoco_gui.vts.client import VTSClient

    client = VTSClient(url, token_path, token_timeout_s=timeout_s, backoff=(0.3, 1.0))
    task = asyncio.ensure_future(client.run())
    deadline = time.monotonic() + timeout_s
    told = False
    try:
        while time.monotonic() < deadline:
            if client.ready:
                return CheckResult(True, tr("firstrun.vts.ok", url=url))
            if client.waiting_for_allow and not told:
                told = True
                if on_waiting:
                    on_waiting()
            if client.attempt >= 2 and not client.connected and not client.waiting_for_allow:
                break  # refused twice: VTS is not running / API off
            await asyncio.sleep(0.05)
        error = client.last_error or ("waiting for 'Allow'" if client.waiting_for_allow else "timeout")
        return CheckResult(False, tr("firstrun.vts.failed", url=url, error=error))
    finally:
        with contextlib.suppress(Exception):
            await client.close()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task


async def check_overlay(url: str, timeout_s: float = 5.0) -> CheckResult:
    """The overlay page answers 200 at the URL the streamer pastes into OBS."""
    if not url:
        return CheckResult(False, tr("firstrun.overlay.failed", url="-", error="not running"))
    import aiohttp  # noqa: PLC0415 (off the start path: the welcome module is imported at start)

    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s), trust_env=False) as s:
            async with s.get(url) as r:
                if r.status != 200:
                    raise RuntimeError(f"HTTP {r.status}")
                await r.read()
    except Exception as e:
        return CheckResult(False, tr("firstrun.overlay.failed", url=url, error=_err(e)))
    return CheckResult(True, tr("firstrun.overlay.ok", url=url))


def checks_for(services: Any) -> dict[str, Callable[[], Awaitable[CheckResult]]]:
    """The five checks bound to the running app's services (the dialog calls these)."""
    s = services.settings
    speaker = services.speaker
    overlay = services.overlay

    def token_path() -> Path:
        client = getattr(services.avatar, "client", None)
        return Path(getattr(client, "token_path", services.dirs.config / "vts_token.txt"))

    return {
        "chat": lambda: check_chat(s, services.chzzk_auth),
        "llm": lambda: check_llm(s),
        "tts": lambda: check_tts(s, getattr(speaker, "backend", None)),
        "vts": lambda: check_vts(s.vts_url, token_path()),
        "overlay": lambda: check_overlay(str(getattr(overlay, "url", "") or "")),
    }


async def run_all(checks: dict[str, Callable[[], Awaitable[CheckResult]]]) -> dict[str, CheckResult]:
    names = list(checks)
    results = await asyncio.gather(*(checks[n]() for n in names), return_exceptions=True)
    out: dict[str, CheckResult] = {}
    for n, r in zip(names, results, strict=True):
        out[n] = r if isinstance(r, CheckResult) else CheckResult(False, _err(r))  # type: ignore[arg-type]
    return out
