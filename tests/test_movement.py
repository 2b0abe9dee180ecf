"""What movement a set shows: a deadlift is named as another movement, a hip thrust never is."""

from __future__ import annotations

import math

from hipthrust_cam.analysis.framing import MovementGuess, classify_posture
from hipthrust_cam.config import SetupConfig

CFG = SetupConfig()
NAN = math.nan

# A conventional deadlift on the way down: bent forward, knees a little bent, shoulders high.
HINGE = {"torso_angle_deg": 30.0, "knee_angle_deg": 140.0, "shoulder_above_ankle": 2.2,
         "hip_extension_deg": NAN}  # fmt: skip
# A deadlift's top: standing tall.
TOP = {"torso_angle_deg": 85.0, "knee_angle_deg": 172.0, "shoulder_above_ankle": 3.0,
       "hip_extension_deg": NAN}  # fmt: skip
# A hip thrust at the bottom and at lockout: shoulders on the bench, knees bent.
THRUST_BOTTOM = {"torso_angle_deg": 30.0, "knee_angle_deg": 75.0, "shoulder_above_ankle": 0.8,
                 "hip_extension_deg": 140.0}  # fmt: skip
THRUST_TOP = {"torso_angle_deg": 2.0, "knee_angle_deg": 90.0, "shoulder_above_ankle": 0.9,
              "hip_extension_deg": 178.0}  # fmt: skip


def test_a_hip_hinge_is_its_own_posture_and_a_hip_thrust_is_not_one() -> None:
    assert classify_posture(HINGE, CFG) == "hinge"
    assert classify_posture(TOP, CFG) == "standing"
    assert classify_posture(THRUST_BOTTOM, CFG) != "hinge"
    assert classify_posture(THRUST_TOP, CFG) == "hip_thrust"
    # Legs unseen: nothing says it is a hinge.
    assert classify_posture({**HINGE, "shoulder_above_ankle": NAN}, CFG) == "unknown"


def test_a_deadlift_split_between_hinge_and_standing_is_named_not_a_hip_thrust() -> None:
    # 7 s at 30 fps: a deadlift's frames split between its hinge and its top, neither alone
    # a sixth of the set (with a tilted phone, the top alone fell short of the evidence).
    guess = MovementGuess(fps=30.0)
    for posture in [HINGE] * 31 + [TOP] * 28 + [{}] * 151:
        guess.add_posture(classify_posture(posture, CFG))
    assert guess.other_movement(detected_frames=210, body_out=False) == "hinge"


def test_hip_thrust_frames_outweigh_a_few_of_standing_up() -> None:
    guess = MovementGuess(fps=30.0)
    for posture in [TOP] * 20 + [HINGE] * 15 + [THRUST_BOTTOM] * 100 + [THRUST_TOP] * 60:
        guess.add_posture(classify_posture(posture, CFG))
    assert guess.other_movement(detected_frames=195, body_out=False) is None


def test_a_rep_that_starts_on_straight_legs_is_not_a_hip_thrust() -> None:
    # A push-up filmed at an angle at 24 fps: its top read like a hip thrust's (knee 147, torso
    # 10, hip 214) and it was counted. Its bottom was on straight legs (knee 163), which a hip
    # thrust's or a bridge's never is: the feet are planted near the hips.
    pushup_top = {"torso_angle_deg": 10.0, "knee_angle_deg": 147.0, "shoulder_above_ankle": 0.8,
                  "hip_extension_deg": 214.0}  # fmt: skip
    assert classify_posture({**pushup_top, "bottom_knee_deg": 163.0}, CFG) != "hip_thrust"
    assert classify_posture({**THRUST_TOP, "bottom_knee_deg": 163.0}, CFG) != "hip_thrust"
    assert classify_posture({**THRUST_TOP, "bottom_knee_deg": 70.0}, CFG) == "hip_thrust"
    # Feet far out (a tall lifter): still bent at the bottom.
    assert classify_posture({**THRUST_TOP, "bottom_knee_deg": 120.0}, CFG) == "hip_thrust"
    # A bottom the camera did not see is not held against the rep.
    assert classify_posture({**THRUST_TOP, "bottom_knee_deg": NAN}, CFG) == "hip_thrust"
