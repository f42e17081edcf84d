"""Reply panel: the speaking label clears on every end of speech; a long edited draft is split for TTS."""

from __future__ import annotations

import dataclasses

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.i18n import tr
from aischoco_gui.models import Reply
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from aischoco_gui.text import cap_sentences
from aischoco_gui.tts.engines.fake import FakeEngine
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.doubles.tts_servers import AischocoTtsServer
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until


def _window(qtbot, home, settings: Settings, real_speaker: bool = False, **overrides):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    bus = EventBus()
    stages = {"avatar": RecordingAvatar(bus), "overlay": None, **overrides}
    if not real_speaker:
        stages["speaker"] = RecordingSpeaker(bus, seconds=30.0)
    services = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus, overrides=stages)
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    return services, win, bridge


def _speaking(panel) -> bool:
    return panel.speaking.text() != tr("reply.idle")


def test_speaking_label_clears_on_end_skip_and_panic(qtbot, qloop, home):  # noqa: F811
    async def scenario() -> None:
        services, win, bridge = _window(qtbot, home, Settings(overlay_port=0))
        panel, p, spk = win.panels["replies"], services.pipeline, services.speaker
        await start_services(services)
        try:
            # 1. speech ends by itself
            spk.seconds = 0.05
            d = p.add_reply(Reply(text="첫 번째 답이에요.", emotion="happy"), [])
            p.approve(d.id)
            await wait_until(lambda: spk.spoken, 5, "speech started")
            await wait_until(lambda: not _speaking(panel) and p.speaking is None, 5, "label cleared after the end")

            # 2. skipped while speaking (the speaker stops: playback ends cancelled)
            spk.seconds = 30.0
            d = p.add_reply(Reply(text="두 번째 답이에요.", emotion="happy"), [])
            p.approve(d.id)
            await wait_until(lambda: _speaking(panel) and "두 번째" in panel.speaking.text(), 5, "speaking 2")
            await spk.stop()
            await wait_until(lambda: not _speaking(panel), 5, "label cleared after the skip")

            # 3. panic while speaking
            d = p.add_reply(Reply(text="세 번째 답이에요.", emotion="happy"), [])
            p.approve(d.id)
            await wait_until(lambda: _speaking(panel) and "세 번째" in panel.speaking.text(), 5, "speaking 3")
            panicked = []
            bridge.panic.connect(lambda: panicked.append(True))
            win.panic_requested.emit()
            await wait_until(lambda: panicked, 5, "panic done")
            assert not _speaking(panel)
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())


def test_speaking_label_clears_when_playback_end_comes_first(qtbot, qloop, home):  # noqa: F811
    """The speaker reports the end before the pipeline lets the draft go: the label must clear anyway
    (it stayed on "말하는 중" because the pipeline still named the draft at that moment)."""
    services, win, bridge = _window(qtbot, home, Settings(overlay_port=0))
    panel = win.panels["replies"]
    d = services.pipeline.add_reply(Reply(text="끝나는 순서 확인.", emotion="happy"), [])
    services.pipeline._speaking = d  # the speak loop still holds the draft while PLAYBACK_END is emitted
    services.bus.emit(EventKind.SPEECH_STARTED, draft=d)
    assert _speaking(panel)
    services.bus.emit(EventKind.PLAYBACK_END, draft=d, cancelled=False)
    assert not _speaking(panel)
    bridge.close()


def test_cap_sentences_splits_at_commas_and_spaces():
    long = "가나다라 " * 60  # 300 chars, no sentence end
    pieces = cap_sentences([long], 100)
    assert all(len(p) <= 100 for p in pieces) and "".join(pieces).replace(" ", "") == long.replace(" ", "")
    assert cap_sentences(["하나, 둘, 셋, 넷, 다섯, 여섯"], 12) == ["하나, 둘, 셋, 넷,", "다섯, 여섯"]
    assert cap_sentences(["짧아요."], 100) == ["짧아요."]


def test_long_edited_draft_is_split_not_answered_413(qtbot, qloop, home):  # noqa: F811
    """An edit longer than the TTS server's limit is spoken in pieces (before: one request, 413, silence)."""

    async def scenario() -> None:
        # short test audio (3 ms a character): the point is the request sizes, not the sound
        srv = await AischocoTtsServer(FakeEngine(sample_rate=24000, seconds_per_char=0.003), max_chars=120).start()
        try:
            settings = dataclasses.replace(Settings(), overlay_port=0, tts_engine="remote", tts_remote_url=srv.url,
                                           tts_fallback="", tts_output_device="null", tts_sentence_max_chars=100)
            services, win, bridge = _window(qtbot, home, settings, real_speaker=True)
            await start_services(services)
            ended = []
            services.bus.subscribe(lambda ev: ev.kind is EventKind.PLAYBACK_END and ended.append(ev.data))
            try:
                panel = win.panels["replies"]
                d = services.pipeline.add_reply(Reply(text="짧은 답.", emotion="happy"), [])
                await wait_until(lambda: panel.list.count() == 1, 5, "the draft listed")
                await wait_until(lambda: srv.requests, 5, "the short draft pre-synthesised")
                before_edit = len(srv.requests)  # what was synthesised for the unedited text
                panel.list.setCurrentRow(0)
                long_text = "오늘 방송에 와 준 모든 분들께 고마워요 " * 8  # 176 chars, no sentence end
                panel.editor.setPlainText(long_text)
                panel.save_edit()
                assert d.edited and len(d.text) > 120  # one request would be answered 413
                services.pipeline.approve(d.id)
                await wait_until(lambda: ended, 20, "the edited draft was spoken")
                assert not srv.rejected, "a request over the server's limit"
                texts = [body["text"] for _path, body in srv.requests[before_edit:]]
                assert len(texts) >= 2 and all(len(t) <= 100 for t in texts)
                assert "".join(texts).replace(" ", "") == long_text.replace(" ", "")
                assert not ended[-1].get("cancelled")
            finally:
                await stop_services(services)
                bridge.close()
        finally:
            await srv.stop()

    qloop.run_until_complete(scenario())
