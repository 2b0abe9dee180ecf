"""Ground truth for synthetic sets: the project's angle conventions and the fault labels.

Inputs: (N, 2) pixel joint tracks (x right, y down) and the rep schedule. Outputs: per-frame
angle arrays in degrees and a JSON-able per-rep truth with fault codes. Pure numpy.

The angle functions implement exactly the conventions every stage shares (see the issue text):
they are the yardstick the analyzer is measured against.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np

FAULT_RULES: tuple[tuple[str, str, str, float], ...] = (
    # (fault code, per-rep quantity, comparison, limit): a new check is a new row.
    ("lumbar_hyperextension", "lumbar_arch", ">=", 0.5),
    ("incomplete_lockout", "hip_extension_deg", "<", 165.0),
    ("feet_too_far", "knee_angle_deg", ">", 105.0),
    ("feet_too_close", "knee_angle_deg", "<", 78.0),
    ("head_back", "head_angle_deg", ">", 20.0),
    ("no_pause", "pause_s", "<", 0.3),
    ("fast_eccentric", "eccentric_s", "<", 0.6),
    ("heels_up", "heel_lift", ">", 0.08),
    ("bench_slide", "shoulder_drift", ">", 0.15),
)
"""FORM.md's limits as used to label the synthetic truth (written into every truth file)."""

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def hip_extension_deg(shoulder: np.ndarray, hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
    """Angle at the hip on the upper (face-up) side: 180 straight, < 180 flexed, > 180 arched.

    Args:
        shoulder: (..., 2) pixels.
        hip: (..., 2) pixels.
        knee: (..., 2) pixels.

    Returns:
        (...,) degrees in [0, 360).

    """
    a = _unit(shoulder - hip)
    b = _unit(knee - hip)
    alpha = np.degrees(np.arccos(np.clip(np.sum(a * b, axis=-1), -1.0, 1.0)))
    bisector_y = a[..., 1] + b[..., 1]
    return np.where(bisector_y <= 0, alpha, 360.0 - alpha)


def torso_angle_deg(shoulder: np.ndarray, hip: np.ndarray) -> np.ndarray:
    """Hip->shoulder against the horizontal; + when the shoulder is higher. (...,) degrees."""
    v = shoulder - hip
    return np.degrees(np.arctan2(-v[..., 1], np.abs(v[..., 0])))


def knee_angle_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Interior angle hip-knee-ankle, (...,) degrees in [0, 180]."""
    a = _unit(hip - knee)
    b = _unit(ankle - knee)
    return np.degrees(np.arccos(np.clip(np.sum(a * b, axis=-1), -1.0, 1.0)))


def shin_angle_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Knee->ankle against the vertical; + when the ankle is farther from the hip than the knee.

    Returns:
        (...,) degrees, 0 for a vertical shin.

    """
    w = ankle - knee
    away = np.sign(knee[..., 0] - hip[..., 0])
    return np.degrees(np.arctan2(w[..., 0] * away, w[..., 1]))


def head_angle_deg(hip: np.ndarray, shoulder: np.ndarray, ear: np.ndarray) -> np.ndarray:
    """Shoulder->ear against the extended hip->shoulder line; + when the ear is posterior.

    Returns:
        (...,) degrees; ~0 in line, + head thrown back, - chin tucked.

    """
    d = shoulder - hip
    e = ear - shoulder
    cross = d[..., 0] * e[..., 1] - d[..., 1] * e[..., 0]
    dot = np.sum(d * e, axis=-1)
    return np.degrees(np.arctan2(cross, dot)) * np.sign(d[..., 0])


def heel_rise(heel: np.ndarray, toe: np.ndarray, shin_px: float) -> np.ndarray:
    """Heel height above the toe, in shin lengths (absolute; subtract the bottom value)."""
    return (toe[..., 1] - heel[..., 1]) / shin_px


def angle_tracks(joints: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All convention angles for every frame.

    Args:
        joints: name -> (N, 2) pixels; needs ear, shoulder, hip, knee, ankle.

    Returns:
        name -> (N,) degrees for hip_extension, torso, knee, shin and head angles.

    """
    s, h, k, a = joints["shoulder"], joints["hip"], joints["knee"], joints["ankle"]
    return {
        "hip_extension_deg": hip_extension_deg(s, h, k),
        "torso_angle_deg": torso_angle_deg(s, h),
        "knee_angle_deg": knee_angle_deg(h, k, a),
        "shin_angle_deg": shin_angle_deg(h, k, a),
        "head_angle_deg": head_angle_deg(h, s, joints["ear"]),
    }


def label_faults(quantities: dict[str, float]) -> list[str]:
    """Fault codes whose rule fires on one rep's quantities, in `FAULT_RULES` order."""
    return [
        code
        for code, name, op, limit in FAULT_RULES
        if name in quantities and _OPS[op](quantities[name], limit)
    ]


def thresholds_json() -> list[dict[str, object]]:
    """`FAULT_RULES` as JSON rows for the truth file."""
    return [
        {"fault": code, "quantity": name, "op": op, "limit": limit}
        for code, name, op, limit in FAULT_RULES
    ]


def rep_truth(
    index: int,
    times: dict[str, float],
    t_s: np.ndarray,
    joints: dict[str, np.ndarray],
    angles: dict[str, np.ndarray],
    scales: dict[str, float],
) -> dict[str, object]:
    """One rep's ground truth, measured on the generated joints.

    Args:
        index: 0-based rep number.
        times: start_s, lockout_start_s, lockout_end_s, end_s of the rep, seconds.
        t_s: (N,) frame times, seconds.
        joints: name -> (N, 2) pixel tracks (needs shoulder, heel, toe).
        angles: `angle_tracks(joints)`.
        scales: shin_px and torso_px (segment lengths in pixels) and lumbar_arch.

    Returns:
        A JSON-able dict: times, phase durations, lockout angles, heel lift, shoulder drift,
        peak hip extension, faults.

    """
    start, lo0, lo1, end = (
        times[k] for k in ("start_s", "lockout_start_s", "lockout_end_s", "end_s")
    )
    mid = int(np.argmin(np.abs(t_s - 0.5 * (lo0 + lo1))))
    i0 = int(np.argmin(np.abs(t_s - start)))
    i1 = int(np.argmin(np.abs(t_s - end)))
    rise = heel_rise(joints["heel"], joints["toe"], scales["shin_px"])
    drift = np.linalg.norm(joints["shoulder"][i1] - joints["shoulder"][i0]) / scales["torso_px"]
    out: dict[str, object] = {
        "index": index,
        "start_s": round(start, 4),
        "lockout_start_s": round(lo0, 4),
        "lockout_end_s": round(lo1, 4),
        "end_s": round(end, 4),
        "concentric_s": round(lo0 - start, 4),
        "pause_s": round(lo1 - lo0, 4),
        "eccentric_s": round(end - lo1, 4),
    }
    for name, track in angles.items():
        out[name] = round(float(track[mid]), 3)
    out["bottom_hip_extension_deg"] = round(float(angles["hip_extension_deg"][i0]), 3)
    out["peak_hip_extension_deg"] = round(float(angles["hip_extension_deg"][i0 : i1 + 1].max()), 3)
    out["heel_lift"] = round(float(rise[mid] - rise[i0]), 4)
    out["shoulder_drift"] = round(float(drift), 4)
    out["lumbar_arch"] = scales["lumbar_arch"]
    out["faults"] = label_faults({k: float(v) for k, v in out.items() if isinstance(v, float)})
    return out
