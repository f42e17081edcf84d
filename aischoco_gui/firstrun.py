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
from aischoco_gui.user_text import explain, voice_label

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
    "firstrun.vts.failed": ("VTube Studio에 연결할 수 없어요 ({url}). {error}",
                            "Cannot reach VTube Studio ({url}). {error}"),
    "firstrun.overlay.ok": ("OBS 브라우저 소스 URL: {url}", "OBS browser source URL: {url}"),
    "firstrun.paid.idle": ("'테스트'를 누르면 확인해요 (요청/합성 1회, 비용이 들 수 있어요)",
                           "Press 'Test' to check (one request / synthesis; may cost money)"),
    "firstrun.overlay.not_running": ("오버레이 서버가 꺼져 있어요", "the overlay server is not running"),
    "firstrun.overlay.failed": ("오버레이 서버가 응답하지 않아요 ({url}): {error}",
                                "Overlay server does not answer ({url}): {error}"),
})


class CheckResult(NamedTuple):
    ok: bool
    message: str  # in the UI language: what happened and what to do
    detail: str = ""  # the technical reason (tooltip, log)


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
    from aischoco_gui.service_config import llm_config

    eps = [ep for ep in endpoints(llm_config(settings)) if ep.configured]
    if not eps:
        return CheckResult(False, tr("firstrun.llm.no_key"))
    client = LLMClient(eps[:1], timeout_s=max(settings.llm_timeout_s, 5.0), max_retries=0)
    t0 = time.perf_counter()
    try:
        await asyncio.wait_for(client.chat_text([{"role": "user", "content": "Say OK."}], max_tokens=16), timeout_s)
    except Exception as e:  # any failure is a red line with the reason
        return CheckResult(False, tr("firstrun.llm.failed", error=explain(e)), _err(e))
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
        return CheckResult(False, tr("firstrun.tts.failed", engine=voice_label(engine), error=explain(e)), _err(e))
    ms = int((time.perf_counter() - t0) * 1000)
    ok, device = await asyncio.to_thread(_device_check, settings.tts_output_device)
    if not ok:
        return CheckResult(False, tr("firstrun.tts.device_failed", error=explain(device)), device)
    return CheckResult(True, tr("firstrun.tts.ok", engine=voice_label(engine), audio=samples / rate, ms=ms,
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
        return CheckResult(False, tr("firstrun.vts.failed", url=url, error=explain(error)), error)
    finally:
        with contextlib.suppress(Exception):
            await client.close()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task


async def check_overlay(url: str, timeout_s: float = 5.0) -> CheckResult:
    """The overlay page answers 200 at the URL the streamer pastes into OBS."""
    if not url:
        return CheckResult(False, tr("firstrun.overlay.failed", url="-", error=tr("firstrun.overlay.not_running")))
    import aiohttp  # noqa: PLC0415 (off the start path: the welcome module is imported at start)

    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s), trust_env=False) as s:
            async with s.get(url) as r:
                if r.status != 200:
                    raise RuntimeError(f"HTTP {r.status}")
                await r.read()
    except Exception as e:
        return CheckResult(False, tr("firstrun.overlay.failed", url=url, error=explain(e)), _err(e))
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
        out[n] = r if isinstance(r, CheckResult) else CheckResult(False, explain(r), _err(r))  # type: ignore[arg-type]
    return out


# -- the setup check: what is actually running now (no request, no synthesis, no money) ------------
register({
    "setup.waiting": ("시작하는 중…", "Starting…"),
    "setup.chat.live": ("CHZZK 채팅 연결됨", "CHZZK chat connected"),
    "setup.chat.state": ("CHZZK 채팅: {detail}", "CHZZK chat: {detail}"),
    "setup.chat.login": ("CHZZK 로그인이 필요해요: '로그인'을 누르고 브라우저에서 허용하세요",
                         "CHZZK login needed: click 'Log in' and allow it in the browser"),
    "setup.llm.configured": ("설정됨: {endpoint}. 실제 요청은 '테스트'를 누를 때만 보내요 (요금이 들 수 있어요)",
                             "Configured: {endpoint}. A real request is sent only when you click 'Test' "
                             "(it may cost money)"),
    "setup.llm.error": ("LLM 오류: {error}", "LLM error: {error}"),
    "setup.tts.in_use": ("지금 말하는 음성: {label}", "Voice speaking now: {label}"),
    "setup.tts.fallback": ("대체 음성으로 말하는 중: {label} — 원래 엔진 실패: {error} 설정 → 음성에서 고치세요.",
                           "Speaking with the fallback voice: {label} — the chosen engine failed: {error} "
                           "Fix it in Settings → Voice."),
    "setup.tts.text_only": ("음성 없음 (텍스트만): {detail}", "No voice (text only): {detail}"),
    "setup.audio.ok": ("출력 장치: {device}", "Output device: {device}"),
    "setup.audio.error": ("출력 장치 문제: {error}", "Output device problem: {error}"),
    "setup.vts.ok": ("연결·인증됨 ({url}){model}", "Connected and authorized ({url}){model}"),
    "setup.vts.allow": ("VTube Studio 화면에 뜬 플러그인 요청에서 '허용'을 눌러 주세요",
                        "Click 'Allow' on the plugin request shown in VTube Studio"),
    "setup.vts.auth": ("연결됨, 인증 중… ({url})", "Connected, authorizing… ({url})"),
    "setup.vts.down": ("VTube Studio에 연결 안 됨 ({url}). {error} 고친 뒤 '연결'을 누르세요",
                       "Not connected to VTube Studio ({url}). {error} Then click 'Connect'"),
    "setup.vts.off": ("아바타 없음: {detail}", "No avatar: {detail}"),
    "setup.overlay.off": ("오버레이 서버가 꺼져 있어요: 설정 → 오버레이에서 포트를 확인하세요",
                          "The overlay server is off: check the port in Settings → Overlay"),
    "setup.mic.state": ("마이크: {detail}", "Microphone: {detail}"),
    "setup.mic.off": ("꺼져 있어요 — 마이크 패널에서 장치와 모드를 고르면 켜져요",
                      "off — pick a device and a mode in the Microphone panel"),
    "setup.mic.not_configured": ("설정이 더 필요해요 — 마이크 패널에서 장치를 고르세요 ({detail})",
                                 "needs setting up — pick a device in the Microphone panel ({detail})"),
})


class LiveRow(NamedTuple):
    """One line of the setup check: ``ok`` None = still starting; ``fix`` names the one-click fix
    (``settings``, ``login``, ``reconnect``, ``port``, ``copy_url``) or "" when the message says what to do;
    ``detail`` the technical reason (its tooltip), never in the message."""

    ok: bool | None
    message: str
    fix: str = ""
    detail: str = ""


def _status(services: Any, name: str) -> Any:
    return services.bus.status.get(name)


def _state(st: Any) -> str:
    return getattr(getattr(st, "state", None), "value", "") if st is not None else ""


def live_chat(services: Any) -> LiveRow:
    s, st = services.settings, _status(services, "chat")
    src, state = s.effective_chat_source, _state(st)
    if src == "rehearsal":
        return LiveRow(True, tr("firstrun.chat.rehearsal"))
    if src == "chzzk" and not (s.chzzk_client_id and s.chzzk_client_secret):
        return LiveRow(False, tr("firstrun.chat.no_client"), "settings")
    if src == "chzzk-unofficial" and not s.chzzk_channel_id:
        return LiveRow(False, tr("firstrun.chat.no_channel"), "settings")
    if state == "ready":
        return LiveRow(True, tr("setup.chat.live") if src == "chzzk" else
                       tr("firstrun.chat.unofficial", channel=s.chzzk_channel_id))
    if state in ("", "connecting", "reconnecting", "off"):
        return LiveRow(None, tr("setup.chat.state", detail=st.detail) if st and st.detail else tr("setup.waiting"))
    if src == "chzzk" and state in ("not_configured", "error"):
        return LiveRow(False, tr("setup.chat.login"), "login", st.last_error)
    return LiveRow(False, tr("setup.chat.state", detail=st.detail or explain(st.last_error)), "settings",
                   st.last_error)


def live_llm(services: Any) -> LiveRow:
    from aischoco_gui.llm.providers import endpoints
    from aischoco_gui.service_config import llm_config

    eps = [ep for ep in endpoints(llm_config(services.settings)) if ep.configured]
    if not eps:
        return LiveRow(False, tr("firstrun.llm.no_key"), "settings")
    st = _status(services, "llm")
    if _state(st) == "error":
        return LiveRow(False, tr("setup.llm.error", error=explain(st.last_error) if st.last_error else st.detail),
                       "settings", st.last_error)
    return LiveRow(True, tr("setup.llm.configured", endpoint=f"{eps[0].describe()} @ {eps[0].base_url}"))


def live_tts(services: Any) -> LiveRow:
    st = _status(services, "tts")
    state = _state(st)
    backend = getattr(services.speaker, "backend", None)
    label = voice_label(str(getattr(backend, "label", "") or "")) or (st.detail if st else "")
    if state in ("", "connecting", "off"):
        return LiveRow(None, tr("setup.waiting"))
    if state == "not_configured" or backend is None:
        return LiveRow(False, tr("setup.tts.text_only", detail=st.detail if st else "-"), "settings",
                       st.last_error if st else "")
    if state == "degraded" or getattr(backend, "active", 0):  # a fallback voice speaks, not the chosen one
        why = st.last_error if st else ""
        return LiveRow(False, tr("setup.tts.fallback", label=label, error=explain(why) if why else "-"), "settings",
                       why)
    if state == "error":
        return LiveRow(False, tr("firstrun.tts.failed", engine=label,
                                 error=explain(st.last_error) if st.last_error else st.detail), "settings",
                       st.last_error)
    return LiveRow(True, tr("setup.tts.in_use", label=label))


def live_audio(services: Any) -> LiveRow:
    st = _status(services, "audio")
    state = _state(st)
    spec = services.settings.tts_output_device or "default"
    if state == "error":
        return LiveRow(False, tr("setup.audio.error", error=explain(st.last_error) if st.last_error else st.detail),
                       "settings", st.last_error)
    if state == "off":  # the listener's detail is a log text (English); say it in the UI language
        return LiveRow(None, tr("setup.mic.off"), "settings")
    if state == "not_configured":
        return LiveRow(False, tr("setup.mic.not_configured", detail=st.detail), "settings")
    if state in ("", "connecting"):
        output = getattr(services.speaker, "output", None)
        if output is None:  # no audio output (text only): nothing to check
            return LiveRow(None, tr("setup.audio.ok", device=spec))
        return LiveRow(None, tr("setup.waiting"))
    return LiveRow(state == "ready", tr("setup.audio.ok", device=st.detail or spec),
                   "" if state == "ready" else "settings")


def live_vts(services: Any) -> LiveRow:
    avatar = services.avatar
    snap_fn = getattr(avatar, "snapshot", None)
    st = _status(services, "vts")
    if snap_fn is None:
        return LiveRow(False, tr("setup.vts.off", detail=(st.detail if st else "") or "-"), "settings")
    snap = snap_fn()
    url = snap.get("url", services.settings.vts_url)
    if snap.get("authenticated"):
        model = f" · {snap['model']}" if snap.get("model") else ""
        return LiveRow(True, tr("setup.vts.ok", url=url, model=model))
    if snap.get("waiting_for_allow"):
        return LiveRow(False, tr("setup.vts.allow"))
    if snap.get("connected"):
        return LiveRow(None, tr("setup.vts.auth", url=url))
    if not snap.get("attempt") and not snap.get("last_error"):
        return LiveRow(None, tr("setup.waiting"))
    why = str(snap.get("last_error") or "")
    return LiveRow(False, tr("setup.vts.down", url=url, error=explain(why) if why else "-"), "reconnect", why)


def live_overlay(services: Any) -> LiveRow:
    o = services.overlay
    if o is None:
        return LiveRow(False, tr("setup.overlay.off"), "settings")
    if getattr(o, "running", False):
        return LiveRow(True, tr("firstrun.overlay.ok", url=getattr(o, "obs_url", "") or o.url), "copy_url")
    err = getattr(o, "error", "")
    if not err:
        return LiveRow(None, tr("setup.waiting"))
    return LiveRow(False, err, "port")


def live_mic(services: Any) -> LiveRow | None:
    """The microphone row, only when the app has a microphone service (the mic picker is in settings)."""
    mic = getattr(services, "mic", None)
    if mic is None:
        return None
    st = _status(services, "mic") or _status(services, "stt")
    state = _state(st)
    if state == "ready":
        return LiveRow(True, tr("setup.mic.state", detail=st.detail or "on"), "settings")
    if state == "off":  # the listener's detail is a log text (English); say it in the UI language
        return LiveRow(None, tr("setup.mic.off"), "settings")
    if state == "not_configured":
        return LiveRow(False, tr("setup.mic.not_configured", detail=st.detail), "settings")
    if state in ("", "connecting"):
        return LiveRow(None, tr("setup.mic.state", detail=(st.detail if st else "") or state or "-"), "settings")
    return LiveRow(False, tr("setup.mic.state", detail=st.detail or explain(st.last_error)), "settings",
                   st.last_error if st else "")


def live_obs(services: Any) -> LiveRow:
    """OBS over obs-websocket: off (grey) unless configured; a wrong password or a missing BRB scene is red."""
    from aischoco_gui.obs import strings  # noqa: F401, PLC0415 (registers the OBS text)

    obs = getattr(services, "obs", None)
    st = _status(services, "obs")
    if obs is None or not obs.configured:
        return LiveRow(None, tr("obs.off"), "settings")
    snap = obs.snapshot()
    if snap.get("auth_failed"):
        return LiveRow(False, st.detail if st is not None else tr("obs.auth_failed"), "settings")
    if snap.get("connected"):
        if not snap.get("brb"):
            return LiveRow(False, tr("setup.obs.ok", scene=snap.get("current") or "-") + " · " + tr("obs.no_brb"))
        if snap.get("brb_missing"):
            return LiveRow(False, tr("obs.brb_missing", scene=snap["brb"]))
        return LiveRow(True, tr("setup.obs.ok", scene=snap.get("current") or "-") + f" · BRB: {snap['brb']}")
    if _state(st) in ("", "connecting", "off"):
        return LiveRow(None, tr("setup.waiting"))
    return LiveRow(False, (st.detail if st is not None else "") or tr("obs.not_connected"), "settings")


register({"setup.obs.ok": ("연결됨 · 방송 장면: {scene}", "Connected · program scene: {scene}")})

LIVE_PARTS: dict[str, Callable[[Any], LiveRow | None]] = {
    "chat": live_chat, "llm": live_llm, "tts": live_tts, "audio": live_audio, "vts": live_vts,
    "overlay": live_overlay, "mic": live_mic, "obs": live_obs,
}
# Parts whose real test (a paid LLM request, a test synthesis) runs only when the user clicks "Test".
TESTS = ("llm", "tts")


def live_rows(services: Any) -> dict[str, LiveRow]:
    """What is running now, per part (rows that do not apply, e.g. no microphone, are left out)."""
    out: dict[str, LiveRow] = {}
    for name, fn in LIVE_PARTS.items():
        try:
            row = fn(services)
        except Exception as e:  # a check never raises into the dialog
            log.exception("setup check %s failed", name)
            row = LiveRow(False, explain(e), "", _err(e))
        if row is not None:
            out[name] = row
    return out


async def run_test(services: Any, name: str) -> CheckResult:
    """The real test the user asked for: one LLM request, or one test synthesis on the voice in use."""
    s = services.settings
    if name == "llm":
        return await check_llm(s)
    if name == "tts":
        backend = getattr(services.speaker, "backend", None)
        return await check_tts(s, backend, engine=str(getattr(backend, "label", "") or ""))
    raise ValueError(name)
