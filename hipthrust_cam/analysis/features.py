"""Per-frame features of the side facing the camera.

Inputs: `PoseFrame`s (33 landmarks, visibility) and the joint vectors the smoother gives back
(`planted` decides which positions to believe). Outputs: the side to judge (chosen by
visibility over the first seconds of detected frames, then locked), and from (smoothed) joints
the five convention angles plus heel rise, shoulder position and segment lengths. An unseen
joint is NaN, so every value that uses it is NaN ("not judged"), never a guess.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from hipthrust_cam.analysis.geometry import ANGLE_FUNCS, distance, point_angles
from hipthrust_cam.analysis.planted import JOINTS, SIDES
from hipthrust_cam.datatypes import SIDE_JOINTS, PoseFrame

ANGLE_NAMES: tuple[str, ...] = tuple(ANGLE_FUNCS)
"""hip_extension_deg, torso_angle_deg, knee_angle_deg, shin_angle_deg, head_angle_deg."""
CHANNELS = len(SIDES) * len(JOINTS) * 2
"""Length of the joint vector: both sides' joints (`planted.JOINTS`), x and y."""
_INDEX = np.array([[SIDE_JOINTS[s][j] for j in JOINTS] for s in SIDES])  # (2, 7) landmark ids


class SideLock:
    """Chooses the side facing the camera and locks it after `lock_s` of detected frames."""

    def __init__(self, lock_s: float) -> None:
        """Start undecided."""
        self.lock_s = lock_s
        self.side: str | None = None
        self.locked = False
        self._score = np.zeros(len(SIDES))
        self._seen_s = 0.0
        self._last_t: float | None = None

    def update(self, pose: PoseFrame) -> str | None:
        """Add one frame's evidence; returns the current (provisional or locked) side."""
        if self.locked or not pose.detected:
            return self.side
        dt = 0.0 if self._last_t is None else min(pose.t_s - self._last_t, 0.2)
        self._last_t = pose.t_s
        self._seen_s += dt
        self._score += pose.visibility[_INDEX].sum(axis=1)
        self.side = SIDES[int(np.argmax(self._score))]
        self.locked = self._seen_s >= self.lock_s
        return self.side


_CHAIN = [JOINTS.index(j) for j in ("shoulder", "hip", "knee")]


def with_other_side(
    vector: np.ndarray, confidence: np.ndarray, side: str
) -> tuple[np.ndarray, np.ndarray]:
    """The judged side's joints, or for this frame the other side's when only it is whole.

    Seen side-on, the two sides nearly overlap in the image, and when a plate or the lifter's
    own body hides the near side the model often still places the far side well. When the
    judged side's shoulder-hip-knee chain has a joint that could not be believed and the
    other side's chain is whole, the other side is used for the frame, with its confidences.

    Args:
        vector: (CHANNELS,) both sides' joints (`PlantedFrame.xy` flattened, smoothed), px.
        confidence: (2, len(JOINTS)) both sides' joint confidences, [0, 1].
        side: The judged side.

    Returns:
        (vector whose `side` slice holds the joints to judge, (len(JOINTS),) their
        confidences).
    """
    xy = vector.reshape(len(SIDES), len(JOINTS), 2)
    k = SIDES.index(side)
    other = 1 - k
    if np.isfinite(xy[k][_CHAIN]).all() or not np.isfinite(xy[other][_CHAIN]).all():
        return vector, confidence[k]
    swapped = xy.copy()
    swapped[k] = xy[other]
    return swapped.reshape(-1), confidence[other].astype(np.float32)


def side_joints(vectors: np.ndarray, side: str) -> dict[str, np.ndarray]:
    """The joints of one side from joint vectors.

    Args:
        vectors: (N, CHANNELS) or (CHANNELS,) joint vectors.
        side: "left" or "right".

    Returns:
        joint name -> (N, 2) pixels.
    """
    v = np.atleast_2d(vectors).reshape(-1, len(SIDES), len(JOINTS), 2)[:, SIDES.index(side)]
    return {name: v[:, i] for i, name in enumerate(JOINTS)}


def frame_features(joints: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Angles and positions from one side's joints.

    Args:
        joints: name -> (N, 2) pixels (ear, shoulder, hip, knee, ankle, heel, toe).

    Returns:
        name -> (N,): the five angles (deg), "heel_rise" (heel above toe, shin lengths),
        "heel_y"/"ankle_y" (px, for rises against the floor),
        "shoulder_x"/"shoulder_y" (px), "torso_px" and "shin_px" (segment lengths, px).
    """
    out = {name: fn(*(joints[j] for j in args)) for name, (fn, args) in ANGLE_FUNCS.items()}
    shin = distance(joints["knee"], joints["ankle"])
    shin = np.where(shin > 0, shin, np.nan)  # collapsed landmarks: no scale, not judged
    out["heel_rise"] = (joints["toe"][:, 1] - joints["heel"][:, 1]) / shin
    out["heel_y"] = joints["heel"][:, 1].astype(np.float64)
    out["ankle_y"] = joints["ankle"][:, 1].astype(np.float64)
    out["shoulder_x"] = joints["shoulder"][:, 0].astype(np.float64)
    out["shoulder_y"] = joints["shoulder"][:, 1].astype(np.float64)
    out["torso_px"] = distance(joints["shoulder"], joints["hip"])
    out["shin_px"] = shin
    out["thigh_px"] = distance(joints["hip"], joints["knee"])
    torso = np.where(out["torso_px"] > 0, out["torso_px"], np.nan)
    out["shoulder_above_ankle"] = (joints["ankle"][:, 1] - joints["shoulder"][:, 1]) / torso
    return out


def point_features(vector: np.ndarray, side: str) -> dict[str, float]:
    """`frame_features` of one frame in plain floats (the per-frame streaming path).

    Args:
        vector: (CHANNELS,) joint vector (`PlantedFrame.xy` flattened), px, NaN = unseen.
        side: "left" or "right".

    Returns:
        Every name of `FEATURE_NAMES` -> float, equal to `frame_features` on the same joints.
    """
    n = len(JOINTS) * 2
    flat = vector[SIDES.index(side) * n : (SIDES.index(side) + 1) * n].tolist()
    ear, sh, hip, knee, ankle, heel, toe = ((flat[i], flat[i + 1]) for i in range(0, n, 2))
    out = dict(zip(ANGLE_NAMES, point_angles(ear, sh, hip, knee, ankle), strict=True))
    shin = math.hypot(knee[0] - ankle[0], knee[1] - ankle[1])
    shin = shin if shin > 0 else math.nan  # collapsed landmarks: no scale, not judged
    torso = math.hypot(sh[0] - hip[0], sh[1] - hip[1])
    out["heel_rise"] = (toe[1] - heel[1]) / shin
    out["shoulder_x"], out["shoulder_y"] = sh
    out["torso_px"] = torso
    out["shin_px"] = shin
    out["shoulder_above_ankle"] = (ankle[1] - sh[1]) / (torso if torso > 0 else math.nan)
    out["thigh_px"] = math.hypot(hip[0] - knee[0], hip[1] - knee[1])
    out["heel_y"] = heel[1]
    out["ankle_y"] = ankle[1]
    return out


FEATURE_NAMES: tuple[str, ...] = (
    *ANGLE_NAMES,
    "heel_rise",
    "shoulder_x",
    "shoulder_y",
    "torso_px",
    "shin_px",
    "shoulder_above_ankle",
    "thigh_px",
    "heel_y",
    "ankle_y",
)
"""Every key `frame_features` returns."""


LEG_FEATURES: tuple[str, ...] = (
    "knee_angle_deg",
    "shin_angle_deg",
    "heel_rise",
    "shoulder_above_ankle",
)
"""Features that depend on the knee and foot landmarks."""


PRIOR_SLOPE = -1.9
"""Hip extension per degree of torso tilt in a bench hip thrust: the fitted slopes of 16 clean
sets (9 renders, 7 real side-view clips and their mirrors) lie between -1.7 and -2.3."""
PRIOR_INTERCEPT_DEG = 180.0
"""... and the hip extension at a level torso (175-190 deg in those sets)."""
SLOPE_RANGE = (-3.0, -1.2)
"""A fitted slope outside this range comes from misplaced landmarks: the prior slope is used."""


class HipFromTorso:
    """The hip's extension read from the torso's tilt: a check on the measured one.

    It is also the stand-in where the knee is lost. With the shoulders on the bench and the feet
    planted, the hips rising is the torso levelling out: in a set, hip extension is close to a
    straight-line function of the torso angle (hip -> shoulder against the horizontal), which
    needs only the shoulder and the hip, the landmarks a pose model almost never loses. The line
    is fitted, as the set goes, to the frames where both were measured, robustly (points far
    from a first fit are left out of the second), so a leg the model lost for a while does not
    bend it. A frame whose measured hip extension is far from the line (`max_residual_deg`) has
    a misplaced knee; one with no hip extension gets the line's value. For counting reps only:
    the frame's angles stay as measured (or "not judged").

    Args:
        min_frames: Frames with both angles before the line is trusted.
        min_spread_deg: ... and the torso range they must cover, deg.
        max_residual_deg: A measured hip extension this far off the line is not believed.
        history: Most recent frames the line is fitted to.
    """

    def __init__(
        self,
        min_frames: int = 20,
        min_spread_deg: float = 15.0,
        max_residual_deg: float = 35.0,
        history: int = 900,
    ) -> None:
        self.min_frames = min_frames
        self.min_spread_deg = min_spread_deg
        self.max_residual_deg = max_residual_deg
        self._pairs: deque[tuple[float, float]] = deque(maxlen=history)
        self._line: tuple[float, float] | None = None  # (slope, intercept)
        self._since_fit = 0

    def signal(self, torso_deg: float, hip_deg: float) -> tuple[float, bool]:
        """The hip extension to count reps on: measured when it fits the line, else the line's.

        Args:
            torso_deg: The frame's torso angle, deg (NaN = unseen).
            hip_deg: The frame's measured, plausible hip extension, deg (NaN = unseen).

        Returns:
            (the value, deg; whether a measured hip extension is believed: False when the set's
            own line puts it more than `max_residual_deg` off, i.e. the knee is misplaced).
        """
        if math.isfinite(torso_deg) and math.isfinite(hip_deg):
            self._pairs.append((torso_deg, hip_deg))
            self._since_fit += 1
            if self._line is None or self._since_fit >= 10:
                self._line = self._fit()
                self._since_fit = 0
        line = self._line or (PRIOR_SLOPE, PRIOR_INTERCEPT_DEG)
        if not math.isfinite(torso_deg):
            return hip_deg, True
        expected = line[0] * torso_deg + line[1]
        if not math.isfinite(hip_deg):
            return expected, True
        if abs(hip_deg - expected) <= self.max_residual_deg or self._line is None:
            return hip_deg, True
        return expected, False

    def _fit(self) -> tuple[float, float] | None:
        """The set's line: fitted when the frames allow, else the prior slope through them."""
        if len(self._pairs) < 5:
            return None
        torso, hip = np.array(self._pairs).T
        prior = (PRIOR_SLOPE, float(np.median(hip - PRIOR_SLOPE * torso)))
        if len(torso) < self.min_frames or np.ptp(torso) < self.min_spread_deg:
            return prior
        slope, intercept = np.polyfit(torso, hip, 1)
        residual = np.abs(hip - (slope * torso + intercept))
        keep = residual <= max(2.5 * float(np.median(residual)), 5.0)
        if keep.sum() >= self.min_frames and np.ptp(torso[keep]) >= self.min_spread_deg:
            slope, intercept = np.polyfit(torso[keep], hip[keep], 1)
        low, high = SLOPE_RANGE  # a slope outside what sets show: frames the model got wrong
        return (float(slope), float(intercept)) if low <= slope <= high else prior


class LimbCheck:
    """Marks leg features "not judged" when the thigh or shin length jumps.

    In a side view the thigh and shin keep their length relative to the torso; a frame where
    either departs from its running median by more than `tolerance` has misplaced leg
    landmarks (e.g. a plate hiding the legs), whatever their visibility says.
    """

    def __init__(self, tolerance: float, history: int = 300) -> None:
        """Start with no history; `history` frames feed the running medians."""
        self.tolerance = tolerance
        self._ratios: deque[tuple[float, float]] = deque(maxlen=history)
        self._median: tuple[float, float] | None = None
        self._count = 0

    def apply(self, feats: dict[str, float]) -> dict[str, float]:
        """Return `feats` with the leg features set to NaN when the leg lengths are off."""
        torso = feats["torso_px"]
        if not torso > 0:  # NaN or collapsed landmarks: nothing to compare with
            return feats
        thigh, shin = feats["thigh_px"] / torso, feats["shin_px"] / torso
        if not (math.isfinite(thigh) and math.isfinite(shin)):
            return feats
        self._ratios.append((thigh, shin))
        if len(self._ratios) < 10:
            return feats
        self._count += 1
        if self._median is None or self._count % 10 == 0:  # refreshed every 10 frames
            self._median = tuple(np.median(np.array(self._ratios), axis=0).tolist())
        m_thigh, m_shin = self._median
        tol = self.tolerance
        if abs(thigh / m_thigh - 1.0) <= tol and abs(shin / m_shin - 1.0) <= tol:
            return feats
        return {**feats, **{name: float("nan") for name in LEG_FEATURES}}
