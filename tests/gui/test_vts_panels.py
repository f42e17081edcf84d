"""VTS status and pose panels (pytest-qt, offscreen) driving a real avatar against the VTS double."""

from __future__ import annotations

import json
import time

from aischoco_gui.events import EventBus
from aischoco_gui.paths import user_dirs
from aischoco_gui.service_config import vts_config
from aischoco_gui.settings import Settings
from aischoco_gui.vts.factory import make_avatar as build_avatar
from aischoco_gui.vts.pose_editor import PoseEditor
from tests.doubles.services import bare_services
from tests.doubles.vts_server import VTSDouble
from tests.vts.test_vts_client import MAPPING, both_loops, make_avatar
from tests.wait import wait_until


@both_loops
async def test_slider_previews_live_and_save_round_trip(qtbot, tmp_path, thread):
    from aischoco_gui.gui.panels import pose_panel

    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path, thread=thread)
        await av.start()
        try:
            await wait_until(lambda: av.client.ready and len(vts.injections) > 3)
            services = bare_services(Settings(), user_dirs({"AISCHOCO_HOME": str(tmp_path)}), av.bus, avatar=av)
            panel = pose_panel.create_panel(services, None)
            qtbot.addWidget(panel)
            panel.select_emotion("happy")
            r = panel._row_of("smile")
            assert r >= 0
            slider = panel.table.cellWidget(r, panel.COL_SLIDER)
            spin = panel.table.cellWidget(r, panel.COL_VALUE)
            assert (spin.minimum(), spin.maximum()) == (0.0, 1.0)  # the real range of MouthSmile
            leg = panel.table.cellWidget(panel._row_of("right_leg"), panel.COL_VALUE)
            assert (leg.minimum(), leg.maximum()) == (-30.0, 30.0)  # custom parameter range from VTS
            slider.setValue(250)  # like a drag
            assert spin.value() == 0.25
            t_drag = time.monotonic()
            await wait_until(lambda: [v for t, v in vts.values_of("MouthSmile") if t > t_drag][-1:] == [0.25],
                             5, "the preview on the avatar")  # previewed live
            assert "저장" in panel.status.text() or "unsaved" in panel.status.text()
            assert panel.save()
            saved = json.loads(av.config.mapping_path.read_text(encoding="utf-8"))
            assert saved["emotions"]["happy"]["smile"] == 0.25
            assert saved["parameter_mapping"] == MAPPING["parameter_mapping"]
            # Edit again, then revert: back to the saved value, on screen and on the avatar.
            spin.setValue(0.9)
            assert av.mapping.emotions["happy"]["smile"] == 0.9
            panel.revert()
            r = panel._row_of("smile")
            assert panel.table.cellWidget(r, panel.COL_VALUE).value() == 0.25
            assert av.mapping.emotions["happy"]["smile"] == 0.25
            # Add a new custom parameter: created in VTS right away, slider appears; remove it again.
            panel.add_parameter("tail", "AIsChocoTail")
            await wait_until(lambda: "AIsChocoTail" in vts.custom)
            assert panel._row_of("tail") >= 0
            panel.remove_parameters(["tail"])
            assert panel._row_of("tail") == -1 and "tail" not in av.mapping.parameter_mapping
            # Preview a transition: starts from the default pose and moves toward the emotion.
            panel.select_emotion("sad")
            panel.preview_transition()
            assert av.emotion == "sad"
        finally:
            await av.stop()


async def test_pose_panel_reports_and_fixes_live2d_ids(qtbot, tmp_path):
    from aischoco_gui.gui.panels import pose_panel

    mapping = json.loads(json.dumps(MAPPING))
    mapping["parameter_mapping"]["angle_x"] = "ParamAngleX"
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path, mapping)
        panel = pose_panel.PosePanel(PoseEditor(av, av.config.mapping_path))
        qtbot.addWidget(panel)
        assert "ParamAngleX" in panel.problems.text() and "FaceAngleX" in panel.problems.text()
        assert panel.fix_btn.isEnabled()
        panel.fix_ids()
        assert av.mapping.parameter_mapping["angle_x"] == "FaceAngleX"
        assert panel.problems.text() == ""


async def test_vts_panel_shows_status_and_live_bars(qtbot, tmp_path):
    from aischoco_gui.gui.panels import vts_panel

    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path)
        await av.start()
        try:
            await wait_until(lambda: av.client.ready and av.model_name and len(vts.injections) > 10)
            services = bare_services(Settings(), user_dirs({"AISCHOCO_HOME": str(tmp_path)}), av.bus, avatar=av)
            panel = vts_panel.create_panel(services, None)
            qtbot.addWidget(panel)
            av.set_emotion("happy")

            def happy_shown() -> bool:
                panel.refresh()
                return "MouthSmile" in panel.bars and panel.bars["MouthSmile"][0].value() == 1000

            await wait_until(happy_shown, 5, "the happy pose on the panel")
            assert panel.version.text() == "1.28.15" and panel.model.text() == "Choco"
            assert "Hz" in panel.rate.text()
            assert set(panel.bars) >= {"FaceAngleX", "MouthSmile", "AIsChocoBreath", "MouthOpen"}
            bar, label = panel.bars["MouthSmile"]
            assert bar.value() == 1000 and label.text().startswith("1.000")
            assert not panel.timer.isActive()  # not shown: no 5 Hz refresh
            panel.show()
            qtbot.waitExposed(panel)
            assert panel.timer.isActive()
            panel.hide()
            assert not panel.timer.isActive()
        finally:
            await av.stop()


async def test_factory_builds_avatar_that_starts_with_vts_absent(home, qtbot):
    from aischoco_gui.gui.panels import vts_panel

    dirs = user_dirs()
    s = Settings()
    s.vts_url = "ws://127.0.0.1:9"  # nothing listens there
    bus = EventBus()
    av = build_avatar(vts_config(s), bus, dirs.config)
    services = bare_services(s, dirs, bus, avatar=av)
    assert av.config.token_path == dirs.config / "vts_token.txt"
    assert av.config.mapping_path.exists()  # shipped default copied to the user config dir
    assert av.config.icon_b64
    av.config.backoff = av.client.backoff = (0.05, 0.2)
    await av.start()
    try:
        await wait_until(lambda: bus.status["vts"].state.value == "reconnecting")
        panel = vts_panel.create_panel(services, None)
        qtbot.addWidget(panel)
        panel.refresh()
        assert "ws://127.0.0.1:9" in panel.conn.text()
    finally:
        await av.stop()
