"""Issue 27: the setup check does not repaint every row on every status event (1–1.7 ms each, several per
reply on a first start): a burst of status events is one refresh after the loop's ready callbacks, and only
the rows that changed are restyled."""

from __future__ import annotations

import asyncio

from aischoco_gui import firstrun
from aischoco_gui.events import EventKind, ServiceState
from aischoco_gui.settings import Settings
from tests.gui.test_setup_check import BASE, _window
from tests.qt_async import qloop  # noqa: F401
from tests.wait import wait_until


def test_a_burst_of_status_events_is_one_refresh_of_the_changed_rows_only(qtbot, qloop, home):  # noqa: F811
    from aischoco_gui.gui.welcome import RED, open_welcome

    async def scenario() -> None:
        settings = Settings(**BASE, overlay_port=0, tts_engine="fake", vts_url="ws://127.0.0.1:9")
        services, win, bridge = _window(qtbot, home, settings)
        from aischoco_gui.compose import start_services, stop_services

        await start_services(services)
        try:
            dlg = open_welcome(win, services)
            await wait_until(lambda: dlg.rows["vts"].ok is False, 10, "VTS down reported")
            # the start's own reports are over (on a loaded machine the voice is still loading here)
            await wait_until(lambda: services.bus.status["tts"].state is ServiceState.READY, 30, "voice ready")
            await asyncio.sleep(0.1)  # and have been drawn
            styled: list[str] = []
            for name, dot in dlg.dots.items():  # count restyles per row from here on
                dot.setStyleSheet = lambda css, n=name, d=dot: (styled.append(n), type(d).setStyleSheet(d, css))
            refreshes = []
            real_refresh = firstrun.live_rows

            def counting(s):  # noqa: ANN001, ANN202
                refreshes.append(1)
                return real_refresh(s)

            firstrun.live_rows = counting
            # other services keep reporting meanwhile (VTS at a closed port retries with backoff): their
            # events may add a refresh of their own, which is not what this test counts
            others: list[str] = []
            services.bus.subscribe(lambda e: others.append(e.data["status"].name) if e.kind is EventKind.STATUS
                                   and e.data["status"].name != "tts" else None)
            try:
                st = services.bus.status["tts"]
                for _ in range(30):  # what a reply's reports look like to the dialog: the same light again
                    services.bus.set_status("tts", st.state, st.detail)
                assert refreshes == []  # nothing redrawn inside the events: after the ready chain
                await wait_until(lambda: refreshes, 5, "one refresh after the burst")
                await asyncio.sleep(0.05)
                # one refresh for the burst — a few when the bridge's deliveries straddle a Qt event on a
                # loaded machine (the loop runs ready callbacks in 5 ms batches), plus one per other service's
                # report — never one per event; and no row changed: none restyled
                assert 1 <= len(refreshes) <= 3 + len(others), (refreshes, others)
                assert set(styled) <= set(others), (styled, others)
                styled.clear()
                # a real change still shows, in its row only
                services.bus.set_status("tts", ServiceState.ERROR, "down", error="boom")
                await wait_until(lambda: dlg.rows["tts"].ok is False, 5, "tts row turned red")
                assert "tts" in styled and set(styled) <= {"tts", *others}
                assert RED in dlg.dots["tts"].styleSheet()
                assert dlg.labels["tts"].text() == firstrun.live_rows(services)["tts"].message
            finally:
                firstrun.live_rows = real_refresh
            dlg.close()
        finally:
            await stop_services(services)
            bridge.close()

    qloop.run_until_complete(scenario())
