"""The on-air strip at the top of the reply column: while a line is spoken it says ON AIR (red), the line
in large type and its emotion; the next draft waiting for approval is named; idle again after the speech."""

from __future__ import annotations

from PySide6.QtGui import QPalette

from aischoco_gui.gui.theme import STATE_ERROR, STATE_OFF
from aischoco_gui.i18n import emotion_label, set_language, tr
from aischoco_gui.models import Reply
from aischoco_gui.settings import Settings
from tests.gui.test_reply_speech import _window
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until


def test_on_air_shows_the_spoken_line_its_emotion_and_the_next_draft(qtbot, qloop, home):  # noqa: F811
    set_language("ko")

    async def scenario() -> None:
        from aischoco_gui.compose import start_services, stop_services

        services, win, bridge = _window(qtbot, home, Settings(overlay_port=0))
        panel, p, spk = win.panels["replies"], services.pipeline, services.speaker
        strip = panel.on_air
        win.show()
        await start_services(services)
        try:
            assert strip.badge.property("live") is False
            assert strip.badge.palette().color(QPalette.ColorRole.WindowText).name() == STATE_OFF
            assert strip.next.text() == tr("onair.next_none")
            # bigger than the rest of the window: it is what is on air
            assert strip.speaking.font().pointSizeF() > panel.list.font().pointSizeF()

            spk.seconds = 30.0
            first = p.add_reply(Reply(text="지금 말하는 답이에요.", emotion="happy"), [])
            p.add_reply(Reply(text="다음에 나갈 답이에요.", emotion="sad"), [])
            await wait_until(lambda: "다음에 나갈" in strip.next.text() or "지금 말하는" in strip.next.text(), 5,
                             "next draft named")
            p.approve(first.id)
            await wait_until(lambda: strip.badge.property("live") is True, 5, "on air")
            assert "지금 말하는 답이에요." in strip.speaking.text()
            assert strip.badge.palette().color(QPalette.ColorRole.WindowText).name() == STATE_ERROR
            assert emotion_label("happy") in strip.emotion.text()
            await wait_until(lambda: "다음에 나갈" in strip.next.text(), 5, "the waiting draft is next")
            assert emotion_label("sad") in strip.next.text()
            await spk.stop()
            await wait_until(lambda: strip.badge.property("live") is False, 5, "idle after the speech")
            assert strip.speaking.text() == tr("reply.idle")
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())
