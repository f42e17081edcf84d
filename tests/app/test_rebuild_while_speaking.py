"""A live TTS rebuild in the middle of a reply (found by bench/rebuild_soak.py, issue 21): the old voice is
shut down under the speech, its synthesis task is cancelled, and the pipeline's speak loop used to take
that CancelledError for its own and end — the show went silent for good. The cut speech now ends as
cancelled and the next reply speaks with the new voice."""

from __future__ import annotations

import dataclasses

from aischoco_gui.compose import build_services, rebuild, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.models import Reply
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.recording import RecordingAvatar, ScriptedGenerator
from tests.doubles.tts_servers import AischocoTtsServer
from tests.wait import wait_until


async def test_a_voice_rebuilt_mid_reply_cuts_it_and_the_next_reply_speaks(home):
    tts = await AischocoTtsServer().start()
    try:
        settings = Settings(overlay_port=0, tts_engine="remote", tts_remote_url=tts.url, tts_fallback="",
                            tts_output_device="null", approval_mode="auto")
        bus = EventBus()
        ended: list[tuple[int, bool]] = []
        bus.subscribe(lambda ev: ev.kind is EventKind.PLAYBACK_END
                      and ended.append((ev.data["draft"].id, bool(ev.data.get("cancelled")))))
        s = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus, overrides={
            "generator": ScriptedGenerator(), "chat": None, "avatar": RecordingAvatar(bus), "overlay": None})
        await start_services(s)
        try:
            first = s.pipeline.add_reply(Reply(text="아주 긴 문장이에요. " * 6, emotion="happy"), [])
            await wait_until(lambda: s.pipeline.speaking is first and s.speaker.mouth_level() > 0, 10, "speaking")
            old = s.speaker
            await rebuild(s, "tts", dataclasses.replace(settings, tts_sentence_max_chars=150))
            assert s.speaker is not old
            await wait_until(lambda: s.pipeline.speaking is None, 5, "the cut reply ended")
            assert (first.id, True) in ended
            second = s.pipeline.add_reply(Reply(text="새 목소리예요.", emotion="happy"), [])
            await wait_until(lambda: (second.id, False) in ended, 10, "the next reply spoken by the new voice")
            assert any(t.get_name() == "pipeline:speak" for t in s.pipeline.tasks.tasks)
        finally:
            await stop_services(s)
    finally:
        await tts.stop()


async def test_a_reply_handed_to_a_voice_that_is_shutting_down_ends_at_once(home):
    """The speak loop may take the next reply while the old voice is being shut down (the rebuild swaps the
    pipeline's speaker only after the old one stopped): that reply ends as cut, it never waits for audio
    from an output that is closing (it used to wait forever: the show went silent)."""
    import asyncio

    from aischoco_gui.models import Draft

    tts = await AischocoTtsServer().start()
    try:
        settings = Settings(overlay_port=0, tts_engine="remote", tts_remote_url=tts.url, tts_fallback="",
                            tts_output_device="null")
        bus = EventBus()
        ended: list[bool] = []
        bus.subscribe(lambda ev: ev.kind is EventKind.PLAYBACK_END and ended.append(bool(ev.data.get("cancelled"))))
        s = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus, overrides={
            "generator": ScriptedGenerator(), "chat": None, "avatar": RecordingAvatar(bus), "overlay": None})
        await start_services(s)
        try:
            speaker = s.speaker
            shutting = asyncio.ensure_future(speaker.shutdown())
            await asyncio.sleep(0)  # the shutdown has begun and is waiting on its backend
            d = Draft(reply=Reply(text="닫히는 목소리에 온 대답이에요.", emotion="happy"), batch=[], turn=1)
            await asyncio.wait_for(speaker.speak(d), 5)
            assert ended == [True]
            await shutting
            fut = speaker.output.expect("after-close")
            assert fut.done() and fut.result() is None  # a closed output never leaves a marker pending
        finally:
            await stop_services(s)
    finally:
        await tts.stop()
