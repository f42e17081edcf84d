"""Pose mixer math with a fake clock: curves, no jumps, clamping, idle pausing, lip sync, weight ramps."""

from __future__ import annotations

import json

import pytest

from aischoco_gui.vts.idle import IdleMotion
from aischoco_gui.vts.lipsync import EnvelopeFollower, synthetic_envelope
from aischoco_gui.vts.mixer import ParamRange, PoseMixer, Transition, curve_value, interpolate
from aischoco_gui.vts.poses import PoseMapping, load_mapping, save_mapping

DT = 1 / 30


def frame_values(frame):
    return {p["id"]: p["value"] for p in frame}


def make_mixer(**kw) -> PoseMixer:
    m = PoseMixer(idle=IdleMotion(seed=3), **kw)
    m.set_channels({"FaceAngleX": ["angle_x"], "MouthSmile": ["smile"], "AIsChocoLegR": ["right_leg"]}, 0.0)
    m.set_ranges({"AIsChocoLegR": ParamRange(-30, 30, 0)})
    m.take_control(0.0)
    return m


@pytest.mark.parametrize("curve", ["linear", "ease"])
def test_interpolation_start_mid_end(curve):
    assert interpolate(0.0, 10.0, 1.0, 0.4, 1.0, curve) == 0.0
    assert interpolate(0.0, 10.0, 1.0, 0.4, 1.2, curve) == pytest.approx(5.0)
    assert interpolate(0.0, 10.0, 1.0, 0.4, 1.4, curve) == 10.0
    assert interpolate(0.0, 10.0, 1.0, 0.4, 9.0, curve) == 10.0
    assert interpolate(0.0, 10.0, 1.0, 0.4, 0.5, curve) == 0.0


def test_ease_is_slower_at_the_ends_than_linear():
    assert curve_value("ease", 0.1) < curve_value("linear", 0.1)
    assert curve_value("ease", 0.9) > curve_value("linear", 0.9)


def test_retarget_mid_transition_has_no_jump():
    t = Transition(0.0, 0.0)
    t.retarget(10.0, 0.0, 0.4)
    before = t.value(0.2)
    t.retarget(-10.0, 0.2, 0.4)
    assert t.value(0.2) == pytest.approx(before)
    assert t.value(0.61) == -10.0


def test_emotion_change_values_along_the_transition_and_no_jumps():
    m = make_mixer(idle_enabled=False)
    m.set_pose({"FaceAngleX": 0.0, "MouthSmile": 0.0}, 0.0, 0.0)
    m.frame(0.0)
    m.set_pose({"FaceAngleX": 12.0, "MouthSmile": 1.0}, 1.0, {"FaceAngleX": 0.3, "MouthSmile": 0.5})
    seen = []
    t = 1.0
    while t <= 2.0:
        seen.append((t, frame_values(m.frame(t))))
        t += DT
    xs = [v["FaceAngleX"] for _, v in seen]
    assert xs[0] == pytest.approx(0.0)
    mid = next(v for tt, v in seen if tt >= 1.15)["FaceAngleX"]
    assert 4.0 < mid < 8.0
    assert xs[-1] == pytest.approx(12.0)
    step_max = 12.0 / 0.3 * DT * 1.01
    assert max(abs(b - a) for a, b in zip(xs, xs[1:], strict=False)) <= step_max  # smooth: no jumps
    assert all(b >= a for a, b in zip(xs, xs[1:], strict=False))  # monotone toward the target
    smile_at_035 = next(v for tt, v in seen if tt >= 1.35)["MouthSmile"]
    assert 0.6 < smile_at_035 < 0.8  # its own 0.5 s transition


def test_values_are_clamped_to_real_ranges():
    m = make_mixer(idle_enabled=False)
    m.set_pose({"FaceAngleX": 500.0, "MouthSmile": -3.0, "AIsChocoLegR": 99.0}, 0.0, 0.1)
    v = frame_values(m.frame(1.0))
    assert v == {"FaceAngleX": 30.0, "MouthSmile": 0.0, "AIsChocoLegR": 30.0, "MouthOpen": 0.0}
    m.set_ranges({"FaceAngleX": ParamRange(-10, 10, 0)})  # VTS reported a narrower range
    assert frame_values(m.frame(1.1))["FaceAngleX"] == 10.0


def test_idle_moves_between_replies_and_pauses_while_speaking():
    m = make_mixer(idle_fade_s=0.4)
    m.set_pose({"FaceAngleX": 0.0}, 0.0, 0.0)
    idle_vals = [frame_values(m.frame(t * DT))["FaceAngleX"] for t in range(0, 30 * 20)]
    assert max(idle_vals) - min(idle_vals) > 1.0  # drifts / looks away by degrees over 20 s
    m.set_speaking(True, 20.0)
    fading = [frame_values(m.frame(20.0 + k * DT))["FaceAngleX"] for k in range(0, 13)]
    assert max(abs(b - a) for a, b in zip(fading, fading[1:], strict=False)) < 1.0  # fades, no jump
    speaking = [frame_values(m.frame(20.5 + k * DT))["FaceAngleX"] for k in range(0, 90)]
    assert all(v == 0.0 for v in speaking)  # paused: exactly the pose
    m.set_speaking(False, 23.5)
    resumed = [frame_values(m.frame(24.0 + k * DT))["FaceAngleX"] for k in range(0, 150)]
    assert max(resumed) - min(resumed) > 0.05


def test_idle_is_deterministic_for_a_seed_and_looks_away_and_back():
    a, b = IdleMotion(seed=7), IdleMotion(seed=7)
    ts = [k * 0.1 for k in range(600)]
    assert [a.offsets(t)["look_x"] for t in ts] == [b.offsets(t)["look_x"] for t in ts]
    away = [t for t in ts if a.looking_away(t)]
    assert away, "a look-away happens within a minute"
    ev = a._events[0]
    assert ev.amount(ev.start) == 0.0
    assert ev.amount(ev.start + ev.move_s + ev.hold_s / 2) == 1.0  # looked away
    assert ev.amount(ev.end) == 0.0  # and back
    amounts = [ev.amount(ev.start + k * 0.01) for k in range(int((ev.end - ev.start) / 0.01) + 2)]
    assert max(abs(y - x) for x, y in zip(amounts, amounts[1:], strict=False)) < 0.06  # eased, no jump


def test_mouth_follows_known_envelope_with_attack_and_release():
    m = make_mixer(idle_enabled=False)
    # 0.5 s of silence, 0.5 s at full level, 0.5 s silence.
    def level(t):
        return 1.0 if 0.5 <= t < 1.0 else 0.0
    vals = [(k * DT, frame_values(m.frame(k * DT, level(k * DT)))["MouthOpen"]) for k in range(45)]
    assert all(v == 0.0 for t, v in vals if t < 0.5)
    at_060 = next(v for t, v in vals if t >= 0.6)
    assert at_060 > 0.8  # fast attack (30 ms)
    at_095 = next(v for t, v in vals if t >= 0.95)
    assert at_095 > 0.95
    at_110 = next(v for t, v in vals if t >= 1.1)
    assert 0.1 < at_110 < 0.7  # slower release (120 ms)
    assert vals[-1][1] < 0.05


def test_vts_mic_mode_stops_injecting_mouth():
    m = make_mixer(lipsync_mode="vts-mic")
    ids = [p["id"] for p in m.frame(0.1, 1.0)]
    assert "MouthOpen" not in ids
    m.set_lipsync_mode("envelope", 0.2)
    assert "MouthOpen" in [p["id"] for p in m.frame(0.3, 1.0)]


def test_weight_ramps_in_and_out_and_release_stops_frames():
    m = make_mixer(weight_ramp_s=0.5)
    w0 = m.frame(0.0)[0]["weight"]
    w_mid = m.frame(0.25)[0]["weight"]
    w_end = m.frame(0.6)[0]["weight"]
    assert w0 == 0.0 and 0.4 < w_mid < 0.6 and w_end == 1.0
    m.release_control(1.0)
    assert 0.4 < m.frame(1.25)[0]["weight"] < 0.6
    assert m.frame(1.6) == []


def test_envelope_follower_and_synthetic_envelope():
    f = EnvelopeFollower(attack_s=0.03, release_s=0.12, floor=0.0, gain=1.0)
    assert f.step(1.0, 0.03) == pytest.approx(1 - 1 / 2.718281828, rel=1e-3)
    levels = [synthetic_envelope(k / 100) for k in range(300)]
    assert max(levels) > 0.6 and min(levels) == 0.0


def test_mapping_round_trip_and_live2d_problems(tmp_path):
    data = {"parameter_mapping": {"angle_x": "ParamAngleX", "breath": "AIsChocoBreath", "smile": "MouthSmile"},
            "emotions": {"happy": {"angle_x": 5, "breath": 0.5, "smile": 1}, "neutral": {"smile": 0.2}},
            "default": "neutral", "future_key": {"kept": True}}
    p = tmp_path / "pose_mapping.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    m = load_mapping(p)
    probs = m.problems()
    assert [(x.logical, x.parameter_id, x.fix) for x in probs] == [("angle_x", "ParamAngleX", "FaceAngleX")]
    assert "Live2D" in probs[0].message and "FaceAngleX" in probs[0].message
    assert m.custom_ids() == ["AIsChocoBreath"]
    assert m.pose_by_id("unknown") == {"MouthSmile": 0.2}  # falls back to "default"
    save_mapping(p, m)
    again = json.loads(p.read_text(encoding="utf-8"))
    assert again["parameter_mapping"] == data["parameter_mapping"] and again["emotions"]["happy"]["angle_x"] == 5
    assert again["default"] == "neutral" and again["future_key"] == {"kept": True}
    fixed = m.apply_fixes()
    assert fixed and m.parameter_mapping["angle_x"] == "FaceAngleX" and not m.problems()


def test_bad_mapping_file_gives_a_clear_error(tmp_path):
    p = tmp_path / "pose_mapping.json"
    p.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_mapping(p)
    p.write_text(json.dumps({"emotions": {"happy": 3}}), encoding="utf-8")
    with pytest.raises(ValueError, match="happy"):
        load_mapping(p)


def test_shipped_mapping_is_valid():
    from aischoco_gui.paths import shipped_path

    m = load_mapping(shipped_path("config", "pose_mapping.json"))
    assert not m.problems(), [p.message for p in m.problems()]
    assert set(m.emotions) >= {"happy", "sad", "angry", "surprised", "neutral", "excited"}
    assert isinstance(PoseMapping.from_dict(m.to_dict()), PoseMapping)
