"""The composition root: builds, starts, stops and rebuilds every service from ``Settings`` (Qt-free).

One readable function (:func:`build_services`) makes each service with a plain constructor call; an
adapter that cannot be built is reported on the bus and replaced by an honest stand-in, so one broken
stage never stops the show. :func:`rebuild` swaps one service for a new one while the rest run (live
settings). The app, the end-to-end harness and the benchmarks all use this module.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict, TypeVar

from aischoco_gui.chat.factory import make_chat_filter, make_chat_source
from aischoco_gui.chat.filters import ChatFilter
from aischoco_gui.chat.oauth import ChzzkAuth, auth_from_settings
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.llm.factory import make_reply_generator
from aischoco_gui.models import ChatMessage, Reply
from aischoco_gui.overlay.factory import make_overlay
from aischoco_gui.paths import UserDirs, install_defaults
from aischoco_gui.pipeline.approval import ApprovalQueue
from aischoco_gui.pipeline.mic import MicTurns
from aischoco_gui.pipeline.pipeline import Pipeline
from aischoco_gui.protocols import (
    AvatarDriver,
    ChatSource,
    GainControl,
    MicInput,
    OverlayService,
    ReplyGenerator,
    Service,
    Speaker,
)
from aischoco_gui.settings import Settings
from aischoco_gui.stt.capture import parse_input_spec
from aischoco_gui.stt.factory import build_engine
from aischoco_gui.stt.listener import ListenerConfig, MicListener
from aischoco_gui.stt.vad import VadConfig
from aischoco_gui.tarot.feature import TarotFeature, llm_interpret
from aischoco_gui.tts.factory import make_speaker
from aischoco_gui.tts.metrics import LatencyHistory
from aischoco_gui.tts.silent import SilentSpeaker
from aischoco_gui.vts.factory import make_avatar
from aischoco_gui.vts.noavatar import NoAvatar

log = logging.getLogger(__name__)

SERVICE_NAMES = ("chat", "llm", "tts", "vts", "overlay")
REBUILDABLE = (*SERVICE_NAMES, "mic")  # the microphone reports its status as "stt"
T = TypeVar("T")


class Overrides(TypedDict, total=False):
    """Stages a test or a benchmark supplies instead of building them (``overlay: None`` = no overlay)."""

    chat_filter: ChatFilter
    chat: ChatSource | None
    generator: ReplyGenerator
    speaker: Speaker
    avatar: AvatarDriver
    overlay: OverlayService | None


class NoGenerator:
    """Used only if the LLM adapter itself fails to build: every turn fails with the reason."""

    name = "llm"

    def __init__(self, error: str = "LLM client unavailable") -> None:
        self.error = error
        self.client = None

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def generate(self, batch: list[ChatMessage], turn: int) -> Reply | None:
        raise RuntimeError(self.error)

    def commit(self, batch: list[ChatMessage], spoken_text: str | None) -> None:
        pass

    async def aclose(self) -> None:
        pass


@dataclasses.dataclass
class Services:
    """Every running service, typed by the small protocols the panels and the pipeline use."""

    settings: Settings
    dirs: UserDirs
    bus: EventBus
    chat_filter: ChatFilter
    generator: ReplyGenerator
    speaker: Speaker
    avatar: AvatarDriver
    pipeline: Pipeline
    chat: ChatSource | None
    overlay: OverlayService | None
    mic: MicInput | None = None  # the streamer's microphone (status "stt"; closed while MIC_MODE=off)
    mic_turns: MicTurns | None = None  # utterances → turns, director whispers, barge-in
    tarot: TarotFeature | None = None
    chzzk_auth: ChzzkAuth | None = None  # the one CHZZK login (built on first use)
    latency_history: LatencyHistory = dataclasses.field(default_factory=LatencyHistory)
    installed_defaults: list[Path] = dataclasses.field(default_factory=list)  # files copied on first run

    def auth(self) -> ChzzkAuth:
        """The shared CHZZK login (the chat source, the chat panel's login and the first-run check use it)."""
        if self.chzzk_auth is None:
            self.chzzk_auth = auth_from_settings(self.settings)
        return self.chzzk_auth

    def lifecycle(self) -> list[Service]:
        """Services with start/stop, in start order (chat is started by the pipeline)."""
        return [s for s in (self.generator, self.speaker, self.avatar, self.overlay, self.mic) if s is not None]


def _guard(bus: EventBus, status: str, make: Callable[[], T], fallback: Callable[[], T]) -> T:
    """``make()``; if the adapter cannot be built, report why on the bus and use the fallback."""
    try:
        return make()
    except Exception as e:  # a broken optional stage must not stop the show
        log.exception("could not build %s", status)
        bus.set_status(status, ServiceState.ERROR, "failed to start", error=f"{type(e).__name__}: {e}")
        bus.notice(f"{status}: {e}", level="error")
        return fallback()


# -- one builder per service (build_services and rebuild both use them) --------------------------
def _generator(settings: Settings, dirs: UserDirs, bus: EventBus) -> ReplyGenerator:
    return _guard(bus, "llm", lambda: make_reply_generator(settings, bus, dirs.config, dirs.history), NoGenerator)


def _speaker(settings: Settings, dirs: UserDirs, bus: EventBus) -> Speaker:
    return _guard(bus, "tts", lambda: make_speaker(settings, bus, dirs.voice_samples), lambda: SilentSpeaker(bus))


def _avatar(settings: Settings, dirs: UserDirs, bus: EventBus, speaker: Speaker) -> AvatarDriver:
    return _guard(bus, "vts", lambda: make_avatar(settings, bus, dirs.config, mouth_source=speaker.mouth_level),
                  lambda: NoAvatar(bus))


def _chat(settings: Settings, bus: EventBus, auth: Callable[[], ChzzkAuth]) -> ChatSource | None:
    return _guard(bus, "chat", lambda: make_chat_source(settings, bus, auth), lambda: None)


def _overlay(settings: Settings, dirs: UserDirs, bus: EventBus, chat_filter: ChatFilter,
             tarot: TarotFeature | None) -> OverlayService | None:
    def set_ignore(v: bool) -> None:
        chat_filter.ignore_streamer = v

    return _guard(bus, "overlay", lambda: make_overlay(
        settings, bus, dirs.config, get_ignore_streamer=lambda: chat_filter.ignore_streamer,
        set_ignore_streamer=set_ignore, features=[tarot] if tarot is not None else []), lambda: None)


def _mic(settings: Settings, dirs: UserDirs, bus: EventBus, turns: MicTurns) -> MicInput | None:
    """The microphone listener. While ``MIC_MODE=off`` or ``STT_INPUT_DEVICE=off`` no engine is built: nothing
    is opened and nothing is sent (the listener only reports why on the status light)."""
    def make() -> MicInput:
        engine = None
        try:
            off = settings.mic_mode == "off" or parse_input_spec(settings.stt_input_device).kind == "off"
        except ValueError:
            off = True  # the listener reports the bad value
        if not off:
            engine = build_engine(settings.stt_engine, bus, base_url=settings.effective_stt_base_url,
                                  api_key=settings.effective_stt_api_key, model=settings.stt_model,
                                  local_model=settings.stt_local_model, cache_dir=dirs.cache,
                                  timeout_s=settings.stt_timeout_s)
        cfg = ListenerConfig(mode=settings.mic_mode, input_device=settings.stt_input_device,
                             language=settings.stt_language, barge_in=settings.barge_in,
                             vad=VadConfig(threshold=settings.stt_vad_threshold,
                                           hangover_ms=settings.stt_vad_hangover_ms,
                                           min_speech_ms=settings.stt_vad_min_ms,
                                           preroll_ms=settings.stt_vad_preroll_ms,
                                           max_utterance_s=settings.stt_vad_max_s))
        return MicListener(cfg, bus, engine, turns.on_utterance, turns.on_barge_in, on_speech_end=turns.on_speech_end)

    return _guard(bus, "stt", make, lambda: None)


def _mic_turns(settings: Settings, bus: EventBus, pipeline: Pipeline, speaker: Callable[[], Speaker],
               mic: Callable[[], MicInput | None]) -> MicTurns:
    """The pipeline side of the microphone; ``speaker``/``mic`` are looked up per call (rebuilds swap them)."""
    def set_gain(g: float) -> None:
        sp = speaker()
        if isinstance(sp, GainControl):
            sp.set_gain(g, 5.0)

    def set_app_speaking(on: bool) -> None:
        m = mic()
        if m is not None:
            m.set_app_speaking(on)

    return MicTurns(bus, pipeline.add_streamer_speech, pipeline.add_director_note, barge_in=settings.barge_in,
                    duck_gain=settings.barge_in_duck_gain, set_gain=set_gain, stop_speech=lambda: speaker().stop(),
                    set_app_speaking=set_app_speaking)


def build_services(settings: Settings, dirs: UserDirs, bus: EventBus | None = None,
                   overrides: Overrides | None = None) -> Services:
    """Create every service (not started), in dependency order. ``overrides`` supplies a stage instead."""
    o: Overrides = overrides or {}
    bus = bus or EventBus()
    installed = install_defaults(dirs)
    auth = auth_from_settings(settings) if settings.effective_chat_source == "chzzk" else None
    chat_filter = o["chat_filter"] if "chat_filter" in o else _guard(
        bus, "chat", lambda: make_chat_filter(dirs.config), ChatFilter)
    generator = o["generator"] if "generator" in o else _generator(settings, dirs, bus)
    speaker = o["speaker"] if "speaker" in o else _speaker(settings, dirs, bus)
    avatar = o["avatar"] if "avatar" in o else _avatar(settings, dirs, bus, speaker)
    chat = o["chat"] if "chat" in o else _chat(settings, bus, lambda: auth or auth_from_settings(settings))
    queue = ApprovalQueue(settings.approval_mode, settings.auto_approve_seconds)
    pipeline = Pipeline(bus, queue, chat_filter, generator, speaker, avatar, chat,
                        batch_max=settings.batch_max_messages, max_pending=settings.max_pending_drafts,
                        reply_max_chars=settings.reply_max_chars)
    tarot = None
    if settings.tarot_enabled:  # readings go straight to the pipeline's gate (approval, then speech)
        tarot = TarotFeature(bus, llm_interpret(lambda: getattr(pipeline.generator, "client", None)),
                             pipeline.add_reply)
        pipeline.add_interceptor(tarot.handle)
    overlay = o["overlay"] if "overlay" in o else _overlay(settings, dirs, bus, chat_filter, tarot)
    services: Services
    turns = _mic_turns(settings, bus, pipeline, lambda: services.speaker, lambda: services.mic)
    services = Services(settings=settings, dirs=dirs, bus=bus, chat_filter=chat_filter, generator=generator,
                        speaker=speaker, avatar=avatar, pipeline=pipeline, chat=chat, overlay=overlay, tarot=tarot,
                        chzzk_auth=auth, installed_defaults=installed, mic_turns=turns,
                        mic=_mic(settings, dirs, bus, turns))
    return services


async def start_services(s: Services) -> None:
    """Start every service; one failing to start is reported and the others still start."""
    for svc in s.lifecycle():
        await _start(s.bus, svc)
    try:
        await s.pipeline.start()
    except Exception as e:
        log.exception("pipeline failed to start")
        s.bus.set_status("chat", ServiceState.ERROR, "failed to start", error=f"{type(e).__name__}: {e}")


async def _start(bus: EventBus, svc: Service) -> None:
    try:
        await svc.start()
    except Exception as e:
        name = getattr(svc, "name", type(svc).__name__)
        log.exception("%s failed to start", name)
        bus.set_status(name, ServiceState.ERROR, "failed to start", error=f"{type(e).__name__}: {e}")


async def _stop(s: Services, svc: Service | None) -> None:
    """Stop one service the way it needs (the speaker is shut down, the generator closed)."""
    if svc is None:
        return
    try:
        if svc is s.speaker:
            await s.speaker.shutdown()
        elif svc is s.generator:
            await s.generator.stop()
            await s.generator.aclose()
        else:
            await svc.stop()
    except Exception:
        log.exception("%s failed to stop", getattr(svc, "name", svc))


async def stop_services(s: Services) -> None:
    """Clean shutdown: stop speech, stop chat and pipeline, release VTS, close clients."""
    try:
        await s.speaker.stop()
    except Exception:
        log.exception("speaker stop failed")
    await s.pipeline.stop()
    for svc in reversed(s.lifecycle()):
        await _stop(s, svc)
    if s.tarot is not None:
        await s.tarot.stop()
    if s.mic_turns is not None:
        await s.mic_turns.stop()


async def rebuild(s: Services, name: str, settings: Settings) -> None:
    """Stop, replace and start ONE service (``chat``, ``llm``, ``tts``, ``vts``, ``overlay`` or ``mic``) with
    new settings while the others keep running. The pipeline is told about its new stage."""
    if name not in REBUILDABLE:
        raise ValueError(f"unknown service {name!r} (one of {', '.join(REBUILDABLE)})")
    s.settings = settings
    if name == "chat":
        s.chat = _chat(settings, s.bus, s.auth)
        await s.pipeline.replace_chat_source(s.chat)
    elif name == "llm":
        await _stop(s, s.generator)
        s.generator = s.pipeline.generator = _generator(settings, s.dirs, s.bus)
        await _start(s.bus, s.generator)
    elif name == "tts":
        await s.speaker.stop()
        await _stop(s, s.speaker)
        s.speaker = s.pipeline.speaker = _speaker(settings, s.dirs, s.bus)
        set_mouth = getattr(s.avatar, "set_mouth_source", None)
        if set_mouth is not None:  # the avatar's lip sync follows the new voice
            set_mouth(s.speaker.mouth_level)
        await _start(s.bus, s.speaker)
    elif name == "vts":
        await _stop(s, s.avatar)
        s.avatar = s.pipeline.avatar = _avatar(settings, s.dirs, s.bus, s.speaker)
        await _start(s.bus, s.avatar)
    elif name == "overlay":
        await _stop(s, s.overlay)
        s.overlay = _overlay(settings, s.dirs, s.bus, s.chat_filter, s.tarot)
        if s.overlay is not None:
            await _start(s.bus, s.overlay)
    elif name == "mic":  # device, mode, engine or VAD changed: close the old microphone, open the new one
        await _stop(s, s.mic)
        if s.mic_turns is None:
            s.mic_turns = _mic_turns(settings, s.bus, s.pipeline, lambda: s.speaker, lambda: s.mic)
        s.mic_turns.barge_in, s.mic_turns.duck_gain = settings.barge_in, settings.barge_in_duck_gain
        s.mic = _mic(settings, s.dirs, s.bus, s.mic_turns)
        if s.mic is not None:
            s.mic.set_app_speaking(s.mic_turns.app_speaking)  # rebuilt mid-reply: echo gate / barge-in hold
            await _start(s.bus, s.mic)


def all_reported(bus: EventBus, names: tuple[str, ...] = SERVICE_NAMES) -> bool:
    return all(n in bus.status and bus.status[n].settled for n in names)
