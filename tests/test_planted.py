"""Planted parts: what the analysis believes when the pose model is unsure of a landmark.

Frame sequences in, positions and their source out: a foot the model throws off while unsure
stays where the foot is; an unsure knee is kept only where the body's proportions put it; a real
heel lift and feet that were really set down elsewhere are not hidden.
"""

from __future__ import annotations

import numpy as np
import pytest

from hipthrust_cam.analysis.planted import JOINTS, PlantedParts, Source
from hipthrust_cam.config import Config
from hipthrust_cam.datatypes import NUM_LANDMARKS, SIDE_JOINTS, PoseFrame

FPS = 30.0
BODY = {  # a lifter at the bottom of a rep, left side to the camera, px
    "ear": (620.0, 250.0),
    "shoulder": (560.0, 300.0),
    "hip": (400.0, 380.0),
    "knee": (250.0, 300.0),
    "ankle": (260.0, 480.0),
    "heel": (285.0, 495.0),
    "toe": (200.0, 500.0),
}


def pose(t_s: float, moved: dict[str, tuple[float, float]] | None = None,
         vis: dict[str, float] | None = None) -> PoseFrame:  # fmt: skip
    xy = np.full((NUM_LANDMARKS, 2), np.nan, np.float32)
    visibility = np.zeros(NUM_LANDMARKS, np.float32)
    for side, shift in (("left", 0.0), ("right", 8.0)):
        for joint, (x, y) in {**BODY, **(moved or {})}.items():
            i = SIDE_JOINTS[side][joint]
            xy[i] = (x + shift, y)
            visibility[i] = (vis or {}).get(joint, 0.95) if side == "left" else 0.2
    return PoseFrame(t_s, xy, visibility, visibility.copy(),
                     np.zeros((NUM_LANDMARKS, 3), np.float32), 1)  # fmt: skip


def planted_parts() -> PlantedParts:
    cfg = Config()
    return PlantedParts(cfg.planted, cfg.features.visibility_gate, cfg.features.limb_tolerance)


def run(frames: list[PoseFrame]) -> list[tuple[np.ndarray, np.ndarray]]:
    parts = planted_parts()
    return [parts.update(f).side("left")[:2] for f in frames]


def settled(seconds: float = 1.0) -> list[PoseFrame]:
    return [pose(i / FPS) for i in range(int(seconds * FPS))]


def test_a_foot_thrown_off_while_unsure_stays_where_the_foot_is() -> None:
    thrown = {"ankle": (30.0, 380.0), "heel": (10.0, 400.0), "toe": (-20.0, 370.0)}
    lost = [pose(1.0 + i / FPS, thrown, {j: 0.15 for j in thrown}) for i in range(20)]
    xy, source = run(settled() + lost)[-1]
    for joint in thrown:
        i = JOINTS.index(joint)
        assert source[i] == Source.ANCHORED
        assert np.hypot(*(xy[i] - BODY[joint])) < 1.0


def test_an_unsure_foot_on_the_foot_is_kept_as_measured() -> None:
    """The heavy model: ankle within a few pixels of the real foot, visibility 0.3."""
    near = [pose(1.0 + i / FPS, {"ankle": (263.0, 482.0)}, {"ankle": 0.3}) for i in range(10)]
    xy, source = run(settled() + near)[-1]
    i = JOINTS.index("ankle")
    assert source[i] == Source.CONSISTENT
    assert tuple(xy[i]) == (263.0, 482.0)


def test_a_real_heel_lift_is_not_hidden_by_the_anchor() -> None:
    lifted = {"heel": (285.0, 475.0), "ankle": (262.0, 466.0)}  # 0.11 and 0.08 shin lengths up
    frames = settled() + [pose(1.0 + i / FPS, lifted) for i in range(15)]
    xy, source = run(frames)[-1]
    i = JOINTS.index("heel")
    assert source[i] == Source.MEASURED and xy[i][1] == 475.0


def test_feet_set_down_elsewhere_move_the_anchor_after_a_moment() -> None:
    step = {"ankle": (330.0, 480.0), "heel": (355.0, 495.0), "toe": (270.0, 500.0)}
    moved = [pose(1.0 + i / FPS, step) for i in range(int(1.5 * FPS))]
    results = run(settled() + moved)
    i = JOINTS.index("ankle")
    first = results[int(FPS)]  # the first frame with the feet elsewhere: not believed yet
    last = results[-1]  # clearly seen there for 1.5 s: the feet were set again
    assert first[1][i] == Source.ANCHORED
    assert last[1][i] == Source.MEASURED and tuple(last[0][i]) == step["ankle"]


@pytest.mark.parametrize(
    ("knee", "kept"),
    [((255.0, 305.0), True), ((150.0, 200.0), False)],
    ids=["where-the-shin-and-thigh-put-it", "shin-too-long"],
)
def test_an_unsure_knee_is_kept_only_where_the_body_puts_it(
    knee: tuple[float, float], kept: bool
) -> None:
    frames = settled() + [pose(1.0 + i / FPS, {"knee": knee}, {"knee": 0.4}) for i in range(5)]
    xy, source = run(frames)[-1]
    i = JOINTS.index("knee")
    assert (source[i] == Source.CONSISTENT) == kept
    assert np.isnan(xy[i]).all() != kept


def test_before_anything_was_seen_clearly_an_unsure_landmark_is_not_believed() -> None:
    frames = [pose(i / FPS, vis=dict.fromkeys(BODY, 0.3)) for i in range(10)]
    _, source = run(frames)[-1]
    assert (source == Source.UNSEEN).all()


def test_anchored_positions_carry_a_lower_confidence() -> None:
    parts = planted_parts()
    for frame in settled():
        parts.update(frame)
    thrown = {"ankle": (30.0, 380.0)}
    _, source, confidence = parts.update(pose(1.1, thrown, {"ankle": 0.1})).side("left")
    i = JOINTS.index("ankle")
    assert source[i] == Source.ANCHORED
    assert confidence[i] == Config().planted.anchored_confidence


def test_a_limb_the_frame_cuts_off_is_never_measured_however_sure_the_model_is() -> None:
    """A close-up: the model extrapolates the knee past the image edge with visibility 0.8."""
    cfg = Config()
    parts = PlantedParts(cfg.planted, 0.5, cfg.features.limb_tolerance, image_size=(640, 480))
    for frame in settled():
        parts.update(frame)
    outside = pose(1.1, {"knee": (-40.0, 300.0)}, {"knee": 0.8})
    xy, source, _ = parts.update(outside).side("left")
    i = JOINTS.index("knee")
    assert source[i] == Source.UNSEEN and np.isnan(xy[i]).all()
