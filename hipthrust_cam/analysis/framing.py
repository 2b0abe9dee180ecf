"""Framing checks: camera view, body in frame, people in frame, and what movement this is.

Inputs: raw `PoseFrame`s (before smoothing), the image size, per-frame postures and per-rep
measures. Outputs: plain-language messages for the current frame, a set-level summary for the
report (view, warnings), a movement label per candidate rep ("hip_thrust", "glute_bridge", or a
guess at what else it is) and, over the set, the movement and variant (`MovementGuess`). Only
hip thrusts and glute bridges are counted as reps.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, deque
from dataclasses import dataclass

import numpy as np

from hipthrust_cam.analysis.planted import JOINTS, SIDES, PlantedFrame
from hipthrust_cam.analysis.results import RepMeasures
from hipthrust_cam.config import SetupConfig
from hipthrust_cam.datatypes import SIDE_JOINTS, PoseFrame

MESSAGES: dict[str, str] = {
    "nobody": "Nobody in frame",
    "several": "Several people in frame",
    "front_view": "Turn side-on to the camera: a side view is needed",
    "oblique_view": (
        "Filmed at an angle: reps and tempo only; feet, arch, head and heels need a side view"
    ),
    "knees_out": "Move back: knees and feet not in frame",
    "feet_out": "Move back: feet not in frame",
    "not_hip_thrust": "This does not look like a hip thrust",
}
"""Check code -> what the user is told."""

COUNTED_MOVEMENTS = ("hip_thrust", "glute_bridge")
_RECENT = 45  # frames of recent history for live messages (~1.5 s at 30 fps)
_SPREAD_HISTORY = 900  # frames of left-right spread kept for the view decision
_LEVELLING_DEG = 15.0  # a hip thrust's torso levels out at least this much from bottom to top
_PAIRS = ("shoulder", "hip")
_AXES = ("shoulder", "hip", "knee", "ankle")


@dataclass(frozen=True)
class FrameChecks:
    """What one raw frame says about the setup.

    Attributes:
        detected, several: Someone / more than one person seen.
        spread: Left-right spread of shoulders and hips over torso length in the image (NaN if
            unseen); the fallback view measure when the pose has no world landmarks.
        yaws_deg: How far the camera is turned from the lifter's side, deg (0 = side-on,
            90 = front or back), one value per clearly seen left-right axis of the 3D (world)
            landmarks; empty if none.
        knees_in, feet_in: The knees / ankles of the side facing the camera lie inside the
            image (where the body is, not how sure the model is of it).
    """

    detected: bool
    several: bool
    spread: float
    yaws_deg: tuple[float, ...]
    knees_in: bool
    feet_in: bool


def _spread(xy: np.ndarray) -> float:
    """Left-right spread of shoulders and hips over torso length, in the image."""
    left, right = SIDE_JOINTS["left"], SIDE_JOINTS["right"]
    gaps = [float(np.hypot(*(xy[left[j]] - xy[right[j]]))) for j in _PAIRS]
    lengths = [float(np.hypot(*(xy[s["shoulder"]] - xy[s["hip"]]))) for s in (left, right)]
    lengths = [v for v in lengths if math.isfinite(v)]
    torso = sum(lengths) / len(lengths) if lengths else math.nan
    return sum(gaps) / len(gaps) / torso if torso > 0 else math.nan


def camera_yaws_deg(world: np.ndarray, visibility: np.ndarray, gate: float) -> list[float]:
    """How far the camera is turned from the lifter's side, per left-right axis, deg.

    The left-right axes through the shoulders, hips, knees and ankles point straight at a
    side camera (along depth) and lie across the image for a front one; each one's angle to
    the image plane is 90 deg minus the yaw. Only axes whose two landmarks are clearly seen
    count: a leg the model lost would swing its axis anywhere.

    Args:
        world: (33, 3) metres, camera-aligned (x right, y down, z depth); NaN if unseen.
        visibility: (33,) in [0, 1].
        gate: Visibility at or above which a landmark counts as clearly seen.
    """
    yaws = []
    for joint in _AXES:
        i, j = SIDE_JOINTS["left"][joint], SIDE_JOINTS["right"][joint]
        if visibility[i] < gate or visibility[j] < gate:
            continue
        axis = world[j] - world[i]
        across = math.hypot(float(axis[0]), float(axis[1]))
        depth = abs(float(axis[2]))
        if math.isfinite(across) and math.isfinite(depth) and across + depth > 0:
            yaws.append(90.0 - math.degrees(math.atan2(depth, across)))
    return yaws


def check_frame(
    pose: PoseFrame,
    planted: PlantedFrame,
    image_size: tuple[int, int],
    cfg: SetupConfig,
    gate: float = 0.5,
) -> FrameChecks:
    """Setup facts of one raw frame.

    Args:
        pose: The frame.
        planted: Its positions to analyse (a foot the model threw off is at its anchor).
        image_size: (width, height), px.
        cfg: Setup limits.
        gate: Visibility at or above which a landmark counts as clearly seen.
    """
    w, h = image_size
    m = cfg.frame_margin_frac
    near = int(np.argmax([planted.confidence[k].sum() for k in range(len(SIDES))]))

    def inside(joint: str) -> bool:
        i = JOINTS.index(joint)
        x, y = planted.xy[near, i]
        if not (math.isfinite(x) and math.isfinite(y)):  # unsure and implausible: where the
            x, y = pose.xy[SIDE_JOINTS[SIDES[near]][joint]]  # model put it all the same
        return bool(m * w <= x <= (1 - m) * w and m * h <= y <= (1 - m) * h)

    return FrameChecks(
        pose.detected,
        pose.num_poses >= 2,
        _spread(pose.xy),
        tuple(camera_yaws_deg(pose.world, pose.visibility, gate)),
        inside("knee"),
        inside("ankle"),
    )


class SetupTracker:
    """Accumulates frame checks: live messages for now, and a summary for the report."""

    def __init__(self, config: SetupConfig, image_size: tuple[int, int], gate: float = 0.5) -> None:
        """Start with no evidence (`gate`: visibility of a clearly seen landmark)."""
        self.cfg = config
        self.image_size = image_size
        self.gate = gate
        self._recent: deque[FrameChecks] = deque(maxlen=_RECENT)
        self._recent_sums = [0, 0, 0, 0]  # detected, several, knees_in, feet_in over _recent
        self.frames = 0
        self.detected = 0
        self.several = 0
        self.knees_in = 0
        self.feet_in = 0
        self._spreads: deque[float] = deque(maxlen=_SPREAD_HISTORY)
        self._yaws: deque[float] = deque(maxlen=len(_AXES) * _SPREAD_HISTORY)
        self.yaw_deg = math.nan
        self._view = "unknown"

    def update(self, pose: PoseFrame, planted: PlantedFrame) -> FrameChecks:
        """Add one raw frame and its positions to analyse."""
        c = check_frame(pose, planted, self.image_size, self.cfg, self.gate)
        if len(self._recent) == self._recent.maxlen:
            self._count_recent(self._recent[0], -1)
        self._recent.append(c)
        self._count_recent(c, 1)
        self.frames += 1
        if c.detected:
            self.detected += 1
            self.several += c.several
            self.knees_in += c.knees_in
            self.feet_in += c.feet_in
            self._add_view(c)
        return c

    def _add_view(self, c: FrameChecks) -> None:
        """The camera view from the median yaw (or, without world landmarks, 2D spread)."""
        if c.yaws_deg:
            self._yaws.extend(c.yaws_deg)
        elif math.isfinite(c.spread):
            self._spreads.append(c.spread)
        else:
            return
        if not (len(self._yaws) + len(self._spreads) < 30 or self.detected % 15 == 0):
            return  # the medians are refreshed every 15 frames once settled
        if self._yaws:
            self.yaw_deg = float(np.median(self._yaws))
            cfg = self.cfg
            self._view = (
                "front"
                if self.yaw_deg >= cfg.front_from_deg
                else "oblique"
                if self.yaw_deg >= cfg.oblique_from_deg
                else "side"
            )
        else:
            median = float(np.median(self._spreads))
            self._view = "front" if median > self.cfg.front_view_ratio else "side"

    @property
    def view(self) -> str:
        """The camera view: "side", "oblique", "front" or "unknown" (nobody seen yet)."""
        return self._view

    def live_codes(self) -> tuple[str, ...]:
        """Check codes to tell the user now, from the last ~1.5 s of frames."""
        if not self._recent:
            return ()
        seen, several, knees_in, feet_in = self._recent_sums
        if seen < len(self._recent) / 2:
            return ("nobody",)
        codes = []
        if several > self.cfg.several_people_frac * seen:
            codes.append("several")
        codes += self._view_codes()
        need = self.cfg.body_visible_frac * seen
        if knees_in < need:
            codes.append("knees_out")
        elif feet_in < need:
            codes.append("feet_out")
        return tuple(codes)

    def _view_codes(self) -> list[str]:
        return {"front": ["front_view"], "oblique": ["oblique_view"]}.get(self.view, [])

    def _count_recent(self, c: FrameChecks, sign: int) -> None:
        """Add (+1) or remove (-1) one frame's checks from the running sums of `_recent`."""
        if c.detected:
            sums = self._recent_sums
            sums[0] += sign
            sums[1] += sign * c.several
            sums[2] += sign * c.knees_in
            sums[3] += sign * c.feet_in

    def set_codes(self) -> tuple[str, ...]:
        """Check codes that hold over the whole recording so far (for the report)."""
        if self.detected == 0:
            return ("nobody",) if self.frames else ()
        codes = []
        if self.several > self.cfg.several_people_frac * self.detected:
            codes.append("several")
        codes += self._view_codes()
        need = self.cfg.body_visible_frac * self.detected
        if self.knees_in < need:
            codes.append("knees_out")
        elif self.feet_in < need:
            codes.append("feet_out")
        return tuple(codes)


_BENT_KNEE_MAX_DEG = 145.0
"""A hip thrust's or a bridge's knees stay bent at the bottom (the feet are planted near the
hips: 25-120 deg on every render and real clip); a push-up's or a plank's are straight (163-176).
A rep whose bottom is unseen is not held against it (NaN passes for the counted movements)."""

# Movement table: label -> {measure: (low, high)}; first row that matches wins. Lockout
# measures are at the top of the rep, "bottom_*" at its start. The bridge row's limits come
# from the config (see `movement_rows`).
_OTHER_ROWS: tuple[tuple[str, dict[str, tuple[float, float]]], ...] = (
    (
        "hip_thrust",
        {
            "knee_angle_deg": (0.0, 150.0),
            "torso_angle_deg": (-40.0, 40.0),
            "hip_extension_deg": (135.0, 215.0),
            "bottom_knee_deg": (0.0, _BENT_KNEE_MAX_DEG),
        },
    ),
    ("push_up", {"knee_angle_deg": (150.0, 181.0), "torso_angle_deg": (-35.0, 35.0)}),
    ("squat", {"torso_angle_deg": (40.0, 91.0), "bottom_knee_deg": (0.0, 100.0)}),
    ("standing", {"torso_angle_deg": (40.0, 91.0), "knee_angle_deg": (135.0, 181.0)}),
    # A hip hinge (a deadlift or a Romanian deadlift on the way down): bent forward on nearly
    # straight legs, the shoulders high above the feet. A hip thrust's shoulders rest on a bench
    # about a knee's height above the floor (under one torso length above the ankles), so after
    # the rows above only postures that match nothing else can land here.
    (
        "hinge",
        {
            "torso_angle_deg": (5.0, 70.0),
            "knee_angle_deg": (100.0, 181.0),
            "shoulder_above_ankle": (1.4, 5.0),
        },
    ),
)


def movement_rows(cfg: SetupConfig) -> tuple[tuple[str, dict[str, tuple[float, float]]], ...]:
    """The movement table with the bridge row built from the config."""
    bridge = {
        "knee_angle_deg": (0.0, 150.0),
        "bottom_knee_deg": (0.0, _BENT_KNEE_MAX_DEG),
        "hip_extension_deg": (135.0, 215.0),
        "torso_angle_deg": (-70.0, cfg.bridge_torso_max_deg),
        "shoulder_above_ankle": (-1.0, cfg.bridge_shoulder_height_max),
    }
    return (("glute_bridge", bridge), *_OTHER_ROWS)


@functools.lru_cache(maxsize=8)
def _rows_for(cfg: SetupConfig) -> tuple[tuple[str, dict[str, tuple[float, float]]], ...]:
    """`movement_rows`, built once per (frozen, hashable) config."""
    return movement_rows(cfg)


_BOTTOM = frozenset({"bottom_knee_deg"})  # a rep's, absent from a single frame's posture


def classify_posture(
    values: dict[str, float], cfg: SetupConfig, unseen_ok: frozenset[str] = frozenset()
) -> str:
    """Label a posture by the movement table.

    Args:
        values: Measure name -> value (the table's keys; missing or NaN never matches).
        cfg: Setup limits.
        unseen_ok: Measures whose being unseen (NaN) does not fail a counted movement's row
            (a hip thrust's or a glute bridge's; the other movements need every measure).

    Returns:
        "hip_thrust", "glute_bridge", "push_up", "squat", "standing" (a deadlift's or
        squat's top), "hinge" (bent forward on straight legs: a deadlift) or "unknown".
    """
    for label, ranges in _rows_for(cfg):
        ok = unseen_ok | _BOTTOM if label in COUNTED_MOVEMENTS else frozenset()
        if all(_within(values.get(k, math.nan), lo, hi, k in ok) for k, (lo, hi) in ranges.items()):
            return label
    return "unknown"


def _within(value: float, lo: float, hi: float, unseen_ok: bool) -> bool:
    return lo <= value <= hi if math.isfinite(value) else unseen_ok


def classify_rep(m: RepMeasures, bottom: dict[str, float], cfg: SetupConfig) -> str:
    """Label a candidate rep by its lockout posture (and its bottom).

    Args:
        m: The rep's measures.
        bottom: "bottom_knee_deg" and "bottom_torso_deg" at the rep's start, deg.
        cfg: Setup limits.

    Returns:
        See `classify_posture`.
    """
    names = ("hip_extension_deg", "knee_angle_deg", "torso_angle_deg", "shoulder_above_ankle")
    values = {**{k: getattr(m, k) for k in names}, **bottom}
    # A plate or the lifter's own body can hide the knee at the top (then the hip extension
    # is unseen too). The rep is still a hip thrust when the torso levelled out from a seat
    # on the bench (shoulders up, hips low) to the lockout: a push-up's or a plank's body
    # moves as one straight piece.
    levelled = bottom.get("bottom_torso_deg", math.nan) - values["torso_angle_deg"]
    if math.isfinite(values["knee_angle_deg"]) or not levelled >= _LEVELLING_DEG:
        return classify_posture(values, cfg)
    unseen = frozenset({"knee_angle_deg", "hip_extension_deg"})
    return classify_posture(values, cfg, unseen_ok=unseen)


class MovementGuess:
    """What movement the set shows, from the posture of every frame and the label of every rep.

    Feed it each frame's posture label (`add_posture`) and each candidate rep's label, counted
    or rejected (`add_rep`); it answers which variant to judge the faults by and, while no rep
    counts, which other movement the set looks like.
    """

    def __init__(self, fps: float, min_s: float = 1.0, min_share: float = 0.15) -> None:
        """Start with no evidence.

        Args:
            fps: Frames a second the postures come at.
            min_s: Time in another movement's posture before saying so, s.
            min_share: ... and its least share of the frames in which someone was seen.
        """
        self._min_frames = max(1, math.ceil(min_s * fps))
        self._min_share = min_share
        self.postures: Counter[str] = Counter()
        self.counted: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()

    def add_posture(self, label: str) -> None:
        """One frame's `classify_posture` label ("unknown" is not evidence)."""
        if label != "unknown":
            self.postures[label] += 1

    def add_rep(self, label: str, counted: bool) -> None:
        """One candidate rep's `classify_rep` label, and whether it was counted."""
        (self.counted if counted else self.rejected)[label] += 1

    def variant(self) -> str:
        """The variant to judge by, "bridge" or "bench": by the counted reps, else the postures."""
        total = sum(self.counted.values())
        if total:
            return "bridge" if self.counted["glute_bridge"] * 2 > total else "bench"
        bridge_like = self.postures["glute_bridge"] > self.postures["hip_thrust"]
        return "bridge" if bridge_like else "bench"

    def movement(self) -> str | None:
        """The counted reps' most common label, or None before any rep counts."""
        return self.counted.most_common(1)[0][0] if self.counted else None

    def other_movement(self, detected_frames: int, body_out: bool) -> str | None:
        """With no rep counted: the other movement this looks like, if the evidence is clear.

        Labels of rejected rep candidates come first, then the posture most frames show; a
        candidate that matched nothing says "unknown" only when the whole body was in frame.

        Args:
            detected_frames: Frames in which someone was seen so far.
            body_out: The knees or feet were out of frame over the set.
        """
        if self.counted:
            return None
        labels = Counter({k: v for k, v in self.rejected.items() if k != "unknown"})
        if labels:
            return labels.most_common(1)[0][0]
        other = Counter({k: v for k, v in self.postures.items() if k not in COUNTED_MOVEMENTS})
        if other:
            # Every other movement's frames are evidence against a hip thrust (a deadlift
            # shows both "hinge" and "standing"); the most common one names it.
            label, count = other.most_common(1)[0][0], sum(other.values())
            counted = max((self.postures[k] for k in COUNTED_MOVEMENTS), default=0)
            enough = count >= max(self._min_frames, self._min_share * detected_frames)
            if enough and count > counted:
                return label
        return "unknown" if self.rejected and not body_out else None
