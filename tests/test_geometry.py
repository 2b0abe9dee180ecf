"""Angle conventions on hand-made poses (image pixels, y down)."""

from __future__ import annotations

import numpy as np
import pytest

from hipthrust_cam.analysis import geometry as g


def pts(*xy: tuple[float, float]) -> np.ndarray:
    return np.array(xy, dtype=float)


def test_hip_extension_straight_flexed_and_over_extended() -> None:
    shoulder, knee = pts((0, 0), (0, 0), (0, 0)), pts((100, 0), (100, 0), (100, 0))
    hip = pts((50, 0.0), (50, 50), (50, -10))  # on the line, sagging below, pushed above
    got = g.hip_extension(shoulder, hip, knee)
    assert got[0] == pytest.approx(180.0)
    assert got[1] == pytest.approx(90.0)
    assert got[2] == pytest.approx(360.0 - 2 * np.degrees(np.arctan2(50, 10)))
    assert got[2] > 180.0


def test_hip_extension_does_not_depend_on_which_way_the_lifter_faces() -> None:
    shoulder, hip, knee = pts((0, 0)), pts((50, 20)), pts((100, 0))
    mirror = np.array([-1.0, 1.0])
    assert g.hip_extension(shoulder, hip, knee) == pytest.approx(
        g.hip_extension(shoulder * mirror, hip * mirror, knee * mirror)
    )


@pytest.mark.parametrize(
    ("shoulder", "hip", "expected"),
    [
        ((0, 0), (100, 0), 0.0),
        ((0, 0), (100, 100), 45.0),
        ((0, 100), (100, 0), -45.0),
        ((200, 0), (100, 100), 45.0),
    ],
)
def test_torso_angle_sign(shoulder, hip, expected) -> None:
    assert g.torso_angle(pts(shoulder), pts(hip))[0] == pytest.approx(expected)


def test_knee_angle_is_interior() -> None:
    assert g.knee_angle(pts((0, 0)), pts((100, 0)), pts((100, 100)))[0] == pytest.approx(90.0)
    assert g.knee_angle(pts((0, 0)), pts((100, 0)), pts((200, 0)))[0] == pytest.approx(180.0)


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_shin_angle_sign_says_feet_far_or_close(facing: float) -> None:
    hip, knee = pts((0, 0)), pts((100 * facing, 0))
    far = g.shin_angle(hip, knee, pts((120 * facing, 100)))[0]
    close = g.shin_angle(hip, knee, pts((80 * facing, 100)))[0]
    vertical = g.shin_angle(hip, knee, pts((100 * facing, 100)))[0]
    assert far == pytest.approx(np.degrees(np.arctan2(20, 100)))
    assert close == pytest.approx(-far)
    assert vertical == pytest.approx(0.0)


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_head_angle_sign_back_is_positive(facing: float) -> None:
    hip, shoulder = pts((0, 0)), pts((-100 * facing, 0))  # lying flat, head beyond the shoulder
    in_line = g.head_angle(hip, shoulder, pts((-130 * facing, 0)))[0]
    thrown_back = g.head_angle(hip, shoulder, pts((-130 * facing, 20)))[0]  # ear drops (y down)
    tucked = g.head_angle(hip, shoulder, pts((-130 * facing, -20)))[0]
    assert in_line == pytest.approx(0.0)
    assert thrown_back > 0 > tucked
    assert thrown_back == pytest.approx(-tucked)


def test_nan_in_nan_out_row_by_row() -> None:
    a = pts((0, 0), (np.nan, 0))
    b = pts((100, 0), (100, 0))
    c = pts((100, 100), (100, 100))
    for name, (fn, _) in g.ANGLE_FUNCS.items():
        out = fn(a, b, c) if fn.__code__.co_argcount == 3 else fn(a, b)
        assert np.isfinite(out[0]), name
        assert np.isnan(out[1]), name


def test_matches_the_synthetic_ground_truth_conventions() -> None:
    from hipthrust_cam.synth import truth

    rng = np.random.default_rng(0)
    s, h, k, a, e = (rng.uniform(0, 500, (200, 2)) for _ in range(5))
    np.testing.assert_allclose(g.torso_angle(s, h), truth.torso_angle_deg(s, h), atol=1e-6)
    np.testing.assert_allclose(g.knee_angle(h, k, a), truth.knee_angle_deg(h, k, a), atol=1e-4)
    np.testing.assert_allclose(g.shin_angle(h, k, a), truth.shin_angle_deg(h, k, a), atol=1e-6)
    np.testing.assert_allclose(g.head_angle(h, s, e), truth.head_angle_deg(h, s, e), atol=1e-6)
    # Hip extension: the two definitions agree wherever the hip lies between shoulder and knee.
    between = (np.minimum(s[:, 0], k[:, 0]) < h[:, 0]) & (h[:, 0] < np.maximum(s[:, 0], k[:, 0]))
    np.testing.assert_allclose(
        g.hip_extension(s, h, k)[between], truth.hip_extension_deg(s, h, k)[between], atol=1e-4
    )


def test_per_frame_features_match_the_array_features() -> None:
    """The analyzer's plain-float path gives the array path's numbers, NaN where unseen."""
    from hipthrust_cam.analysis.features import (
        CHANNELS,
        FEATURE_NAMES,
        frame_features,
        point_features,
        side_joints,
    )

    rng = np.random.default_rng(5)
    vectors = rng.uniform(0, 640, size=(400, CHANNELS))
    vectors[rng.random(vectors.shape) < 0.05] = np.nan  # some unseen landmarks
    vectors[:20, 6:8] = vectors[:20, 8:10]  # collapsed knee == ankle (shin length 0)
    for side in ("left", "right"):
        arrays = frame_features(side_joints(vectors, side))
        for i, vec in enumerate(vectors):
            point = point_features(vec, side)
            for name in FEATURE_NAMES:
                assert point[name] == pytest.approx(arrays[name][i], rel=1e-9, nan_ok=True), name
