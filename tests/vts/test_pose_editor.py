"""The pose-mapping editor model (split from the driver, issue 14) against the VTS double, no Qt."""

from __future__ import annotations

import json

from aischoco_gui.vts.pose_editor import PoseEditor
from tests.doubles.vts_server import VTSDouble
from tests.vts.test_vts_client import make_avatar, until


async def test_editor_previews_saves_reverts_and_lists_parameters(tmp_path):
    async with VTSDouble() as vts:
        av = make_avatar(vts, tmp_path)
        ed = PoseEditor(av, av.config.mapping_path)
        await av.start()
        try:
            await until(lambda: av.client.ready and len(vts.injections) > 3)
            assert not ed.dirty
            assert ed.parameter_range("AIsChocoLegR").max == 30.0  # VTS's range after creation
            assert {"FaceAngleX", "MouthSmile", "AIsChocoBreath"} <= set(ed.available_parameters())
            ed.mapping.emotions["happy"]["smile"] = 0.25
            ed.preview_values({"MouthSmile": 0.25}, seconds=0.0)
            await until(lambda: vts.values_of("MouthSmile")[-1][1] == 0.25)
            assert ed.dirty
            ed.save()
            assert not ed.dirty
            assert json.loads(av.config.mapping_path.read_text("utf-8"))["emotions"]["happy"]["smile"] == 0.25
            ed.mapping.emotions["happy"]["smile"] = 0.9
            ed.mapping.parameter_mapping["tail"] = "AIsChocoTail"
            ed.set_mapping(ed.mapping)
            await until(lambda: "AIsChocoTail" in vts.custom)  # created in VTS right away
            ed.revert()
            assert av.mapping.emotions["happy"]["smile"] == 0.25 and "tail" not in av.mapping.parameter_mapping
            ed.preview_emotion("happy")
            assert av.emotion == "happy"
        finally:
            await av.stop()
