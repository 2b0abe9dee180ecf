"""The overlay fits the frame: every cue and setup message stays whole, portrait or landscape."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from hipthrust_cam.analysis.framing import MESSAGES
from hipthrust_cam.analysis.results import FrameResult
from hipthrust_cam.config import DEFAULT_CUE_TEXTS, Config
from hipthrust_cam.datatypes import SIDE_JOINTS
from hipthrust_cam.media.overlay import (
    OverlayStyle,
    draw,
    draw_setup_guide,
    fit_text,
    joint_points,
    scaled,
)
from hipthrust_cam.pose.keypoints import load_keypoints
from hipthrust_cam.report.assemble import analyze_series

GOLDEN = Path(__file__).parent / "golden" / "clean_left.keypoints.npz"
STYLE = OverlayStyle()
SIZES = [(540, 960), (720, 1280), (854, 480), (1280, 720), (360, 640)]  # (w, h)


@pytest.fixture(scope="module")
def result() -> FrameResult:
    results, _ = analyze_series(load_keypoints(GOLDEN), Config())
    return results[100]


def _columns_with(image: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    return np.flatnonzero((image == np.array(colour, np.uint8)).all(axis=2).any(axis=0))


def _rows_with(image: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    return np.flatnonzero((image == np.array(colour, np.uint8)).all(axis=2).any(axis=1))


@pytest.mark.parametrize(("w", "h"), SIZES)
def test_every_cue_fits_the_frame(result: FrameResult, w: int, h: int) -> None:
    # A phone on the floor films portrait: "Control the way down" ran off a 540 px wide frame.
    blank = np.full((h, w, 3), 60, np.uint8)
    for code, text in DEFAULT_CUE_TEXTS.items():
        shown = draw(blank, dataclasses.replace(result, cue=(code, text), messages=()))
        cols = _columns_with(shown, STYLE.cue_bg)
        assert cols.size, f"{text!r}: no banner drawn at {w}x{h}"
        assert cols.min() > 0 and cols.max() < w - 1, f"{text!r} cut off at {w}x{h}"


@pytest.mark.parametrize(("w", "h"), SIZES)
def test_setup_messages_fit_beside_or_below_the_panel(result: FrameResult, w: int, h: int) -> None:
    blank = np.full((h, w, 3), 60, np.uint8)
    longest = tuple(sorted(MESSAGES.values(), key=len)[-3:])
    shown = draw(blank, dataclasses.replace(result, cue=None, good_rep=False, messages=longest))
    cols = _columns_with(shown, STYLE.message_bg)
    assert cols.size and cols.min() > 0 and cols.max() < w - 1, f"messages cut off at {w}x{h}"
    # Never over the rep panel (top left, 250 x 232 at a 720 px tall frame).
    s = max(h, 360) / 720
    panel = shown[round(12 * s) : round(244 * s), round(12 * s) : round(262 * s)]
    assert not (panel == np.array(STYLE.message_bg, np.uint8)).all(axis=2).any()
    # The live setup guide goes below them, not over them.
    guide = shown.copy()
    draw_setup_guide(guide, ("Side-on to the camera", "Start when ready"), STYLE, longest)
    assert _rows_with(guide, STYLE.message_bg).max() == _rows_with(shown, STYLE.message_bg).max()


def test_a_text_too_long_for_one_line_wraps_between_words() -> None:
    lines, size = fit_text("Move back: knees and feet not in frame", 150, 1.0, 1, 0.5)
    assert len(lines) > 1 and size == pytest.approx(0.5)
    assert " ".join(lines) == "Move back: knees and feet not in frame"


def test_the_skeleton_is_drawn_where_the_angles_were_measured(result: FrameResult) -> None:
    # A plate over the hips: the model throws the foot far off the floor while the analyzer
    # measures the shin on the planted foot. The drawn shin must be the measured one, and a
    # joint the analyzer could not believe is not drawn at all.
    assert result.side is not None
    lm = SIDE_JOINTS[result.side]
    xy = result.pose.xy.copy()
    xy[lm["ankle"]] = (5.0, 5.0)  # the model's wild guess
    joints = {**result.joints, "knee": (float("nan"), float("nan"))}
    thrown = dataclasses.replace(
        result, pose=dataclasses.replace(result.pose, xy=xy), joints=joints
    )
    points = joint_points(thrown)
    ax, ay = result.joints["ankle"]
    assert points["ankle"] == (round(ax), round(ay))
    assert "knee" not in points
    # The arms, which nothing measures, are drawn where the model saw them.
    ex, ey = result.pose.xy[lm["elbow"]]
    assert points["elbow"] == (round(float(ex)), round(float(ey)))
    # Drawn on a smaller annotated video, the measured joints shrink with it.
    half = joint_points(scaled(thrown, 0.5))
    assert half["ankle"] == (round(ax * 0.5), round(ay * 0.5))


def test_a_knee_whose_angle_is_not_judged_is_not_drawn() -> None:
    # Under the plate the model folds the leg; the leg checks drop the knee's angles, and the
    # overlay must not draw that knee as if it were measured.
    keypoints = load_keypoints(GOLDEN.with_name("gym_barbell_left.keypoints.npz"))
    results, _ = analyze_series(keypoints, Config())
    unjudged = [r for r in results if r.side and math.isnan(r.angles["knee_angle_deg"])]
    judged = [r for r in results if r.side and math.isfinite(r.angles["knee_angle_deg"])]
    assert unjudged and judged
    assert all("knee" not in joint_points(r) for r in unjudged)
    assert all("knee" in joint_points(r) for r in judged if r.pose.detected)
