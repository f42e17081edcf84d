"""Latency history medians and the latency panel (offscreen Qt)."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.tts.metrics import LatencyHistory


def test_history_medians_skip_unknowns_and_roll():
    h = LatencyHistory(window=3)
    for i, v in enumerate([0.1, 0.2, 0.3, 0.4]):
        h.add({"engine_first_chunk_s": v, "chat_to_reply_s": None, "rtf": 0.5, "underruns": i % 2})
    assert abs(h.median("engine_first_chunk_s") - 0.3) < 1e-9  # last 3: .2 .3 .4
    assert h.median("chat_to_reply_s") is None
    assert h.underruns() == 2 and h.series("engine_first_chunk_s")[0] == [1, 2, 3, 4]


def test_percentiles_interpolate():
    from aischoco_gui.tts.metrics import percentile

    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert abs(percentile([1.0, 2.0, 3.0, 4.0, 5.0], 90) - 4.6) < 1e-9


def _panel(qtbot, bus):
    from aischoco_gui.gui.bridge import Bridge  # noqa: PLC0415
    from aischoco_gui.gui.panels.latency_panel import create_panel  # noqa: PLC0415

    services = SimpleNamespace(bus=bus, latency_history=LatencyHistory(),
                               speaker=SimpleNamespace(mouth_level=lambda: 0.5))
    bridge = Bridge(bus)
    panel = create_panel(services, bridge)
    qtbot.addWidget(panel)
    return panel, bridge


def test_panel_plots_metrics_from_the_bus(qtbot):
    bus = EventBus()
    bus.emit(EventKind.TTS_METRICS, turn=1, llm_s=0.4, engine_first_chunk_s=0.2, chunk_to_sample_s=0.01,
             approval_to_first_sample_s=0.21, chat_to_reply_s=None, rtf=0.4, underruns=0)
    panel, bridge = _panel(qtbot, bus)
    for v in (0.1, 0.3):
        bus.emit(EventKind.TTS_METRICS, turn=2, llm_s=0.5, engine_first_chunk_s=v, chunk_to_sample_s=0.005,
                 approval_to_first_sample_s=v + 0.005, rtf=0.5, underruns=1)
    panel.refresh()
    xs, ys = panel.bar_data("engine_first_chunk_s")
    assert [round(x) for x in xs] == [1, 2, 3] and [round(y) for y in ys] == [200, 100, 300]
    llm_x, _ = panel.bar_data("llm_s")
    assert all(a < b for a, b in zip(llm_x, xs, strict=True))  # stages side by side per reply, in order
    text = panel.summary.text()
    assert "TTS 첫 청크 p50 200 ms · p90 280 ms" in text and "끊김 2" in text
    panel.show()
    qtbot.waitExposed(panel)
    bus.emit(EventKind.SPEECH_STARTED, turn=2, draft=None)  # the meter wakes while speech plays
    qtbot.waitUntil(lambda: panel.mouth.value() == 50, timeout=1000)
    bridge.close()


def test_panel_costs_nothing_while_idle_or_hidden(qtbot):
    """No 20 Hz mouth timer and no redraw timer unless something changed and the panel is visible;
    the charts are the panel's own QPainter widgets (no pyqtgraph: issue 27, ~34 MB)."""
    from aischoco_gui.gui.bridge import Bridge  # noqa: PLC0415
    from aischoco_gui.gui.panels.latency_panel import create_panel  # noqa: PLC0415

    bus = EventBus()
    level = [0.0]
    services = SimpleNamespace(bus=bus, latency_history=LatencyHistory(),
                               speaker=SimpleNamespace(mouth_level=lambda: level[0]))
    bridge = Bridge(bus)
    panel = create_panel(services, bridge)
    qtbot.addWidget(panel)
    assert "pyqtgraph" not in sys.modules
    bus.emit(EventKind.SPEECH_STARTED, turn=1, draft=None)
    bus.emit(EventKind.TTS_METRICS, turn=1, engine_first_chunk_s=0.2, rtf=0.5, underruns=0)
    bus.emit(EventKind.PLAYBACK_END, turn=1, draft=None, cancelled=False)
    assert not panel._mouth_timer.isActive() and not panel._plot_timer.isActive()  # hidden: nothing ticks
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: not panel._plot_timer.isActive(), timeout=5000)
    assert [round(y) for y in panel.bar_data("engine_first_chunk_s")[1]] == [200]
    qtbot.waitUntil(lambda: not panel._mouth_timer.isActive(), timeout=3000)  # shown but silent: asleep
    level[0] = 0.4
    bus.emit(EventKind.SPEECH_STARTED, turn=2, draft=None)
    assert panel._mouth_timer.isActive()
    qtbot.waitUntil(lambda: panel.mouth.value() == 40, timeout=1000)
    level[0] = 0.0
    qtbot.waitUntil(lambda: panel._quiet_ticks >= 12, timeout=3000)  # silent, but the speech goes on: awake
    assert panel._mouth_timer.isActive()
    bus.emit(EventKind.PLAYBACK_END, turn=2, draft=None, cancelled=False)
    qtbot.waitUntil(lambda: not panel._mouth_timer.isActive(), timeout=3000)  # ended, a second of silence: asleep
    assert panel.mouth.value() == 0
    bus.emit(EventKind.SPEECH_STARTED, turn=3, draft=None)
    panel.hide()
    assert not panel._mouth_timer.isActive() and not panel._plot_timer.isActive()
    bridge.close()


def test_approval_wait_has_its_own_axis(qtbot):
    """A 60 s approval wait is on the seconds plot; the millisecond axis is fitted to the pipeline only."""
    bus = EventBus()
    panel, bridge = _panel(qtbot, bus)
    for wait in (2.0, 60.0, 5.0):
        bus.emit(EventKind.TTS_METRICS, turn=1, llm_s=0.45, engine_first_chunk_s=0.25,
                 approval_to_first_sample_s=0.3, approval_wait_s=wait, rtf=0.5, underruns=0)
    panel.refresh()
    y_lo, y_hi = panel.plot.view_range()[1]
    assert y_lo == 0 and 450 <= y_hi <= 600  # ms: the largest stage (LLM 450 ms) + headroom, not 60 000
    w_lo, w_hi = panel.wait_plot.view_range()[1]
    assert w_lo == 0 and 60 <= w_hi <= 75
    assert panel.bar_data("approval_wait_s")[1] == [2.0, 60.0, 5.0]
    assert "승인 대기 p50 5.0 s · p90 49.0 s" in panel.summary.text()
    bridge.close()


def test_pipeline_stages_are_a_list_a_feature_can_extend(qtbot):
    from aischoco_gui.gui.panels.latency_panel import LatencyPanel  # noqa: PLC0415
    from aischoco_gui.tts.metrics import PIPELINE_STAGES  # noqa: PLC0415

    h = LatencyHistory()
    h.add({"stt_s": 0.12, "llm_s": 0.3})
    panel = LatencyPanel(h, stages=[("stt_s", "speech→text"), *PIPELINE_STAGES])
    qtbot.addWidget(panel)
    panel.refresh()
    assert panel.bar_data("stt_s")[1] == [120.0] and "speech→text p50 120 ms" in panel.summary.text()


def test_mouth_meter_waits_for_a_voice_slow_to_start(qtbot):
    """A voice whose first sound comes more than a second after the speech started (a remote or cloned
    voice under load, or a pause while the next sentence is synthesized): the meter still shows it."""
    from aischoco_gui.gui.bridge import Bridge  # noqa: PLC0415
    from aischoco_gui.gui.panels.latency_panel import create_panel  # noqa: PLC0415

    bus = EventBus()
    level = [0.0]
    services = SimpleNamespace(bus=bus, latency_history=LatencyHistory(),
                               speaker=SimpleNamespace(mouth_level=lambda: level[0]))
    bridge = Bridge(bus)
    panel = create_panel(services, bridge)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    bus.emit(EventKind.SPEECH_STARTED, turn=1, draft=None)
    qtbot.waitUntil(lambda: panel._quiet_ticks >= 15, timeout=5000)  # 1.5 s of silence: still synthesizing
    level[0] = 0.6  # the first sound
    qtbot.waitUntil(lambda: panel.mouth.value() == 60, timeout=2000)
    level[0] = 0.0
    bus.emit(EventKind.PLAYBACK_END, turn=1, draft=None, cancelled=False)
    qtbot.waitUntil(lambda: not panel._mouth_timer.isActive(), timeout=3000)
    bridge.close()
