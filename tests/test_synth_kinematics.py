"""The synthetic set generator: its truth matches what was asked and what the joints show."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hipthrust_cam.datatypes import SIDE_JOINTS, Landmark
from hipthrust_cam.synth import SetSpec, degrade, simulate
from hipthrust_cam.synth import truth as T

FAULT_CASES = [
    # (spec overrides, set-level faults expected)
    ({}, []),
    ({"lumbar_arch": 1.0}, ["lumbar_hyperextension"]),
    ({"lockout_knee_deg": 112.0}, ["feet_too_far"]),
    ({"lockout_knee_deg": 70.0}, ["feet_too_close"]),
    ({"head_deg": 30.0}, ["head_back"]),
    ({"pause_s": 0.1, "eccentric_s": 0.4}, ["no_pause", "fast_eccentric"]),
    ({"heel_lift": 0.12}, ["heels_up"]),
    ({"bench_slide": 0.2}, ["bench_slide"]),
    ({"lockout_hip_deg": 160.0, "lockout_knee_deg": 95.0}, ["incomplete_lockout"]),
    ({"side": "right", "shake_px": 5.0}, []),
]


@pytest.mark.parametrize(("overrides", "faults"), FAULT_CASES)
def test_faults_labelled(overrides: dict, faults: list[str]) -> None:
    sim = simulate(SetSpec(**overrides))
    assert sim.truth["faults"] == faults
    assert all(rep["faults"] == faults for rep in sim.truth["reps"])


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize(
    ("hip", "knee", "head"), [(178.0, 90.0, -5.0), (170.0, 100.0, 10.0), (175.0, 80.0, 25.0)]
)
def test_lockout_angles_match_spec(side: str, hip: float, knee: float, head: float) -> None:
    sim = simulate(SetSpec(side=side, lockout_hip_deg=hip, lockout_knee_deg=knee, head_deg=head))
    for rep in sim.truth["reps"]:
        assert rep["hip_extension_deg"] == pytest.approx(hip, abs=0.2)
        assert rep["knee_angle_deg"] == pytest.approx(knee, abs=0.2)
        assert rep["head_angle_deg"] == pytest.approx(head, abs=0.2)
        assert rep["bottom_hip_extension_deg"] == pytest.approx(100.0, abs=0.2)


def test_lumbar_arch_shows_in_angles_and_profiles() -> None:
    clean, arched = simulate(SetSpec()), simulate(SetSpec(lumbar_arch=1.0))
    rep_c, rep_a = clean.truth["reps"][0], arched.truth["reps"][0]
    assert rep_a["hip_extension_deg"] > 190 > rep_c["hip_extension_deg"]
    assert rep_a["torso_angle_deg"] < rep_c["torso_angle_deg"] - 5  # shoulders tip down
    i = int(
        np.argmin(np.abs(arched.t_s - 0.5 * (rep_a["lockout_start_s"] + rep_a["lockout_end_s"])))
    )
    lumbar = slice(8, 12)  # about 60 % of the way from shoulder to hip
    assert (
        arched.series.back_profile[i, lumbar].mean()
        < clean.series.back_profile[i, lumbar].mean() - 0.05
    )
    assert (
        arched.series.front_profile[i, 3:7].mean()
        > clean.series.front_profile[i, 3:7].mean() + 0.05
    )
    bottom = int(np.argmin(np.abs(arched.t_s - rep_a["start_s"])))
    np.testing.assert_allclose(
        arched.series.back_profile[bottom], clean.series.back_profile[bottom]
    )


def test_shin_sign_follows_foot_placement() -> None:
    far = simulate(SetSpec(lockout_knee_deg=112)).truth["reps"][0]["shin_angle_deg"]
    close = simulate(SetSpec(lockout_knee_deg=70)).truth["reps"][0]["shin_angle_deg"]
    assert far > 10 and close < -10


def test_rep_timing_follows_tempo() -> None:
    spec = SetSpec(reps=4, concentric_s=0.8, pause_s=2.0, eccentric_s=1.2, rest_s=0.5, setup_s=3.0)
    reps = simulate(spec).truth["reps"]
    assert [r["start_s"] for r in reps] == pytest.approx([3.0, 7.5, 12.0, 16.5])
    for r in reps:
        assert (r["concentric_s"], r["pause_s"], r["eccentric_s"]) == pytest.approx((0.8, 2.0, 1.2))


def test_hips_reach_lockout_only_inside_lockout_windows() -> None:
    sim = simulate(SetSpec())
    hip = sim.angles["hip_extension_deg"]
    locked = hip > 170
    windows = np.zeros_like(locked)
    for r in sim.truth["reps"]:
        lo = r["lockout_start_s"] - 0.3 * r["concentric_s"]  # min-jerk: 170 deg at ~77 % of the way
        windows |= (sim.t_s >= lo) & (sim.t_s <= r["lockout_end_s"] + 0.3 * r["eccentric_s"])
    assert locked.any() and not (locked & ~windows).any()
    setup = sim.t_s < sim.truth["reps"][0]["start_s"]
    assert hip[setup].max() < 105  # getting into position is no rep


def test_uncounted_partial_reps() -> None:
    sim = simulate(SetSpec(reps=2, start_at_top=True, trailing_partial=0.5))
    assert sim.truth["rep_count"] == 2
    hip = sim.angles["hip_extension_deg"]
    assert hip[0] == pytest.approx(178.0, abs=0.2)  # the clip starts at the top
    assert 120 < hip[-1] < 160  # and ends half-way up


def test_series_has_near_side_visible_and_far_side_faint() -> None:
    for side, far in (("left", "right"), ("right", "left")):
        sim = simulate(SetSpec(side=side))
        s = sim.series
        near_hip, far_hip = SIDE_JOINTS[side]["hip"], SIDE_JOINTS[far]["hip"]
        np.testing.assert_allclose(s.xy[:, near_hip], sim.joints["hip"], atol=1e-3)
        assert (s.visibility[:, near_hip] > s.visibility[:, far_hip]).all()
        gap = np.linalg.norm(s.xy[:, near_hip] - s.xy[:, far_hip], axis=1)
        assert 0 < gap.max() < 0.05 * s.image_size[0]  # pairs nearly overlap in a side view
        assert np.isfinite(s.xy).all() and s.num_poses.min() == 1


def test_left_side_has_head_on_the_right() -> None:
    left, right = simulate(SetSpec(side="left")), simulate(SetSpec(side="right"))
    assert (left.joints["ear"][:, 0] > left.joints["ankle"][:, 0]).all()
    assert (right.joints["ear"][:, 0] < right.joints["ankle"][:, 0]).all()
    np.testing.assert_allclose(
        left.angles["hip_extension_deg"], right.angles["hip_extension_deg"], atol=1e-6
    )


def test_joints_stay_in_frame_and_above_floor() -> None:
    sim = simulate(SetSpec(lockout_knee_deg=112, lumbar_arch=1, head_deg=30, shake_px=6))
    pts = np.stack(list(sim.joints.values()))
    assert pts[..., 0].min() > 0 and pts[..., 0].max() < 854
    assert pts[..., 1].min() > 0 and pts[..., 1].max() < 480


@pytest.mark.parametrize("knee", [65.0, 90.0, 115.0])
def test_hips_never_go_through_the_floor(knee: float) -> None:
    sim = simulate(SetSpec(lockout_knee_deg=knee))
    floor_px = 0.87 * 480
    hip_height_m = (floor_px - sim.joints["hip"][:, 1]) / sim.px_per_m
    assert hip_height_m.min() >= 0.149
    setup = sim.t_s < sim.truth["reps"][0]["start_s"]
    assert sim.angles["hip_extension_deg"][setup].min() > 80
    assert sim.angles["hip_extension_deg"][setup].max() < 120  # seated, never near lockout


def test_degrade_noise_and_dropouts() -> None:
    clean = simulate(SetSpec()).series
    noisy = degrade(clean, noise_px=3.0, dropout_frac=0.2, dropout_gap_s=0.5, seed=3)
    dropped = noisy.num_poses == 0
    assert 0.18 < dropped.mean() < 0.3
    assert np.isnan(noisy.xy[dropped]).all() and (noisy.visibility[dropped] == 0).all()
    runs = np.diff(np.flatnonzero(np.diff(np.r_[0, dropped.astype(int), 0])))[::2]
    assert runs.min() >= 15  # gaps of half a second at 30 fps
    err = (noisy.xy[~dropped] - clean.xy[~dropped]).std()
    assert 2.5 < err < 3.5
    again = degrade(clean, noise_px=3.0, dropout_frac=0.2, dropout_gap_s=0.5, seed=3)
    np.testing.assert_array_equal(noisy.xy, again.xy)


def test_degrade_single_landmark_keeps_person() -> None:
    clean = simulate(SetSpec()).series
    out = degrade(clean, dropout_frac=0.3, landmarks=(Landmark.LEFT_KNEE,), seed=1)
    lost = np.isnan(out.xy[:, Landmark.LEFT_KNEE, 0])
    assert 0.25 < lost.mean() < 0.35
    assert (out.num_poses == 1).all() and np.isfinite(out.xy[:, Landmark.LEFT_HIP]).all()


def test_truth_is_json_and_carries_thresholds() -> None:
    truth = json.loads(json.dumps(simulate(SetSpec(reps=2)).truth))
    assert truth["rep_count"] == 2 and truth["synthetic"] is True
    assert {row["fault"] for row in truth["thresholds"]} == {code for code, *_ in T.FAULT_RULES}
    assert truth["spec"]["lockout_knee_deg"] == 90.0


def test_convention_angles_on_hand_made_points() -> None:
    # Left side to camera: head on the right. Image y is down.
    hip, shoulder, knee = np.array([0.0, 0.0]), np.array([10.0, 0.0]), np.array([-10.0, 0.0])
    assert T.hip_extension_deg(shoulder, hip, knee) == pytest.approx(180.0)
    assert (
        T.hip_extension_deg(shoulder, np.array([0.0, 3.0]), knee) < 180
    )  # hip sags below the line
    assert T.hip_extension_deg(shoulder, np.array([0.0, -3.0]), knee) > 180  # hip above: arched
    assert T.torso_angle_deg(np.array([10.0, -10.0]), hip) == pytest.approx(45.0)
    ear_back = np.array([20.0, 5.0])  # below the extended torso line: posterior side
    assert T.head_angle_deg(hip, shoulder, ear_back) > 0
    ankle_far = np.array([-20.0, 10.0])  # ankle farther from the hip than the knee
    assert T.shin_angle_deg(hip, knee, ankle_far) == pytest.approx(45.0)
    assert T.knee_angle_deg(hip, knee, np.array([-10.0, 10.0])) == pytest.approx(90.0)


def test_spec_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        SetSpec(side="front")
    with pytest.raises(ValueError):
        SetSpec(concentric_s=0)
