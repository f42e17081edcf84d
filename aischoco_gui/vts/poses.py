"""``pose_mapping.json`` in the AIsChoco format, plus what VTS allows us to inject.

Format (AIsChoco-compatible; extra keys are optional and ignored by AIsChoco)::

    {
      "parameter_mapping": {"angle_x": "FaceAngleX", ...},      # logical name -> VTS *input* parameter
      "emotions": {"happy": {"angle_x": -5, ...}, ...},          # emotion -> {logical name: value}
      "default": "neutral",                                      # emotion used for unknown emotions
      "custom_parameters": {"AIsChocoBreath": {"min": 0, "max": 1, "default": 0.5}},   # optional
      "transition": {"seconds": 0.3, "curve": "linear", "per_parameter": {"angle_x": 0.5}},  # optional
      "expressions": {"happy": {"hotkey": "Smile"} | {"expression_file": "x.exp3.json", "fade": 0.3}}  # optional
    }

AIsChoco's shipped mapping names Live2D *output* parameters (``ParamAngleX``); VTS refuses to
inject those. We never silently translate: :func:`problems` reports them with the fix, and
:func:`suggest_input_id` proposes the input parameter AIsChoco's code used behind the scenes.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aischoco_gui.paths import atomic_write_text

# VTube Studio's default input parameters and their ranges (used until InputParameterListRequest answers).
DEFAULT_INPUT_PARAMETERS: dict[str, tuple[float, float, float]] = {
    "FacePositionX": (-15.0, 15.0, 0.0), "FacePositionY": (-15.0, 15.0, 0.0), "FacePositionZ": (-10.0, 10.0, 0.0),
    "FaceAngleX": (-30.0, 30.0, 0.0), "FaceAngleY": (-30.0, 30.0, 0.0), "FaceAngleZ": (-90.0, 90.0, 0.0),
    "MouthSmile": (0.0, 1.0, 0.0), "MouthOpen": (0.0, 1.0, 0.0), "Brows": (0.0, 1.0, 0.5),
    "TongueOut": (0.0, 1.0, 0.0), "EyeOpenLeft": (0.0, 1.0, 1.0), "EyeOpenRight": (0.0, 1.0, 1.0),
    "EyeLeftX": (-1.0, 1.0, 0.0), "EyeLeftY": (-1.0, 1.0, 0.0), "EyeRightX": (-1.0, 1.0, 0.0),
    "EyeRightY": (-1.0, 1.0, 0.0), "CheekPuff": (0.0, 1.0, 0.0), "FaceAngry": (0.0, 1.0, 0.0),
    "BrowLeftY": (0.0, 1.0, 0.5), "BrowRightY": (0.0, 1.0, 0.5), "MouthX": (-1.0, 1.0, 0.0),
    "MousePositionX": (-1.0, 1.0, 0.0), "MousePositionY": (-1.0, 1.0, 0.0),
    "VoiceVolume": (0.0, 1.0, 0.0), "VoiceFrequency": (0.0, 1.0, 0.0),
    "VoiceVolumePlusMouthOpen": (0.0, 1.0, 0.0), "VoiceFrequencyPlusMouthSmile": (0.0, 1.0, 0.0),
}

# What AIsChoco's code injected for each logical name when its JSON named a Live2D parameter.
AISCHOCO_INPUT_FOR_LOGICAL = {
    "angle_x": "FaceAngleX", "angle_y": "FaceAngleY", "angle_z": "FaceAngleZ",
    "eye_l_open": "EyeOpenLeft", "eye_r_open": "EyeOpenRight", "brow_l_y": "BrowLeftY", "brow_r_y": "BrowRightY",
    "brow_l_angle": "AIsChocoBrowLAngle", "brow_r_angle": "AIsChocoBrowRAngle", "mouth_open_y": "MouthOpen",
    "body_angle_y": "AIsChocoBodyAngleY", "body_angle_z": "AIsChocoBodyAngleZ", "breath": "AIsChocoBreath",
    "right_leg": "AIsChocoLegR", "left_leg": "AIsChocoLegL",
}
# Live2D standard output id -> the default input usually wired to it in VTS.
LIVE2D_TO_INPUT = {
    "ParamAngleX": "FaceAngleX", "ParamAngleY": "FaceAngleY", "ParamAngleZ": "FaceAngleZ",
    "ParamEyeLOpen": "EyeOpenLeft", "ParamEyeROpen": "EyeOpenRight", "ParamBrowLY": "BrowLeftY",
    "ParamBrowRY": "BrowRightY", "ParamMouthOpenY": "MouthOpen", "ParamMouthForm": "MouthSmile",
    "ParamEyeBallX": "EyeLeftX", "ParamEyeBallY": "EyeLeftY", "ParamCheek": "CheekPuff",
}
MOUTH_INPUT = "MouthOpen"
CUSTOM_ID_RE = re.compile(r"^[A-Za-z0-9]{4,32}$")
CUSTOM_RANGE_LIMIT = 1_000_000.0


def is_live2d_output_id(pid: str) -> bool:
    """``Param*`` ids are Live2D model (output) parameters: VTS cannot inject them."""
    return pid.startswith("Param") and pid not in DEFAULT_INPUT_PARAMETERS


def is_default_input(pid: str) -> bool:
    return pid in DEFAULT_INPUT_PARAMETERS


def valid_custom_id(pid: str) -> bool:
    return bool(CUSTOM_ID_RE.match(pid)) and not is_default_input(pid) and not is_live2d_output_id(pid)


def suggest_input_id(logical: str, pid: str) -> str:
    """The input parameter to use instead of a Live2D output id."""
    if logical in AISCHOCO_INPUT_FOR_LOGICAL:
        return AISCHOCO_INPUT_FOR_LOGICAL[logical]
    if pid in LIVE2D_TO_INPUT:
        return LIVE2D_TO_INPUT[pid]
    base = re.sub(r"[^A-Za-z0-9]", "", pid[5:] if pid.startswith("Param") else pid) or "Pose"
    return ("AIsChoco" + base)[:32]


@dataclass
class CustomParam:
    min: float = -1.0
    max: float = 1.0
    default: float = 0.0
    explanation: str = ""


@dataclass
class MappingProblem:
    logical: str
    parameter_id: str
    message: str  # English, for logs
    fix: str  # suggested input parameter id, or ""


@dataclass
class PoseMapping:
    parameter_mapping: dict[str, str] = field(default_factory=dict)
    emotions: dict[str, dict[str, float]] = field(default_factory=dict)
    default: str = "neutral"
    custom_parameters: dict[str, CustomParam] = field(default_factory=dict)
    transition_s: float = 0.3
    curve: str = "linear"  # "linear" | "ease"
    per_parameter_s: dict[str, float] = field(default_factory=dict)  # logical -> seconds
    expressions: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown top-level keys, kept on save

    # -- reading ---------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PoseMapping:
        if not isinstance(data, dict):
            raise ValueError("pose mapping must be a JSON object")
        pm = data.get("parameter_mapping") or {}
        if not isinstance(pm, dict):
            raise ValueError("parameter_mapping must be an object of logical name -> VTS parameter id")
        emotions_raw = data.get("emotions") or {}
        if not isinstance(emotions_raw, dict):
            raise ValueError("emotions must be an object of emotion -> {logical name: value}")
        emotions: dict[str, dict[str, float]] = {}
        for emo, pose in emotions_raw.items():
            if not isinstance(pose, dict):
                raise ValueError(f"emotion {emo!r} must be an object of logical name -> number")
            emotions[str(emo)] = {str(k): float(v) for k, v in pose.items()
                                  if isinstance(v, (int, float)) and not isinstance(v, bool)}
        customs: dict[str, CustomParam] = {}
        for pid, spec in (data.get("custom_parameters") or {}).items():
            spec = spec if isinstance(spec, dict) else {}
            customs[str(pid)] = CustomParam(float(spec.get("min", -1.0)), float(spec.get("max", 1.0)),
                                            float(spec.get("default", 0.0)), str(spec.get("explanation", "")))
        tr = data.get("transition") or {}
        default = data.get("default", "neutral")
        known = {"parameter_mapping", "emotions", "default", "custom_parameters", "transition", "expressions"}
        return cls(
            parameter_mapping={str(k): str(v) for k, v in pm.items()},
            emotions=emotions,
            default=default if isinstance(default, str) else "neutral",
            custom_parameters=customs,
            transition_s=clamp_transition(float(tr.get("seconds", 0.3))),
            curve="ease" if tr.get("curve") == "ease" else "linear",
            per_parameter_s={str(k): clamp_transition(float(v)) for k, v in (tr.get("per_parameter") or {}).items()},
            expressions={str(k): dict(v) for k, v in (data.get("expressions") or {}).items() if isinstance(v, dict)},
            extra={k: v for k, v in data.items() if k not in known},
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "parameter_mapping": dict(self.parameter_mapping),
            "emotions": {e: dict(p) for e, p in self.emotions.items()},
            "default": self.default,
        }
        if self.custom_parameters:
            out["custom_parameters"] = {
                pid: {"min": c.min, "max": c.max, "default": c.default,
                      **({"explanation": c.explanation} if c.explanation else {})}
                for pid, c in self.custom_parameters.items()}
        out["transition"] = {"seconds": self.transition_s, "curve": self.curve,
                             "per_parameter": dict(self.per_parameter_s)}
        if self.expressions:
            out["expressions"] = copy.deepcopy(self.expressions)
        out.update(copy.deepcopy(self.extra))
        return out

    def copy(self) -> PoseMapping:
        return PoseMapping.from_dict(self.to_dict())

    # -- queries ---------------------------------------------------------------------------
    def parameter_id(self, logical: str) -> str:
        """VTS id for a logical name (an unmapped key is taken as the id itself, as AIsChoco did)."""
        return self.parameter_mapping.get(logical, logical)

    def pose(self, emotion: str) -> dict[str, float]:
        """Logical name -> value for an emotion (falls back to ``default``)."""
        return dict(self.emotions.get(emotion) or self.emotions.get(self.default) or {})

    def pose_by_id(self, emotion: str) -> dict[str, float]:
        """VTS id -> value; several logical names on one id are averaged (AIsChoco did the same)."""
        acc: dict[str, list[float]] = {}
        for logical, v in self.pose(emotion).items():
            acc.setdefault(self.parameter_id(logical), []).append(v)
        return {pid: sum(vs) / len(vs) for pid, vs in acc.items()}

    def controlled_ids(self) -> list[str]:
        ids: list[str] = []
        for logical in self.logical_names():
            pid = self.parameter_id(logical)
            if pid not in ids:
                ids.append(pid)
        return ids

    def logical_names(self) -> list[str]:
        names = list(self.parameter_mapping)
        for pose in self.emotions.values():
            for k in pose:
                if k not in names:
                    names.append(k)
        return names

    def transition_for(self, logical: str) -> float:
        return self.per_parameter_s.get(logical, self.transition_s)

    def transition_for_id(self, pid: str) -> float:
        times = [self.transition_for(lg) for lg in self.logical_names() if self.parameter_id(lg) == pid]
        return max(times) if times else self.transition_s

    def custom_ids(self) -> list[str]:
        """Ids that must be created with ParameterCreationRequest (not default inputs, not Param*)."""
        return [pid for pid in self.controlled_ids()
                if not is_default_input(pid) and not is_live2d_output_id(pid)]

    def custom_spec(self, pid: str) -> CustomParam:
        if pid in self.custom_parameters:
            return self.custom_parameters[pid]
        vals = [v for pose in self.emotions.values() for lg, v in pose.items() if self.parameter_id(lg) == pid]
        lo, hi = min(vals + [-1.0]), max(vals + [1.0])
        return CustomParam(lo, hi, 0.0 if lo <= 0.0 <= hi else lo)

    def problems(self) -> list[MappingProblem]:
        out: list[MappingProblem] = []
        for logical in self.logical_names():
            pid = self.parameter_id(logical)
            if is_live2d_output_id(pid):
                fix = suggest_input_id(logical, pid)
                out.append(MappingProblem(logical, pid, (
                    f"{logical} -> {pid} is a Live2D model parameter; VTS only accepts input parameters. "
                    f"Map {logical} to an input such as {fix} and, in VTS model settings, wire {fix} to {pid}."),
                    fix))
            elif not is_default_input(pid) and not valid_custom_id(pid):
                out.append(MappingProblem(logical, pid, (
                    f"{logical} -> {pid!r} is not a valid custom parameter name (4-32 letters/digits)."),
                    suggest_input_id(logical, pid)))
        for pid, c in self.custom_parameters.items():
            if not (-CUSTOM_RANGE_LIMIT <= c.min < c.max <= CUSTOM_RANGE_LIMIT) or not (c.min <= c.default <= c.max):
                out.append(MappingProblem("", pid, f"custom parameter {pid}: need min < max, default within, "
                                                   f"all within ±1e6", ""))
        return out

    def apply_fixes(self) -> list[MappingProblem]:
        """Replace every Live2D output id with its suggested input; returns what was changed."""
        fixed = [p for p in self.problems() if p.fix and p.logical]
        for p in fixed:
            self.parameter_mapping[p.logical] = p.fix
        return fixed


def clamp_transition(seconds: float) -> float:
    """Per-parameter transition times are 0.1-0.5 s (PRD §2.5)."""
    return min(0.5, max(0.1, seconds))


def load_mapping(path: Path) -> PoseMapping:
    """Read a pose mapping; raises ValueError with the file name on bad JSON or shape."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    try:
        return PoseMapping.from_dict(data)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{path}: {e}") from None


def save_mapping(path: Path, mapping: PoseMapping) -> None:
    atomic_write_text(Path(path), json.dumps(mapping.to_dict(), ensure_ascii=False, indent=2) + "\n")
