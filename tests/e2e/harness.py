"""A whole show on loopback: every outside party is a double, the app is the real one.

``show()`` starts the CHZZK session server (EIO=3), the OpenAI-compatible LLM (its own thread),
the VTube Studio API and builds the real services with the real adapters pointed at them through
``Settings`` (TTS: the real worker subprocess; audio: ``wav:PATH``; overlay on a free port). It is
used by the acceptance scenario, the fault tests and ``bench/soak.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import threading
import wave
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

from aischoco_gui.compose import all_reported, build_services, start_services, stop_services
from aischoco_gui.events import Event, EventBus, EventKind, ServiceState
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from aischoco_gui.tts.engines.system import find_espeak
from tests.doubles.chzzk_server import ChzzkDouble
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.vts_server import VTSDouble
from tests.wait import wait_until

SUMMARY = "지난 방송 요약: 초코는 딸기우유를 좋아하고 시청자 '딸기우유'와 친하다."
TAROT_READING = {"summary": "새로운 시작이 보여요.", "cards": [{"number": 3, "meaning": "용기"}],
                 "visual_data": {"yes_no": {"yes": 70, "label": "좋아요"}, "keywords": ["시작"]},
                 "soul_color": {"name": "보라", "hex": "#7B5CD6"}, "danger_alert": {"active": False, "message": ""}}


def tts_engine() -> str:
    """The offline voice when espeak-ng is installed, else the deterministic fake engine."""
    return "system" if find_espeak() else "fake"


def is_tarot(body: Any) -> bool:
    """A tarot reading request (its own system prompt / schema), not a chat reply."""
    if not isinstance(body, dict):
        return False
    msgs = body.get("messages") or []
    return "tarot_reading" in json.dumps(body.get("response_format") or {}) or bool(
        msgs and "타로 리더" in str(msgs[0].get("content", "")))


class Replies:
    """The LLM double's answers: the first rule whose keyword is in the request's chat wins."""

    def __init__(self) -> None:
        self.rules: list[tuple[str, str, str]] = []  # (keyword, emotion, response)
        self.default = ("neutral", "네 고마워요!")
        self.lock = threading.Lock()

    def add(self, keyword: str, emotion: str, response: str) -> None:
        with self.lock:
            self.rules.append((keyword, emotion, response))

    def __call__(self, body: Any) -> Script | None:
        if not isinstance(body, dict):
            return None
        if is_tarot(body):
            return Script(content=json.dumps(TAROT_READING, ensure_ascii=False))
        msgs = body.get("messages") or []
        last = str(msgs[-1].get("content", "")) if msgs else ""
        with self.lock:
            for kw, emo, resp in self.rules:
                if kw in last:
                    return Script(emotion=emo, response=resp)
        return Script(emotion=self.default[0], response=self.default[1])


@dataclass
class Show:
    chzzk: ChzzkDouble
    llm: OpenAIDouble
    vts: VTSDouble
    replies: Replies
    services: Any
    wav: Path
    events: list[Event] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    window: Any = None

    @property
    def bus(self) -> EventBus:
        return self.services.bus

    @property
    def pipeline(self) -> Any:
        return self.services.pipeline

    def state(self, name: str) -> ServiceState | None:
        st = self.bus.status.get(name)
        return st.state if st else None

    def detail(self, name: str) -> str:
        st = self.bus.status.get(name)
        return f"{st.detail} {st.last_error}" if st else ""

    def of(self, kind: EventKind) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    def drafts(self) -> list[Any]:
        return [e.data["draft"] for e in self.of(EventKind.DRAFT_CREATED)]

    def pending(self) -> list[Any]:
        return list(self.pipeline.queue.pending) if hasattr(self.pipeline.queue, "pending") else []

    async def wait(self, cond: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
        try:
            await wait_until(cond, timeout, what, step=0.02)
        except AssertionError as e:
            states = {k: (v.state.value, v.detail) for k, v in self.bus.status.items()}
            raise AssertionError(f"{e}; status={states}; notices={self.notices[-5:]}") from None

    async def wait_state(self, name: str, state: ServiceState, timeout: float = 10.0) -> None:
        await self.wait(lambda: self.state(name) == state, timeout, f"{name} {state.value}")

    async def draft_for(self, keyword: str, timeout: float = 10.0) -> Any:
        """The newest draft whose batch contains ``keyword``."""
        def find() -> Any:
            for d in reversed(self.drafts()):
                if any(keyword in m.text for m in d.batch):
                    return d
            return None
        await self.wait(lambda: find() is not None, timeout, f"a draft for {keyword!r}")
        return find()

    async def spoken(self, draft_id: int, timeout: float = 20.0) -> Event:
        def end() -> Event | None:
            return next((e for e in self.of(EventKind.PLAYBACK_END) if e.data["draft"].id == draft_id), None)
        await self.wait(lambda: end() is not None, timeout, f"playback end of draft {draft_id}")
        return end()  # type: ignore[return-value]

    async def overlay_state(self) -> dict[str, Any]:
        async with aiohttp.ClientSession() as s, s.get(self.services.overlay.url + "api/state") as r:
            return await r.json()

    def requests_text(self) -> list[str]:
        return [json.dumps(r.body, ensure_ascii=False) for r in self.llm.requests]


def make_settings(chzzk: ChzzkDouble, llm: OpenAIDouble, vts: VTSDouble, wav: Path, **over: Any) -> Settings:
    base = dict(
        chat_source="chzzk", chzzk_openapi_base=chzzk.base_url, chzzk_client_id=chzzk.client_id,
        chzzk_client_secret=chzzk.client_secret, chzzk_access_token="user-token-1",
        chat_reconnect_base_s=0.1, chat_reconnect_max_s=0.5,
        llm_base_url=llm.base_url, groq_api_key="test-key", groq_model="llama-3.3-70b-versatile",
        llm_timeout_s=2.0, llm_max_retries=2, llm_retry_backoff_s=0.05,
        tts_engine=tts_engine(), tts_fallback="", tts_output_device=f"wav:{wav}",
        vts_url=vts.url, vts_idle_motion=False, overlay_port=0, tarot_enabled=True, approval_mode="manual",
    )
    base.update(over)
    return dataclasses.replace(Settings(), **base)


@asynccontextmanager
async def show(home: Path, *, window: Callable[[Any], Any] | None = None, summary: str | None = SUMMARY,
               overrides: dict[str, Any] | None = None, before_start: Callable[[Show], Any] | None = None,
               ready: tuple[str, ...] = ("chat", "llm", "tts", "vts", "overlay"),
               **settings_over: Any) -> AsyncIterator[Show]:
    """Start the doubles and the app; ``window(services)`` builds the real window when given."""
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    if summary is not None:
        (dirs.history / "summary.json").write_text(json.dumps(
            {"summary": summary, "timestamp": "2026-01-01T00:00:00", "message_count": 12}, ensure_ascii=False),
            encoding="utf-8")
    chzzk = await ChzzkDouble(ping_interval_ms=2000, ping_timeout_ms=2000).start()
    llm = OpenAIDouble.start_in_thread()
    replies = Replies()
    llm.responder = replies
    vts = await VTSDouble().start()
    wav = home / "show.wav"
    settings = make_settings(chzzk, llm, vts, wav, **settings_over)
    bus = EventBus()
    events: list[Event] = []
    services = build_services(settings, dirs, bus, overrides=overrides)
    sh = Show(chzzk, llm, vts, replies, services, wav, events)

    def record(ev: Event) -> None:
        events.append(ev)
        if ev.kind == EventKind.NOTICE:
            sh.notices.append(ev.data.get("text", ""))

    bus.subscribe(record)
    if window is not None:
        sh.window = window(services)
    try:
        if before_start is not None:
            r = before_start(sh)
            if asyncio.iscoroutine(r):
                await r
        await start_services(services)
        await sh.wait(lambda: all_reported(bus, ready), 30, "every service reporting")
        yield sh
    finally:
        try:
            await asyncio.wait_for(stop_services(services), 15)
        finally:
            await vts.stop()
            await chzzk.stop()
            llm.stop()


# -- what the outside parties observed ---------------------------------------------------------
def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    return x, rate


def voiced_seconds(x: np.ndarray, rate: int, win_s: float = 0.02, floor: float = 0.01) -> float:
    """Seconds of 20 ms windows louder than ``floor`` RMS (speech, not silence)."""
    n = int(rate * win_s)
    if len(x) < n:
        return 0.0
    w = x[: len(x) // n * n].reshape(-1, n)
    return float((np.sqrt((w ** 2).mean(axis=1)) > floor).sum() * win_s)


def engine_audio(engine: str, text: str, emotion: str) -> np.ndarray:
    """The same engine, run here directly: what one sentence should sound like."""
    from aischoco_gui.text import split_sentences

    if engine == "system":
        from aischoco_gui.tts.engines.system import EspeakEngine

        eng: Any = EspeakEngine(find_espeak() or "espeak-ng", "ko")
    else:
        from aischoco_gui.tts.engines.fake import FakeEngine

        eng = FakeEngine()
    out = []
    for s in split_sentences(text) or [text]:
        out.extend(eng.synthesize(s, emotion, threading.Event()))
    x = np.concatenate(out) if out else np.zeros(0, np.float32)
    return _resample_like(x, eng.sample_rate)


def _resample_like(x: np.ndarray, rate: int, to: int = 16000) -> np.ndarray:
    """Cheap linear resample to a common rate (only used to measure voiced time)."""
    if len(x) == 0:
        return x
    t = np.arange(int(len(x) * to / rate)) * rate / to
    return np.interp(t, np.arange(len(x)), x).astype(np.float32)


CHAT_BLOCK_RE = re.compile(r"<chat>(.*?)</chat>", re.S)  # how the generator fences viewer chat
