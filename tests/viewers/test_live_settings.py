"""VIEWER_MEMORY, VIEWER_CARD_TOKENS and VIEWER_FACTS_AUTO_ACCEPT while the app runs (compose.apply_settings):
off flushes and closes the file and nothing more is counted; on opens it again with everything kept; the
card budget and auto-accept apply in place to the running memory."""

from __future__ import annotations

import dataclasses

from aischoco_gui import compose
from aischoco_gui.events import EventBus
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings, load_settings
from aischoco_gui.viewers.store import VIEWERS_FILE, ViewerStore
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.viewers.helpers import chat
from tests.wait import wait_until


async def test_memory_switches_off_and_on_live(home):
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    bus = EventBus()
    settings = Settings()
    s = compose.build_services(settings, dirs, bus, overrides={"speaker": RecordingSpeaker(bus),
                                                               "avatar": RecordingAvatar(bus), "overlay": None})
    await compose.start_services(s)
    try:
        first = s.viewers
        assert first is not None and s.pipeline.viewers is first and await first.wait_ready()
        s.pipeline.on_chat(chat("켜져 있을 때", sender="v1"))
        off = dataclasses.replace(settings, viewer_memory="off")
        assert await compose.apply_settings(s, off, {"viewer_memory"}) == ["viewers"]
        assert s.viewers is None and s.pipeline.viewers is None
        st = ViewerStore.open_existing(dirs.history / VIEWERS_FILE)
        assert st.get("chzzk:v1").messages == 1  # flushed when it stopped
        s.pipeline.on_chat(chat("꺼져 있을 때", sender="v1"))  # not counted, nothing breaks
        on = dataclasses.replace(off, viewer_memory="on", viewer_card_tokens=300, viewer_facts_auto_accept=True)
        await compose.apply_settings(s, on, {"viewer_memory", "viewer_card_tokens", "viewer_facts_auto_accept"})
        assert s.viewers is not None and s.viewers is not first and s.pipeline.viewers is s.viewers
        assert s.viewers.config.card_tokens == 300 and s.viewers.config.auto_accept
        assert await s.viewers.wait_ready() and s.viewers.card("chzzk:v1").messages == 1
        later = dataclasses.replace(on, viewer_card_tokens=80)
        same = s.viewers
        assert await compose.apply_settings(s, later, {"viewer_card_tokens"}) == []  # in place, no rebuild
        assert s.viewers is same and same.config.card_tokens == 80
        s.pipeline.on_chat(chat("다시 켜짐", sender="v1"))
        await wait_until(lambda: st.get("chzzk:v1").messages == 2, 5, "counted again")
        st.close()
    finally:
        await compose.stop_services(s)


def test_the_settings_are_validated(home):
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    s = load_settings(dirs, env={"VIEWER_MEMORY": "off", "VIEWER_CARD_TOKENS": "200",
                                 "VIEWER_FACTS_AUTO_ACCEPT": "true"}, use_keyring=False)
    assert (s.viewer_memory, s.viewer_card_tokens, s.viewer_facts_auto_accept) == ("off", 200, True)
    assert compose.build_services(s, dirs, EventBus()).viewers is None
    from aischoco_gui.settings import SettingsError

    try:
        load_settings(dirs, env={"VIEWER_MEMORY": "maybe", "VIEWER_CARD_TOKENS": "5"}, use_keyring=False)
    except SettingsError as e:
        assert set(e.problems) == {"viewer_memory", "viewer_card_tokens"}
        assert "30 and 1000" in e.problems["viewer_card_tokens"]
        assert e.settings.viewer_memory == "on" and e.settings.viewer_card_tokens == 120  # each falls back alone
    else:
        raise AssertionError("bad values were accepted")
