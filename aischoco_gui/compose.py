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

from aischoco_gui.chat.api_text import describe_api_error
from aischoco_gui.chat.chzzk_api import ChzzkApi
from aischoco_gui.chat.factory import make_chat_filter, make_chat_source
from aischoco_gui.chat.filters import ChatFilter
from aischoco_gui.chat.oauth import ChzzkAuth, auth_from_settings
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.i18n import tr
from aischoco_gui.llm import prompt as llm_prompt
from aischoco_gui.llm.factory import make_reply_generator
from aischoco_gui.models import ChatMessage, Draft, Reply
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
from aischoco_gui.service_config import chat_config, llm_config, overlay_config, tts_config, vts_config
from aischoco_gui.settings import SettingProblem, Settings
from aischoco_gui.show.base import LineGenerator, ShowLine
from aischoco_gui.show.feature import ShowTools
from aischoco_gui.show.lines import make_line_generator
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
# the show tools (no status of their own) and the microphone (status "stt") can be rebuilt too
REBUILDABLE = (*SERVICE_NAMES, "show", "mic")
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
    show: ShowTools | None = None  # thanks lane, idle talk, run sheet, chat echo, overlay alerts
    chzzk_api: ChzzkApi | None = None  # CHZZK Open API actions (built on first use, with the shared login)
    latency_history: LatencyHistory = dataclasses.field(default_factory=LatencyHistory)
    installed_defaults: list[Path] = dataclasses.field(default_factory=list)  # files copied on first run

    def __post_init__(self) -> None:
        self._wired_login: ChzzkAuth | None = None
        if self.chzzk_auth is not None:
            self._wire_login(self.chzzk_auth)

    def auth(self) -> ChzzkAuth:
        """The shared CHZZK login (the chat source, the chat panel's login and the first-run check use it)."""
        if self.chzzk_auth is None:
            self.chzzk_auth = auth_from_settings(self.settings)
        if self._wired_login is not self.chzzk_auth:
            self._wire_login(self.chzzk_auth)
        return self.chzzk_auth

    def _wire_login(self, auth: ChzzkAuth) -> None:
        """A token change of THE login is an event on the bus (the GUI hears it through the bridge; nobody
        keeps a callback on the login object itself). A replaced login is unwired."""
        self.drop_login(announce=False)
        auth.listeners.append(self._login_changed)
        self._wired_login = auth

    def drop_login(self, announce: bool = True) -> None:
        """Forget the shared login (new CHZZK client settings): the next use builds a new one."""
        old, self._wired_login = self._wired_login, None
        if old is not None and self._login_changed in old.listeners:
            old.listeners.remove(self._login_changed)
        if announce:
            self.chzzk_auth = None
            self.bus.emit(EventKind.CHZZK_LOGIN)

    def _login_changed(self, _tokens: object) -> None:
        self.bus.emit(EventKind.CHZZK_LOGIN)

    def api(self) -> ChzzkApi:
        """The CHZZK action client (moderation, notice, chat settings, chat echo) on the shared login."""
        if self.chzzk_api is None:
            auth = self.auth()
            self.chzzk_api = ChzzkApi(self.settings.chzzk_openapi_base, auth.access_token, refresh=auth.refresh)
        return self.chzzk_api

    @property
    def can_moderate(self) -> bool:
        """Only the official Open API can act on the channel; the unofficial/rehearsal sources cannot."""
        return self.settings.effective_chat_source == "chzzk"

    async def send_chat(self, text: str) -> None:
        """Chat echo's send: one message (the echo already cut it to ≤ 100 characters)."""
        try:
            await self.api().send_chat(text)
        except Exception as e:
            raise RuntimeError(describe_api_error("send_chat", e)) from e

    def overlay_alert(self):  # noqa: ANN201 (a bound push_alert or None)
        return getattr(self.overlay, "push_alert", None) if self.overlay is not None else None

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
    return _guard(bus, "llm", lambda: make_reply_generator(llm_config(settings), bus, dirs.config,
                                                                    dirs.history), NoGenerator)


def _speaker(settings: Settings, dirs: UserDirs, bus: EventBus) -> Speaker:
    return _guard(bus, "tts", lambda: make_speaker(tts_config(settings), bus, dirs.voice_samples),
                  lambda: SilentSpeaker(bus))


def _avatar(settings: Settings, dirs: UserDirs, bus: EventBus, speaker: Speaker) -> AvatarDriver:
    return _guard(bus, "vts", lambda: make_avatar(vts_config(settings), bus, dirs.config,
                                                           mouth_source=speaker.mouth_level),
                  lambda: NoAvatar(bus))


def _chat(settings: Settings, bus: EventBus, auth: Callable[[], ChzzkAuth]) -> ChatSource | None:
    return _guard(bus, "chat", lambda: make_chat_source(chat_config(settings), bus, auth), lambda: None)


def _overlay(settings: Settings, dirs: UserDirs, bus: EventBus, chat_filter: ChatFilter,
             tarot: TarotFeature | None) -> OverlayService | None:
    def set_ignore(v: bool) -> None:
        chat_filter.ignore_streamer = v

    return _guard(bus, "overlay", lambda: make_overlay(
        overlay_config(settings), bus, dirs.config, get_ignore_streamer=lambda: chat_filter.ignore_streamer,
        set_ignore_streamer=set_ignore, features=[tarot] if tarot is not None else []), lambda: None)


def _line_generator(pipeline: Pipeline) -> LineGenerator:
    """The show tools' LLM call: the CURRENT reply generator's client, persona and memory (looked up per
    call, so a rebuilt LLM applies at once). Without an LLM client it raises, and the tools fall back."""

    async def generate(user_block: str) -> ShowLine | None:
        gen = pipeline.generator
        client = getattr(gen, "client", None)
        if client is None or not hasattr(client, "chat_json"):
            raise RuntimeError(getattr(gen, "error", "") or "LLM client unavailable")
        loader = getattr(gen, "persona_loader", None)
        if loader is not None:
            gen.persona = loader()
        line = make_line_generator(
            client.chat_json, system_prompt=lambda: llm_prompt.system_prompt(gen.persona, "json", gen.emotions),
            context=lambda: gen.memory.context_messages(llm_prompt.summary_message), emotions=gen.emotions)
        return await line(user_block)

    return generate


def _show(settings: Settings, dirs: UserDirs, bus: EventBus, pipeline: Pipeline, services: Callable[[], Services],
          ) -> ShowTools | None:
    def submit(text: str, emotion: str, kind: str, source: list | None = None):  # noqa: ANN202 (a Draft)
        return pipeline.add_reply(Reply(text=text, emotion=emotion), source, kind=kind)

    def summary() -> str:
        memory = getattr(pipeline.generator, "memory", None)
        return str(getattr(memory, "summary", "") or "")

    def draft_pending() -> bool:
        return bool(pipeline.queue.pending or pipeline.queue.approved)

    def waiting(d: Draft) -> bool:  # auto mode approves a draft as it enters: then there is nothing to move
        return any(p is d for p in pipeline.queue.pending)

    def prioritize(d: Draft) -> None:
        if waiting(d):
            pipeline.move(d.id, 0)

    def approve(d: Draft) -> None:
        if waiting(d):
            pipeline.approve(d.id)

    echo = settings.chzzk_chat_echo == "on" and settings.effective_chat_source == "chzzk"
    return _guard(bus, "show", lambda: ShowTools(
        settings, bus, dirs.config, generate=_line_generator(pipeline), submit=submit,
        prioritize=prioritize, approve=approve,
        draft_pending=draft_pending, speaking=lambda: pipeline.speaking is not None, summary=summary,
        send_chat=(lambda text: services().send_chat(text)) if echo else None,
        alert=lambda: services().overlay_alert()), lambda: None)


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
    services: Services | None = None
    show = _show(settings, dirs, bus, pipeline, lambda: services)  # the lambda is called only when running
    if show is not None:  # donations and subscriptions go to the priority lane before batching
        pipeline.add_interceptor(show.intercept)
    turns = _mic_turns(settings, bus, pipeline, lambda: services.speaker, lambda: services.mic)
    services = Services(settings=settings, dirs=dirs, bus=bus, chat_filter=chat_filter, generator=generator,
                        speaker=speaker, avatar=avatar, pipeline=pipeline, chat=chat, overlay=overlay, tarot=tarot,
                        chzzk_auth=auth, show=show, installed_defaults=installed, mic_turns=turns,
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
    if s.show is not None:
        await _start(s.bus, s.show)


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
    if s.show is not None:
        await _stop(s, s.show)
    await s.pipeline.stop()
    for svc in reversed(s.lifecycle()):
        await _stop(s, svc)
    if s.chzzk_api is not None:
        await s.chzzk_api.aclose()
    if s.tarot is not None:
        await s.tarot.stop()
    if s.mic_turns is not None:
        await s.mic_turns.stop()


async def rebuild(s: Services, name: str, settings: Settings) -> None:
    """Stop, replace and start ONE service (``chat``, ``llm``, ``tts``, ``vts``, ``overlay``, ``show`` or
    ``mic``) with new settings while the others keep running. The pipeline is told about its new stage.

    Every caller (the settings dialog, the mic panel, benchmarks) comes through here, and every rebuild
    ends with one ``SERVICE_REPLACED`` event (the bridge's ``replaced_of(name)``): whoever shows that
    service looks it up again in the container — nobody keeps the old object."""
    if name not in REBUILDABLE:
        raise ValueError(f"unknown service {name!r} (one of {', '.join(REBUILDABLE)})")
    s.settings = settings
    try:
        await _replace(s, name, settings)
    finally:
        s.bus.emit(EventKind.SERVICE_REPLACED, name=name)


async def _replace(s: Services, name: str, settings: Settings) -> None:
    if name == "show":  # idle talk, run sheet, echo, thanks levels: a new feature in the same place
        old = s.show
        if old is not None:
            await _stop(s, old)
            if old.intercept in s.pipeline.interceptors:
                s.pipeline.interceptors.remove(old.intercept)
        s.show = _show(settings, s.dirs, s.bus, s.pipeline, lambda: s)
        if s.show is not None:
            s.pipeline.add_interceptor(s.show.intercept)
            await _start(s.bus, s.show)
        return
    if name == "chat":
        if s.chzzk_api is not None:  # the action client follows the new base URL / credentials
            await s.chzzk_api.aclose()
            s.chzzk_api = None
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


def show_setting_problems(s: Services) -> list[SettingProblem]:
    """Thanks levels that could not be read, as settings problems (the window's settings banner shows them)."""
    if s.show is None:
        return []
    out: list[SettingProblem] = []
    for env, message in s.show.problems.items():
        name = "thanks_donation_levels" if env == "THANKS_DONATION_LEVELS" else "thanks_subscription_levels"
        value = str(getattr(s.settings, name, ""))
        out.append(SettingProblem(field=name, env=env, source=s.settings.sources.get(name, "default"),
                                  value=value if len(value) <= 80 else value[:79] + "…",
                                  used=tr("show.thanks.default_levels"), used_source="default", message=message))
    return out


# Which service each setting belongs to: a change rebuilds just that service (live settings).
FIELD_SERVICE: dict[str, str] = {
    **dict.fromkeys((
        "chat_source", "chzzk_client_id", "chzzk_client_secret", "chzzk_redirect_uri", "chzzk_channel_id",
        "chzzk_access_token", "chzzk_openapi_base", "chzzk_api_base", "chzzk_game_api_base", "chzzk_chat_ws_url",
        "chzzk_live_poll_s", "chat_reconnect_base_s", "chat_reconnect_max_s"), "chat"),
    **dict.fromkeys((
        "groq_api_key", "groq_model", "llm_base_url", "llm_timeout_s", "llm_max_retries", "llm_provider",
        "llm_mode", "llm_fallbacks", "cerebras_api_key", "openai_api_key", "llm_max_tokens", "llm_temperature",
        "llm_retry_backoff_s", "llm_emotions", "llm_banned_words", "history_summary_threshold",
        "history_keep_tokens", "history_max_tokens"), "llm"),
    **dict.fromkeys((
        "tts_engine", "tts_remote_url", "tts_output_device", "tts_fallback", "qwen_tts_model", "qwen_tts_device",
        "tts_system_voice", "tts_sentence_max_chars", "tts_remote_model", "tts_remote_api_key"), "tts"),
    **dict.fromkeys(("vts_url", "lipsync_mode", "vts_idle_motion", "vts_face_found", "vts_idle_hz",
                      "vts_thread"), "vts"),
    **dict.fromkeys(("overlay_host", "overlay_port"), "overlay"),
    **dict.fromkeys((
        "chzzk_chat_echo", "chat_echo_mode", "chat_echo_min_interval_s", "chat_echo_burst", "idle_talk_seconds",
        "thanks_donation_levels", "thanks_subscription_levels", "thanks_auto_approve", "run_sheet_enabled"), "show"),
    **dict.fromkeys((
        "mic_mode", "stt_input_device", "stt_engine", "stt_base_url", "stt_api_key", "stt_model", "stt_language",
        "stt_timeout_s", "stt_vad_threshold", "stt_vad_hangover_ms", "stt_vad_min_ms", "stt_vad_preroll_ms",
        "stt_vad_max_s", "barge_in", "barge_in_duck_gain", "stt_local_model"), "mic"),
}
# Settings the running pipeline (or a panel) reads in place: no service is rebuilt.
IN_PLACE_FIELDS = frozenset({"approval_mode", "auto_approve_seconds", "max_pending_drafts", "batch_max_messages",
                             "reply_max_chars", "chat_panel_max"})
# Rebuild order: the voice before the avatar (its lip sync reads the voice's mouth level).
_REBUILD_ORDER = ("tts", "vts", "llm", "chat", "overlay", "show", "mic")
_AUTH_FIELDS = frozenset({"chzzk_client_id", "chzzk_client_secret", "chzzk_redirect_uri", "chzzk_access_token",
                          "chzzk_openapi_base"})


def services_for(changed: set[str] | list[str] | dict[str, object]) -> list[str]:
    """The services a change of these fields rebuilds, in rebuild order."""
    names = {FIELD_SERVICE[f] for f in changed if f in FIELD_SERVICE}
    return [n for n in _REBUILD_ORDER if n in names]


async def apply_settings(s: Services, settings: Settings, changed: set[str] | list[str] | dict[str, object]
                         ) -> list[str]:
    """Apply a settings change while the app runs: in-place fields go to the pipeline, each affected
    service is rebuilt once (the others stay the same objects). Returns the rebuilt service names."""
    changed = set(changed)
    s.settings = settings
    p = s.pipeline
    if changed & {"approval_mode", "auto_approve_seconds"}:
        p.set_approval_mode(settings.approval_mode, settings.auto_approve_seconds)
    p.batch_max = settings.batch_max_messages
    p.max_pending = settings.max_pending_drafts
    p.reply_max_chars = settings.reply_max_chars
    if changed & _AUTH_FIELDS:
        s.drop_login()  # the next login / chat source uses the new client
    names = services_for(changed)
    try:
        for name in names:
            await rebuild(s, name, settings)
    finally:
        s.bus.emit(EventKind.SETTINGS_APPLIED, changed=sorted(changed), rebuilt=names)
    return names


def all_reported(bus: EventBus, names: tuple[str, ...] = SERVICE_NAMES) -> bool:
    return all(n in bus.status and bus.status[n].settled for n in names)
