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
from aischoco_gui.chat.chzzk_api import ChatSettings, ChzzkApi
from aischoco_gui.chat.factory import make_chat_filter, make_chat_source
from aischoco_gui.chat.filters import ChatFilter
from aischoco_gui.chat.oauth import ChzzkAuth, auth_from_settings
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.i18n import register, tr
from aischoco_gui.llm import prompt as llm_prompt
from aischoco_gui.llm.factory import make_reply_generator
from aischoco_gui.lockdown.feature import Lockdown
from aischoco_gui.models import ChatMessage, Draft, Reply
from aischoco_gui.obs.factory import make_obs
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
    ObsControl,
    OverlayService,
    ReplyGenerator,
    Service,
    Speaker,
)
from aischoco_gui.record.format import public_settings
from aischoco_gui.record.recorder import ShowRecorder
from aischoco_gui.service_config import (
    chat_config,
    llm_config,
    obs_config,
    overlay_config,
    record_config,
    tts_config,
    viewers_config,
    vts_config,
)
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
from aischoco_gui.user_text import UserFacingError, detail_of, explain
from aischoco_gui.viewers.memory import ViewerMemory
from aischoco_gui.viewers.store import VIEWERS_FILE
from aischoco_gui.vts.factory import make_avatar
from aischoco_gui.vts.noavatar import NoAvatar
from aischoco_gui.wordfilter import WordFilter, configure_word_filter, make_word_filter

log = logging.getLogger(__name__)

SERVICE_NAMES = ("chat", "llm", "tts", "vts", "overlay")
# the show tools (no status of their own), the microphone (status "stt"), OBS (status "obs", off unless
# configured), the show recorder and viewer memory can be rebuilt too
REBUILDABLE = (*SERVICE_NAMES, "show", "mic", "obs", "record", "viewers")
T = TypeVar("T")


class Overrides(TypedDict, total=False):
    """Stages a test or a benchmark supplies instead of building them (``overlay: None`` = no overlay)."""

    chat_filter: ChatFilter
    chat: ChatSource | None
    generator: ReplyGenerator
    speaker: Speaker
    avatar: AvatarDriver
    overlay: OverlayService | None


register({
    "compose.failed_to_start": ("시작하지 못했어요. {why}", "failed to start. {why}"),
    "compose.failed_to_build": ("{service}을(를) 시작하지 못해 대신 없이 진행해요. {why}",
                                "{service} could not be started; going on without it. {why}"),
})


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

    def commit(self, batch: list[ChatMessage], spoken_text: str | None, emotion: str | None = None) -> None:
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
    obs: ObsControl | None = None  # OBS Studio over obs-websocket (connects only when configured)
    lockdown: Lockdown | None = None  # 잠금: panic + hold + OBS BRB + chat restriction + overlay, and the lift
    recorder: ShowRecorder | None = None  # every event of the show to history/shows/ (SHOW_RECORD)
    viewers: ViewerMemory | None = None  # per-viewer memory cards (None while VIEWER_MEMORY=off)
    latency_history: LatencyHistory = dataclasses.field(default_factory=LatencyHistory)
    # the one banned-word filter (chat, replies, overlay, chat echo, notices); changed in place, never rebuilt
    word_filter: WordFilter = dataclasses.field(default_factory=WordFilter)
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
            raise UserFacingError(describe_api_error("send_chat", e)) from e

    def overlay_alert(self):  # noqa: ANN201 (a bound push_alert or None)
        return getattr(self.overlay, "push_alert", None) if self.overlay is not None else None

    def lifecycle(self) -> list[Service]:
        """Services with start/stop, in start order (chat is started by the pipeline). Viewer memory starts first
        and stops last, after the pipeline, so every counted message is written; the recorder starts right after
        the LLM (its header carries the loaded memory) and stops after everything but the LLM and viewer memory."""
        return [s for s in (self.viewers, self.generator, self.recorder, self.speaker, self.avatar, self.overlay,
                            self.mic, self.obs)
                if s is not None]


def _guard(bus: EventBus, status: str, make: Callable[[], T], fallback: Callable[[], T]) -> T:
    """``make()``; if the adapter cannot be built, report why on the bus and use the fallback."""
    try:
        return make()
    except Exception as e:  # a broken optional stage must not stop the show
        log.exception("could not build %s", status)
        bus.set_status(status, ServiceState.ERROR, tr("compose.failed_to_start", why=explain(e)), error=detail_of(e))
        bus.notice(tr("compose.failed_to_build", service=tr(f"service.{status}"), why=explain(e)), level="error",
                   detail=detail_of(e))
        return fallback()


# -- one builder per service (build_services and rebuild both use them) --------------------------
def _generator(settings: Settings, dirs: UserDirs, bus: EventBus, words: WordFilter) -> ReplyGenerator:
    return _guard(bus, "llm", lambda: make_reply_generator(llm_config(settings), bus, dirs.config, dirs.history,
                                                           words), NoGenerator)


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
             tarot: TarotFeature | None, words: WordFilter) -> OverlayService | None:
    def set_ignore(v: bool) -> None:
        chat_filter.ignore_streamer = v

    return _guard(bus, "overlay", lambda: make_overlay(
        overlay_config(settings), bus, dirs.config, get_ignore_streamer=lambda: chat_filter.ignore_streamer,
        set_ignore_streamer=set_ignore, features=[tarot] if tarot is not None else [],
        screen=words.mask), lambda: None)


def _viewers(settings: Settings, dirs: UserDirs, bus: EventBus) -> ViewerMemory | None:
    """Viewer memory in ``history/viewers.sqlite3`` (None while ``VIEWER_MEMORY=off``: nothing is read or written)."""
    if settings.viewer_memory != "on":
        return None
    return _guard(bus, "viewers", lambda: ViewerMemory(dirs.history / VIEWERS_FILE, bus, viewers_config(settings)),
                  lambda: None)


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
    def submit(text: str, emotion: str, kind: str, source: list | None = None, by: str = ""):  # noqa: ANN202
        if by:  # written without the LLM (a template): say so, never "the LLM in 0.00 s"
            return pipeline.add_reply(Reply(text=text, emotion=emotion, provider=by), source, kind=kind)
        client = getattr(pipeline.generator, "client", None)  # the LLM the show tools' line came from
        ep = next(iter(getattr(client, "configured_endpoints", None) or []), None)
        reply = Reply(text=text, emotion=emotion, provider=getattr(ep, "name", ""), model=getattr(ep, "model", ""))
        return pipeline.add_reply(reply, source, kind=kind)

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

    def approve(d: Draft) -> None:  # THANKS_AUTO_APPROVE: approved by the rule, not a person (recorded as auto)
        if waiting(d):
            pipeline.approve(d.id, auto=True)

    echo = settings.chzzk_chat_echo == "on" and settings.effective_chat_source == "chzzk"
    return _guard(bus, "show", lambda: ShowTools(
        settings, bus, dirs.config, generate=_line_generator(pipeline), submit=submit,
        prioritize=prioritize, approve=approve,
        draft_pending=draft_pending, speaking=lambda: pipeline.speaking is not None, summary=summary,
        send_chat=(lambda text: services().send_chat(text)) if echo else None,
        alert=lambda: services().overlay_alert(), screen=lambda text: services().word_filter.mask(text)), lambda: None)


def _recorder(settings: Settings, dirs: UserDirs, bus: EventBus, services: Callable[[], Services]) -> ShowRecorder:
    """The show recorder. ``services`` is looked up when it runs: the secrets to keep out of every line (the
    settings' and the CHZZK login's current tokens) and the header (settings without secrets, persona, memory)."""
    def secrets() -> list[str]:
        s = services()
        values = list(s.settings.secrets())
        tokens = s.chzzk_auth.tokens if s.chzzk_auth is not None else None
        if tokens is not None:
            values += [tokens.access_token, tokens.refresh_token]
        return values

    def snapshot() -> dict:
        s = services()
        values, secret = public_settings(s.settings)
        gen = s.generator
        memory = getattr(gen, "memory", None)
        return {"settings": values, "secrets_set": secret, "persona": str(getattr(gen, "persona", "") or ""),
                "emotions": list(getattr(gen, "emotions", ()) or ()),
                "memory": {"summary": memory.summary, "turns": [[t.role, t.content] for t in memory.turns]}
                if memory is not None else {}}

    return ShowRecorder(bus, record_config(settings, dirs.history), secrets=secrets, snapshot=snapshot)


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


def _obs(settings: Settings, bus: EventBus) -> ObsControl | None:
    return _guard(bus, "obs", lambda: make_obs(obs_config(settings), bus), lambda: None)


class ChzzkChatSettings:
    """Lockdown's access to CHZZK's chat settings (the API's own form) through the shared action client;
    a refusal becomes the streamer's text (``describe_api_error``: 401 log in again, 403 names the scope)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def read(self) -> dict:
        try:
            return (await self.services.api().get_chat_settings()).to_api()
        except Exception as e:
            raise RuntimeError(describe_api_error("get_chat_settings", e)) from e

    async def write(self, settings: dict) -> None:
        try:
            await self.services.api().update_chat_settings(ChatSettings.from_api(settings))
        except Exception as e:
            raise RuntimeError(describe_api_error("update_chat_settings", e)) from e


def _lockdown(dirs: UserDirs, bus: EventBus, services: Callable[[], Services]) -> Lockdown:
    """Lockdown looks every stage up when it acts (a rebuilt OBS, overlay or pipeline stage is the one used)."""
    def set_overlay(on: bool) -> bool:
        switch = getattr(services().overlay, "set_lockdown", None)
        if switch is None:
            return False
        switch(on)
        return True

    return Lockdown(bus, dirs.data, panic=lambda: services().pipeline.panic(),
                    set_hold=lambda on: services().pipeline.set_hold(on), obs=lambda: services().obs,
                    chat=lambda: ChzzkChatSettings(services()) if services().can_moderate else None,
                    set_overlay=set_overlay, chat_lock=lambda: services().settings.lockdown_chat)


def build_services(settings: Settings, dirs: UserDirs, bus: EventBus | None = None,
                   overrides: Overrides | None = None) -> Services:
    """Create every service (not started), in dependency order. ``overrides`` supplies a stage instead."""
    o: Overrides = overrides or {}
    bus = bus or EventBus()
    installed = install_defaults(dirs)
    auth = auth_from_settings(settings) if settings.effective_chat_source == "chzzk" else None
    if "chat_filter" in o:  # a supplied chat filter's word filter becomes the app's one
        chat_filter = o["chat_filter"]
        words = configure_word_filter(chat_filter.words, settings.llm_banned_words, settings.word_filter_allow,
                                      settings.word_filter_leet, dirs.config)
    else:
        words = make_word_filter(settings.llm_banned_words, settings.word_filter_allow, settings.word_filter_leet,
                                 dirs.config)
        chat_filter = _guard(bus, "chat", lambda: make_chat_filter(dirs.config, words),
                             lambda: ChatFilter(words=words))
    generator = o["generator"] if "generator" in o else _generator(settings, dirs, bus, words)
    speaker = o["speaker"] if "speaker" in o else _speaker(settings, dirs, bus)
    avatar = o["avatar"] if "avatar" in o else _avatar(settings, dirs, bus, speaker)
    chat = o["chat"] if "chat" in o else _chat(settings, bus, lambda: auth or auth_from_settings(settings))
    queue = ApprovalQueue(settings.approval_mode, settings.auto_approve_seconds)
    viewers = _viewers(settings, dirs, bus)
    pipeline = Pipeline(bus, queue, chat_filter, generator, speaker, avatar, chat,
                        batch_max=settings.batch_max_messages, max_pending=settings.max_pending_drafts,
                        reply_max_chars=settings.reply_max_chars, viewers=viewers)
    tarot = None
    if settings.tarot_enabled:  # readings go straight to the pipeline's gate (approval, then speech)
        tarot = TarotFeature(bus, llm_interpret(lambda: getattr(pipeline.generator, "client", None)),
                             pipeline.add_reply)
        pipeline.add_interceptor(tarot.handle)
    overlay = o["overlay"] if "overlay" in o else _overlay(settings, dirs, bus, chat_filter, tarot, words)
    services: Services | None = None
    show = _show(settings, dirs, bus, pipeline, lambda: services)  # the lambda is called only when running
    if show is not None:  # donations and subscriptions go to the priority lane before batching
        pipeline.add_interceptor(show.intercept)
    turns = _mic_turns(settings, bus, pipeline, lambda: services.speaker, lambda: services.mic)
    services = Services(settings=settings, dirs=dirs, bus=bus, chat_filter=chat_filter, generator=generator,
                        speaker=speaker, avatar=avatar, pipeline=pipeline, chat=chat, overlay=overlay, tarot=tarot,
                        chzzk_auth=auth, show=show, installed_defaults=installed, mic_turns=turns,
                        mic=_mic(settings, dirs, bus, turns), obs=_obs(settings, bus), word_filter=words,
                        recorder=_recorder(settings, dirs, bus, lambda: services), viewers=viewers)
    services.lockdown = _lockdown(dirs, bus, lambda: services)
    services.lockdown.reapply()  # locked down when the app last stopped: hold replies, hide the overlay again
    return services


async def start_services(s: Services) -> None:
    """Start every service; one failing to start is reported and the others still start."""
    for svc in s.lifecycle():
        await _start(s.bus, svc)
    try:
        await s.pipeline.start()
    except Exception as e:
        log.exception("pipeline failed to start")
        s.bus.set_status("chat", ServiceState.ERROR, tr("compose.failed_to_start", why=explain(e)),
                         error=detail_of(e))
    if s.show is not None:
        await _start(s.bus, s.show)
    if s.lockdown is not None:
        s.lockdown.resume_notice()
    if s.word_filter is not None:  # compiled now, not inside the first chat's way to the LLM request
        try:
            s.word_filter.warm()
        except Exception:
            log.exception("word filter failed to compile")


async def _start(bus: EventBus, svc: Service) -> None:
    try:
        await svc.start()
    except Exception as e:
        name = getattr(svc, "name", type(svc).__name__)
        log.exception("%s failed to start", name)
        bus.set_status(name, ServiceState.ERROR, tr("compose.failed_to_start", why=explain(e)), error=detail_of(e))


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
    """Stop, replace and start ONE service (``chat``, ``llm``, ``tts``, ``vts``, ``overlay``, ``show``, ``mic``,
    ``obs``, ``record`` or ``viewers``) with new settings while the others keep running. The pipeline is told
    about its new stage.

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
    if name == "record":  # the same recorder takes the new config: off closes the file, on starts a new one
        if s.recorder is not None:
            await s.recorder.apply(record_config(settings, s.dirs.history))
        return
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
    if name == "viewers":  # VIEWER_MEMORY on/off: the old writer flushes and stops, then the new one opens
        await _stop(s, s.viewers)
        s.viewers = s.pipeline.viewers = _viewers(settings, s.dirs, s.bus)
        if s.viewers is not None:
            await _start(s.bus, s.viewers)
        return
    if name == "chat":
        if s.chzzk_api is not None:  # the action client follows the new base URL / credentials
            await s.chzzk_api.aclose()
            s.chzzk_api = None
        s.chat = _chat(settings, s.bus, s.auth)
        await s.pipeline.replace_chat_source(s.chat)
    elif name == "llm":
        await _stop(s, s.generator)
        s.generator = s.pipeline.generator = _generator(settings, s.dirs, s.bus, s.word_filter)
        await _start(s.bus, s.generator)
        s.pipeline.retry_now()  # chat waiting out the old generator's failures is answered now
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
        s.overlay = _overlay(settings, s.dirs, s.bus, s.chat_filter, s.tarot, s.word_filter)
        if s.lockdown is not None:
            s.lockdown.reapply()  # a new overlay during lockdown starts hidden
        if s.overlay is not None:
            await _start(s.bus, s.overlay)
    elif name == "obs":  # address, password, BRB scene or the switch changed: a new connection (or none)
        await _stop(s, s.obs)
        s.obs = _obs(settings, s.bus)
        if s.obs is not None:
            await _start(s.bus, s.obs)
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
    **dict.fromkeys(("obs_enabled", "obs_ws_url", "obs_ws_password", "obs_brb_scene"), "obs"),
    **dict.fromkeys(("show_record", "show_record_rotate_mb", "show_record_keep_days"), "record"),
    "viewer_memory": "viewers",
}
# Settings the running pipeline (or a panel) reads in place: no service is rebuilt.
IN_PLACE_FIELDS = frozenset({"approval_mode", "auto_approve_seconds", "max_pending_drafts", "batch_max_messages",
                             "reply_max_chars", "chat_panel_max", "lockdown_chat", "word_filter_allow",
                             "word_filter_leet", "viewer_card_tokens", "viewer_facts_auto_accept",
                             "ui_theme"})  # the window restyles itself (settings_applied)
# Settings of the shared word filter (applied in place; LLM_BANNED_WORDS also rebuilds the LLM, as before).
WORD_FILTER_FIELDS = frozenset({"llm_banned_words", "word_filter_allow", "word_filter_leet"})
# Rebuild order: the voice before the avatar (its lip sync reads the voice's mouth level).
_REBUILD_ORDER = ("record", "tts", "vts", "llm", "chat", "overlay", "show", "mic", "obs", "viewers")
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
    if s.viewers is not None:
        cfg = viewers_config(settings)
        s.viewers.configure(card_tokens=cfg.card_tokens, auto_accept=cfg.auto_accept)
    if changed & _AUTH_FIELDS:
        s.drop_login()  # the next login / chat source uses the new client
    if changed & WORD_FILTER_FIELDS:  # one shared filter, changed in place: chat, replies, overlay, echo, notices
        configure_word_filter(s.word_filter, settings.llm_banned_words, settings.word_filter_allow,
                              settings.word_filter_leet, s.dirs.config)
    names = services_for(changed)
    # for the recording (before the rebuilds, values with secrets masked) …
    s.bus.emit(EventKind.SETTINGS_CHANGED, changed={f: _public_value(settings, f) for f in sorted(changed)},
               services=names)
    try:
        for name in names:
            await rebuild(s, name, settings)
    finally:  # … and for the GUI, once every rebuild is done (the "applied now" notice, re-reads)
        s.bus.emit(EventKind.SETTINGS_APPLIED, changed=sorted(changed), rebuilt=names)
    return names


def _public_value(settings: Settings, name: str) -> object:
    """A setting's value for events and recordings: a secret is only said to be set or not."""
    f = next((f for f in dataclasses.fields(settings) if f.name == name), None)
    if f is None:
        return None
    v = getattr(settings, name)
    return ("***" if v else "") if f.metadata.get("secret") else v


def all_reported(bus: EventBus, names: tuple[str, ...] = SERVICE_NAMES) -> bool:
    return all(n in bus.status and bus.status[n].settled for n in names)
