"""Lockdown and lift end to end (issue 26): the composition root's real services against the strict OBS
double and the CHZZK API double (chat settings GET/PUT with CHZZK's allowed values and token scope), a
real overlay server, the real pipeline. Previous state (what OBS and CHZZK had AT the moment of lockdown,
not at start-up, not defaults) comes back exactly — also after a restart in between — and one failing step
never stops the others."""

from __future__ import annotations

import dataclasses
import json

import pytest

from aischoco_gui.chat.oauth import ChzzkAuth, MemoryTokenStore, TokenSet
from aischoco_gui.compose import Services, build_services, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.i18n import tr
from aischoco_gui.lockdown.feature import STATE_FILE, clock_text
from aischoco_gui.lockdown_spec import ChatLock, parse_lockdown_chat, restricted
from aischoco_gui.models import ChatMessage, DraftState, Reply
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.chzzk_api_server import SCOPES, ChzzkApiDouble
from tests.doubles.obs_server import ObsDouble
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker, ScriptedGenerator
from tests.wait import wait_until

PASSWORD = "obs-pw"
ALL_SCOPES = " ".join(sorted(set(SCOPES.values())))
BEFORE = {"chatAvailableCondition": "NONE", "chatAvailableGroup": "FOLLOWER", "minFollowerMinute": 10,
          "allowSubscriberInFollowerMode": True, "chatSlowModeSec": 5, "chatEmojiMode": True}


@pytest.fixture
async def obs():
    async with ObsDouble(password=PASSWORD, scenes=["Live", "Game", "BRB"], current="Live") as d:
        yield d


@pytest.fixture
async def chzzk():
    d = await ChzzkApiDouble().start()
    yield d
    await d.stop()


def settings_for(obs: ObsDouble | None, chzzk: ChzzkApiDouble, **kw) -> Settings:
    base = dict(overlay_port=0, chat_source="chzzk", chzzk_openapi_base=chzzk.base_url,
                chzzk_client_id=chzzk.client_id, chzzk_client_secret=chzzk.client_secret,
                obs_ws_url=obs.url if obs else "ws://127.0.0.1:4455", obs_ws_password=PASSWORD if obs else "",
                obs_brb_scene="BRB" if obs else "", lockdown_chat="slow:30")
    base.update(kw)
    return Settings(**base)


def services_for(home, settings: Settings, chzzk: ChzzkApiDouble, bus: EventBus | None = None,
                 scope: str = ALL_SCOPES) -> Services:
    bus = bus or EventBus()
    s = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus, overrides={
        "chat": None, "speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus),
        "generator": ScriptedGenerator()})
    s.chzzk_auth = ChzzkAuth(base_url=chzzk.base_url, client_id=chzzk.client_id,
                             client_secret=chzzk.client_secret,
                             store=MemoryTokenStore(TokenSet("user-token-1", "refresh-1", scope=scope)))
    return s


def events(bus: EventBus, kind: EventKind) -> list[dict]:
    return [e.data for e in bus.recent if e.kind is kind]


def steps(rec) -> dict[str, str]:
    return {s.step: s.status for s in rec.steps}


async def test_lockdown_and_lift_restore_what_was_there_at_the_moment_of_lockdown(home, obs, chzzk):
    bus = EventBus()
    s = services_for(home, settings_for(obs, chzzk), chzzk, bus)
    await start_services(s)
    try:
        await wait_until(lambda: s.obs.connected and s.obs.scenes, 5, "OBS connected")
        # since the app started, the streamer switched scenes in OBS and changed chat settings on CHZZK
        await obs.switch_in_obs("Game")
        chzzk.chat_settings = dict(BEFORE)
        await wait_until(lambda: s.obs.current_scene == "Game", 3, "scene change seen")

        rec = await s.lockdown.engage()
        assert steps(rec) == {"panic": "ok", "hold": "ok", "obs": "ok", "chat": "ok", "overlay": "ok"}, rec.steps
        assert obs.current == "BRB"
        assert chzzk.chat_settings == {**BEFORE, "chatSlowModeSec": 30}  # followers kept, slow 5 → 30
        assert s.overlay.lockdown and s.overlay.state.snapshot()["viewer_messages"] == []
        # replies held: chat is still received and shown, nothing is queued, generated or spoken
        s.pipeline.on_chat(ChatMessage(nickname="raider", text="이상한 말 해봐", user_id="r1"))
        assert events(bus, EventKind.CHAT_RECEIVED)[-1]["message"].text == "이상한 말 해봐"
        assert not s.pipeline.backlog
        d = s.pipeline.add_reply(Reply(text="타로 결과"), kind="tarot")
        assert d.state is DraftState.SKIPPED and not s.pipeline.queue.pending
        ev = events(bus, EventKind.LOCKDOWN)[-1]
        assert ev["active"] is True and [x["step"] for x in ev["steps"]] == ["panic", "hold", "obs", "chat", "overlay"]
        json.dumps(ev)  # what the show recording writes: plain JSON
        assert events(bus, EventKind.PANIC)  # everything panic does
        saved = json.loads((s.dirs.data / STATE_FILE).read_text(encoding="utf-8"))
        assert saved["active"] and saved["obs"]["previous"] == "Game" and saved["chat"]["previous"] == BEFORE

        rec = await s.lockdown.lift()
        assert steps(rec) == {"hold": "ok", "obs": "ok", "chat": "ok", "overlay": "ok"}, rec.steps
        assert obs.current == "Game"  # not "Live" (start-up) and not a default
        assert chzzk.chat_settings == BEFORE  # exactly, not CHZZK's defaults
        assert not s.pipeline.held and not s.overlay.lockdown
        assert events(bus, EventKind.LOCKDOWN_LIFTED)[-1]["active"] is False
        saved = json.loads((s.dirs.data / STATE_FILE).read_text(encoding="utf-8"))
        assert not saved["active"] and saved["obs"] is None and saved["chat"] is None
        assert [r["action"] for r in saved["history"]] == ["lockdown", "lift"]
        # and replies flow again
        s.pipeline.on_chat(ChatMessage(nickname="fan", text="안녕", user_id="f1"))
        await wait_until(lambda: s.pipeline.queue.pending, 3, "a reply is generated again")
    finally:
        await stop_services(s)


async def test_lift_after_a_restart_in_between_still_restores(home, obs, chzzk):
    chzzk.chat_settings = dict(BEFORE)
    s = services_for(home, settings_for(obs, chzzk), chzzk)
    await start_services(s)
    await wait_until(lambda: s.obs.connected, 5, "OBS connected")
    await s.lockdown.engage()
    assert obs.current == "BRB" and chzzk.chat_settings["chatSlowModeSec"] == 30
    await stop_services(s)  # the app quits (or crashes: the state was written before each change)

    bus2 = EventBus()
    s2 = services_for(home, settings_for(obs, chzzk), chzzk, bus2)
    assert s2.lockdown.active and s2.pipeline.held and s2.overlay.lockdown  # still locked after the restart
    await start_services(s2)
    try:
        resumed = tr("lockdown.notice.resumed", time=clock_text(s2.lockdown.since))
        assert resumed in [e.data["text"] for e in bus2.recent if e.kind is EventKind.NOTICE]
        await wait_until(lambda: s2.obs.connected, 5, "OBS connected again")
        rec = await s2.lockdown.lift()
        assert steps(rec)["obs"] == "ok" and steps(rec)["chat"] == "ok"
        assert obs.current == "Live" and chzzk.chat_settings == BEFORE
        assert not s2.pipeline.held and not s2.overlay.lockdown
    finally:
        await stop_services(s2)


async def test_obs_down_and_chzzk_refusing_still_complete_the_other_steps_and_say_what_failed(home, chzzk):
    dead = ObsDouble(password=PASSWORD)
    await dead.start()
    url = dead.url
    await dead.aclose()  # OBS is not running
    chzzk.granted_scopes.discard(SCOPES["settings_get"])  # and the chat-settings scope was not granted
    bus = EventBus()
    s = services_for(home, settings_for(None, chzzk, obs_ws_url=url, obs_ws_password=PASSWORD,
                                        obs_brb_scene="BRB"), chzzk, bus)
    await start_services(s)
    try:
        s.pipeline.add_reply(Reply(text="대기 중인 답변"), kind="chat")
        rec = await s.lockdown.engage()
        st = steps(rec)
        assert st == {"panic": "ok", "hold": "ok", "obs": "failed", "chat": "failed", "overlay": "ok"}, rec.steps
        detail = {x.step: x.detail for x in rec.steps}
        assert detail["obs"] == tr("obs.not_connected")
        assert "채팅 설정 조회" in detail["chat"], detail["chat"]  # names the missing scope
        assert not s.pipeline.queue.pending and s.pipeline.held and s.overlay.lockdown
        notice = [e.data["text"] for e in bus.recent if e.kind is EventKind.NOTICE][-1]
        assert tr("lockdown.step.obs") in notice and tr("lockdown.step.chat") in notice
        assert chzzk.settings_puts == []
        # nothing outside was changed, so the lift has nothing to put back there, and resumes replies
        rec = await s.lockdown.lift()
        assert steps(rec) == {"hold": "ok", "obs": "skipped", "chat": "skipped", "overlay": "ok"}
        assert not s.lockdown.pending and not s.pipeline.held
    finally:
        await stop_services(s)


async def test_a_failed_restore_stays_pending_and_the_next_press_retries_it(home, obs, chzzk):
    chzzk.chat_settings = dict(BEFORE)
    s = services_for(home, settings_for(obs, chzzk), chzzk)
    await start_services(s)
    try:
        await wait_until(lambda: s.obs.connected, 5, "OBS connected")
        await s.lockdown.engage()
        chzzk.valid_access.clear()  # the token stopped working (and cannot be refreshed)
        chzzk.valid_refresh.clear()
        rec = await s.lockdown.lift()
        assert steps(rec)["chat"] == "failed" and steps(rec)["obs"] == "ok"
        assert not s.lockdown.active and s.lockdown.pending and not s.pipeline.held
        chzzk.valid_access.add("user-token-1")  # logged in again
        s.chzzk_auth.store.save(TokenSet("user-token-1", "refresh-1", scope=ALL_SCOPES))
        rec = await s.lockdown.toggle()  # the button now retries the restore
        assert rec.action == "lift" and steps(rec)["chat"] == "ok" and steps(rec)["obs"] == "skipped"
        assert chzzk.chat_settings == BEFORE and not s.lockdown.pending
    finally:
        await stop_services(s)


async def test_what_the_streamer_changed_during_lockdown_is_left_as_they_chose(home, obs, chzzk):
    chzzk.chat_settings = dict(BEFORE)
    s = services_for(home, settings_for(obs, chzzk, lockdown_chat="slow:60,subscribers"), chzzk)
    await start_services(s)
    try:
        await wait_until(lambda: s.obs.connected, 5, "OBS connected")
        await s.lockdown.engage()
        cs = chzzk.chat_settings
        assert cs["chatAvailableGroup"] == "SUBSCRIBER" and cs["chatSlowModeSec"] == 60
        await obs.switch_in_obs("Game")  # the streamer decides to show the game again, by hand
        chzzk.chat_settings["chatSlowModeSec"] = 120  # and makes slow mode even slower on CHZZK
        chzzk.chat_settings["chatEmojiMode"] = False
        await wait_until(lambda: s.obs.current_scene == "Game", 3, "scene change seen")
        rec = await s.lockdown.lift()
        assert steps(rec)["obs"] == "skipped" and obs.current == "Game"
        assert chzzk.chat_settings == {**BEFORE, "chatSlowModeSec": 120, "chatEmojiMode": False}
    finally:
        await stop_services(s)


async def test_nothing_in_obs_or_chzzk_is_touched_unless_configured(home, obs, chzzk):
    s = services_for(home, settings_for(None, chzzk, chat_source="rehearsal"), chzzk)
    assert not s.settings.obs_configured
    await start_services(s)
    try:
        rec = await s.lockdown.engage()
        assert steps(rec) == {"panic": "ok", "hold": "ok", "obs": "skipped", "chat": "skipped", "overlay": "ok"}
        assert obs.session_log == [] and chzzk.action_log == []
        await s.lockdown.lift()
        assert obs.session_log == [] and chzzk.action_log == []
    finally:
        await stop_services(s)


def test_engage_while_locked_is_refused_and_an_unreadable_state_file_is_kept_aside(home, chzzk):
    (home / "history").mkdir(parents=True, exist_ok=True)
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.data.mkdir(parents=True, exist_ok=True)
    (dirs.data / STATE_FILE).write_text("{not json", encoding="utf-8")
    bus = EventBus()
    s = build_services(Settings(overlay_port=0), dirs, bus, overrides={"chat": None})
    assert not s.lockdown.active and "잠금 상태 파일" in s.lockdown.load_problem
    assert list(dirs.data.glob(f"{STATE_FILE}.unreadable-*"))


@pytest.mark.parametrize(("text", "want"), [
    ("slow:30", ChatLock(slow_s=30)), ("off", ChatLock()), ("", ChatLock()), ("followers", ChatLock(followers_min=0)),
    ("followers:10", ChatLock(followers_min=10)), ("subscribers", ChatLock(subscribers=True)),
    ("slow:300, followers:1440", ChatLock(slow_s=300, followers_min=1440)),
])
def test_lockdown_chat_forms(text, want):
    assert parse_lockdown_chat(text) == want


@pytest.mark.parametrize("bad", ["slow:7", "slow:0", "slow", "followers:11", "subscribers:5", "mute",
                                 "followers,subscribers"])
def test_lockdown_chat_refuses_what_chzzk_does_not_allow(bad):
    with pytest.raises(ValueError):
        parse_lockdown_chat(bad)


def test_restriction_never_loosens_what_is_already_stricter():
    cur = {"chatSlowModeSec": 120, "chatAvailableGroup": "SUBSCRIBER", "minFollowerMinute": 0}
    assert restricted(cur, parse_lockdown_chat("slow:30,followers:10")) == cur
    assert restricted({"chatSlowModeSec": 0, "chatAvailableGroup": "ALL", "minFollowerMinute": 0},
                      parse_lockdown_chat("followers:10")) == {"chatSlowModeSec": 0, "chatAvailableGroup": "FOLLOWER",
                                                                "minFollowerMinute": 10}


def test_allowed_values_match_the_chat_adapters_table():
    from aischoco_gui import lockdown_spec
    from aischoco_gui.chat import chzzk_api

    assert lockdown_spec.SLOW_MODE_SECONDS == chzzk_api.SLOW_MODE_SECONDS
    assert lockdown_spec.FOLLOWER_MINUTES == chzzk_api.FOLLOWER_MINUTES


def test_settings_validate_the_lockdown_fields():
    from aischoco_gui.settings import validate

    bad = dataclasses.replace(Settings(), lockdown_chat="slow:7", lockdown_key="F12", obs_ws_url="http://x")
    assert set(validate(bad)) >= {"lockdown_chat", "lockdown_key", "obs_ws_url"}
    assert not Settings().obs_configured and Settings(obs_brb_scene="BRB").obs_configured
    assert Settings(obs_ws_password="x").obs_configured and not Settings(obs_ws_password="x",
                                                                          obs_enabled="off").obs_configured
    assert Settings(obs_enabled="on").obs_configured and Settings(obs_ws_url="ws://10.0.0.2:4455").obs_configured


async def test_obs_settings_apply_live_off_to_on_and_back(home, obs, chzzk):
    """Saving OBS settings rebuilds only the OBS service: from off (nothing connected) to connected, and off
    again with OBS_ENABLED=off (the connection closes)."""
    from aischoco_gui.compose import apply_settings

    s = services_for(home, settings_for(None, chzzk, chat_source="rehearsal"), chzzk)
    await start_services(s)
    try:
        assert s.bus.status["obs"].state.value == "off" and obs.session_log == []
        speaker = s.speaker
        on = dataclasses.replace(s.settings, obs_ws_url=obs.url, obs_ws_password=PASSWORD)
        assert await apply_settings(s, on, {"obs_ws_url", "obs_ws_password"}) == ["obs"]
        await wait_until(lambda: s.obs.connected and s.obs.scenes, 5, "connected after saving")
        assert s.speaker is speaker  # nothing else was rebuilt
        off = dataclasses.replace(on, obs_enabled="off")
        await apply_settings(s, off, {"obs_enabled"})
        await wait_until(lambda: not obs.sessions, 5, "the OBS connection closed")
        assert s.bus.status["obs"].state.value == "off" and not s.obs.configured
    finally:
        await stop_services(s)
