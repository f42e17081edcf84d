"""The pose-mapping editor model behind the pose panel: edit, preview live, save, revert.

Split from the 30 Hz driver (:mod:`aischoco_gui.vts.avatar`, issue 14). The editor edits the
mapping the driver uses (so what the streamer tunes is what goes out), keeps the last saved copy,
and writes ``pose_mapping.json`` atomically. It needs only the small driver surface in
:class:`PoseDriver`, so it can be tested without a connection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from aischoco_gui.vts.mixer import ParamRange
from aischoco_gui.vts.poses import PoseMapping, save_mapping


class PoseDriver(Protocol):
    """What the editor needs from the live driver (:class:`~aischoco_gui.vts.avatar.VTSAvatar`)."""

    mapping: PoseMapping

    def set_mapping(self, mapping: PoseMapping) -> None: ...
    def set_emotion(self, emotion: str) -> None: ...
    def move_parameters(self, values: dict[str, float], seconds: float = 0.1) -> None: ...
    def parameter_range(self, pid: str) -> ParamRange: ...
    def known_parameters(self) -> list[str]: ...


class PoseEditor:
    def __init__(self, driver: PoseDriver, mapping_path: Path) -> None:
        self.driver = driver
        self.mapping_path = Path(mapping_path)
        self.saved_mapping = driver.mapping.copy()

    @property
    def mapping(self) -> PoseMapping:
        """The mapping being edited (the very object the driver uses: edits show live)."""
        return self.driver.mapping

    # -- live preview ----------------------------------------------------------------------
    def preview_values(self, values: dict[str, float], seconds: float = 0.1) -> None:
        """Move parameters (by VTS id) now, for live slider tuning."""
        self.driver.move_parameters(values, seconds)

    def preview_emotion(self, emotion: str) -> None:
        self.driver.set_emotion(emotion)

    # -- editing ---------------------------------------------------------------------------
    def set_mapping(self, mapping: PoseMapping) -> None:
        """Use an edited mapping now (not saved yet); the driver creates new custom parameters."""
        self.driver.set_mapping(mapping)

    def save(self) -> None:
        save_mapping(self.mapping_path, self.mapping)
        self.saved_mapping = self.mapping.copy()

    def revert(self) -> PoseMapping:
        self.driver.set_mapping(self.saved_mapping.copy())
        return self.mapping

    @property
    def dirty(self) -> bool:
        return self.mapping.to_dict() != self.saved_mapping.to_dict()

    # -- what the panel shows --------------------------------------------------------------
    def parameter_range(self, pid: str) -> ParamRange:
        return self.driver.parameter_range(pid)

    def available_parameters(self) -> list[str]:
        return sorted(set(self.driver.known_parameters()) | set(self.mapping.custom_ids()))

    def problems_text(self) -> list[str]:
        return [p.message for p in self.mapping.problems()]
