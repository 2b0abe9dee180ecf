"""Per-rep measures: what one counted rep looked like.

Inputs: a decided `RepEvent` and the per-frame features around it. Outputs: `RepMeasures`
(tempo, range of motion, the lockout-plateau medians of every angle, heel lift, shoulder drift,
silhouette arch, a measurement confidence). Pure numpy; the faults are judged from these in
`faults`.
"""

from __future__ import annotations

import math

import numpy as np

from hipthrust_cam.analysis.features import ANGLE_NAMES
from hipthrust_cam.analysis.planted import JOINTS
from hipthrust_cam.analysis.reps import RepEvent
from hipthrust_cam.analysis.results import RepMeasures

_BOTTOM_WINDOW_S = 0.25  # frames this close before a rep's start (or end) are "at the bottom"
_LUMBAR_S = slice(7, 13)  # profile samples over the lower back (0.45..0.8 of shoulder->hip)
_CHEST_S = slice(2, 13)  # profile samples over ribs and belly
PLAUSIBLE_AT_LOCKOUT: dict[str, tuple[float, float]] = {
    # a lockout median outside these ranges is a keypoint error, not a posture: not judged
    "hip_extension_deg": (90.0, 230.0),
    "knee_angle_deg": (40.0, 160.0),
    "shin_angle_deg": (-60.0, 60.0),
    "head_angle_deg": (-90.0, 90.0),
}
_ANKLE_PER_HEEL = 0.73  # ankle rise per heel rise when the foot turns on the toes
PLAUSIBLE_HEEL_LIFT = (-0.3, 0.3)  # shin lengths; a bigger heel rise is a misplaced foot
_CLEAR_VIS = 0.8  # key landmarks at least this visible are seen clearly (full confidence)
KEY_JOINTS = ("shoulder", "hip", "knee", "ankle")
"""The joints every lockout angle needs; the least clear of them sets the rep's confidence."""


def _median(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else math.nan


def _in_range(value: float, bounds: tuple[float, float]) -> float:
    return value if bounds[0] <= value <= bounds[1] else math.nan


def _plausible(name: str, value: float) -> float:
    return _in_range(value, PLAUSIBLE_AT_LOCKOUT.get(name, (-math.inf, math.inf)))


def _heel_lift(frames: dict[str, np.ndarray], bottom: np.ndarray, top: np.ndarray) -> float:
    """Heel rise from the bottom to the lockout, shin lengths, against the floor.

    The foot pivots on the toes, so a real heel lift also lifts the ankle (by ~0.73 of the
    heel's rise); the smaller of the heel's rise and the ankle's rise / 0.73 is reported.
    Both are measured against the image (the camera is still over one rep), not against the
    toe landmark, which drifts with the shin in pose estimates. The baseline is the bottom on
    both sides of the lockout (`bottom`: the rep's start and, when it came down, its end), which
    halves the keypoint noise of the baseline and cancels a slow drift of the foot or camera.
    """
    shin = _median(frames["shin_px"][bottom | top])
    heel = _median(frames["heel_y"][bottom]) - _median(frames["heel_y"][top])
    ankle = _median(frames["ankle_y"][bottom]) - _median(frames["ankle_y"][top])
    if not shin > 0:
        return math.nan
    return min(heel, ankle / _ANKLE_PER_HEEL) / shin


def visibility_factor(visibility: float, gate: float) -> float:
    """0.5 for a joint seen right at the visibility gate (or below it), 1 from `_CLEAR_VIS` on."""
    if not math.isfinite(visibility):
        return 0.5  # never seen over the lockout
    span = max(_CLEAR_VIS - gate, 1e-6)
    return 0.5 + 0.5 * min(max((visibility - gate) / span, 0.0), 1.0)


def measure_rep(
    index: int, event: RepEvent, frames: dict[str, np.ndarray], gate: float = 0.5
) -> RepMeasures:
    """Measure a rep from its event and the per-frame features.

    Args:
        index: 1-based rep number.
        event: The decided rep.
        frames: "t_s" (M,) and every feature name -> (M,), plus "back_profile" and
            "front_profile" (M, 16), covering at least the rep and a little before it;
            optionally "joint_confidence" (M, 7), each joint's confidence per frame in
            `planted.JOINTS` order (visibility when seen, less when anchored), [0, 1].
        gate: The visibility gate, [0, 1].

    Returns:
        The rep's `RepMeasures`.
    """
    t = frames["t_s"]
    top = (t >= event.lockout_start_s - 1e-6) & (t <= event.lockout_end_s + 1e-6)
    if not top.any():
        top = np.abs(t - 0.5 * (event.lockout_start_s + event.lockout_end_s)) == np.min(
            np.abs(t - event.lockout_end_s)
        )
    start = (t >= event.start_s - _BOTTOM_WINDOW_S) & (t <= event.start_s + 1e-6)
    end = (t >= event.end_s - _BOTTOM_WINDOW_S) & (t <= event.end_s + 1e-6)
    bottoms = start | end if event.complete else start
    angles = {name: _plausible(name, _median(frames[name][top])) for name in ANGLE_NAMES}
    key = np.isfinite(frames["hip_extension_deg"][top]) & np.isfinite(frames["knee_angle_deg"][top])
    share = float(key.mean()) if key.size else 0.0
    clarity = _clarity(frames, top, gate)
    confidence = share * min(clarity[j] for j in KEY_JOINTS)
    torso = _median(frames["torso_px"][start | top | end])
    drift = (
        math.hypot(  # only between two bottoms: a rep cut off mid-way has no second one
            _median(frames["shoulder_x"][end]) - _median(frames["shoulder_x"][start]),
            _median(frames["shoulder_y"][end]) - _median(frames["shoulder_y"][start]),
        )
        if event.complete
        else math.nan
    )
    back = frames["back_profile"][:, _LUMBAR_S]
    front = frames["front_profile"][:, _CHEST_S]
    return RepMeasures(
        index=index,
        start_s=event.start_s,
        lockout_start_s=event.lockout_start_s,
        lockout_end_s=event.lockout_end_s,
        end_s=event.end_s,
        concentric_s=event.lockout_start_s - event.start_s,
        pause_s=event.lockout_end_s - event.lockout_start_s,
        eccentric_s=event.end_s - event.lockout_end_s if event.complete else math.nan,
        rom_deg=event.rom_deg,
        peak_hip_deg=event.peak_deg,
        **angles,
        heel_lift=_in_range(_heel_lift(frames, bottoms, top), PLAUSIBLE_HEEL_LIFT),
        shoulder_drift=drift / torso if torso > 0 else math.nan,
        back_arch=_median(back[start].ravel()) - _median(back[top].ravel()),
        front_rise=_median(front[top].ravel()) - _median(front[start].ravel()),
        shoulder_above_ankle=_median(frames["shoulder_above_ankle"][top]),
        complete=event.complete,
        judged=bool(
            np.isfinite(angles["hip_extension_deg"]) and np.isfinite(angles["knee_angle_deg"])
        ),
        confidence=round(confidence, 3),
        judged_share=round(share, 3),
        clarity={j: round(v, 3) for j, v in clarity.items()},
    )


def _clarity(frames: dict[str, np.ndarray], top: np.ndarray, gate: float) -> dict[str, float]:
    """How clearly each joint was seen over the lockout, 0.5 (at the gate) .. 1 (clear)."""
    if "joint_confidence" not in frames:
        return dict.fromkeys(JOINTS, 1.0)  # no record (hand-made frames): the share decides
    conf = frames["joint_confidence"][top]
    return {j: visibility_factor(_median(conf[:, i]), gate) for i, j in enumerate(JOINTS)}
