"""Vectorised joint angles in image pixels (x right, y down), per the project's conventions.

Inputs: (N, 2) float arrays of joint positions (a single (2,) point also works). Outputs: (N,)
float64 angles in degrees. NaN anywhere in a point gives NaN for that row; nothing is guessed.
`point_angles` is the same five angles for one frame in plain floats (the streaming analyzer's
per-frame path, where numpy's per-call overhead would dominate).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def _as2d(p: np.ndarray) -> np.ndarray:
    return np.atleast_2d(np.asarray(p, dtype=np.float64))


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1]


def interior_angle(a: np.ndarray, vertex: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Unsigned angle a-vertex-c.

    Args:
        a: (N, 2) px.
        vertex: (N, 2) px.
        c: (N, 2) px.

    Returns:
        (N,) degrees in [0, 180].
    """
    u = _as2d(a) - _as2d(vertex)
    v = _as2d(c) - _as2d(vertex)
    return np.degrees(np.abs(np.arctan2(_cross(u, v), _dot(u, v))))


def hip_extension(shoulder: np.ndarray, hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
    """Angle at the hip between hip->shoulder and hip->knee, on the upper (smaller-y) side.

    180 = shoulder, hip and knee in line; below 180 the hip sags under the shoulder-knee line
    (bottom of a rep); above 180 it is pushed over the line (over-extension).

    Args:
        shoulder: (N, 2) px.
        hip: (N, 2) px.
        knee: (N, 2) px.

    Returns:
        (N,) degrees in [0, 360).
    """
    s, h, k = _as2d(shoulder), _as2d(hip), _as2d(knee)
    inner = interior_angle(s, h, k)
    # Hip above the shoulder->knee line (smaller y) means the upper-side angle is reflex.
    line = k - s
    side = _cross(line, h - s) * np.sign(line[:, 0])
    return np.where(side < 0, 360.0 - inner, inner)


def torso_angle(shoulder: np.ndarray, hip: np.ndarray) -> np.ndarray:
    """Hip->shoulder vector against the horizontal; + when the shoulder is higher in the image.

    Args:
        shoulder: (N, 2) px.
        hip: (N, 2) px.

    Returns:
        (N,) degrees in [-90, 90].
    """
    s, h = _as2d(shoulder), _as2d(hip)
    return np.degrees(np.arctan2(h[:, 1] - s[:, 1], np.abs(s[:, 0] - h[:, 0])))


def knee_angle(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Interior hip-knee-ankle angle (90 = ideal at lockout).

    Args:
        hip: (N, 2) px.
        knee: (N, 2) px.
        ankle: (N, 2) px.

    Returns:
        (N,) degrees in [0, 180].
    """
    return interior_angle(hip, knee, ankle)


def shin_angle(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Knee->ankle vector against the vertical, + when the ankle is farther from the hip.

    Args:
        hip: (N, 2) px.
        knee: (N, 2) px.
        ankle: (N, 2) px.

    Returns:
        (N,) degrees; 0 = vertical shin, + feet too far out, - feet too close.
    """
    h, k, a = _as2d(hip), _as2d(knee), _as2d(ankle)
    away = np.sign(k[:, 0] - h[:, 0])  # the horizontal direction pointing away from the hip
    away = np.where(away == 0, 1.0, away)
    return np.degrees(np.arctan2((a[:, 0] - k[:, 0]) * away, a[:, 1] - k[:, 1]))


def head_angle(hip: np.ndarray, shoulder: np.ndarray, ear: np.ndarray) -> np.ndarray:
    """Shoulder->ear against the extended torso line (hip->shoulder).

    + when the ear is on the back (posterior, image-down for a face-up lifter) side of the
    line: head thrown back. - when on the chest side: chin tucked.

    Args:
        hip: (N, 2) px.
        shoulder: (N, 2) px.
        ear: (N, 2) px.

    Returns:
        (N,) degrees in [-180, 180].
    """
    h, s, e = _as2d(hip), _as2d(shoulder), _as2d(ear)
    u = s - h
    v = e - s
    normal = np.stack([-u[:, 1], u[:, 0]], axis=1)  # u turned 90 deg
    normal = np.where((normal[:, 1] < 0)[:, None], -normal, normal)  # point image-down (back)
    return np.degrees(np.arctan2(_dot(v, normal), _dot(v, u)))


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance per row.

    Args:
        a: (N, 2) px.
        b: (N, 2) px.

    Returns:
        (N,) px.
    """
    d = _as2d(a) - _as2d(b)
    return np.hypot(d[:, 0], d[:, 1])


Point = tuple[float, float]
"""One (x, y) joint position, px."""


def point_angles(
    ear: Point, shoulder: Point, hip: Point, knee: Point, ankle: Point
) -> tuple[float, float, float, float, float]:
    """The five convention angles of one frame, with the same formulas as the array functions.

    Args:
        ear: (x, y) px; NaN where unseen (as every point).
        shoulder: (x, y) px.
        hip: (x, y) px.
        knee: (x, y) px.
        ankle: (x, y) px.

    Returns:
        (hip_extension, torso, knee, shin, head) degrees as floats, NaN where a joint is NaN
        (the order of `ANGLE_FUNCS`).
    """
    (ex, ey), (sx, sy), (hx, hy), (kx, ky), (ax, ay) = ear, shoulder, hip, knee, ankle
    # hip extension: interior shoulder-hip-knee, reflex when the hip is above the line
    ux, uy, vx, vy = sx - hx, sy - hy, kx - hx, ky - hy
    inner = math.degrees(abs(math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)))
    lx, ly = kx - sx, ky - sy
    side = (lx * (hy - sy) - ly * (hx - sx)) * _sign(lx)
    hip_ext = 360.0 - inner if side < 0 else inner
    torso = math.degrees(math.atan2(hy - sy, abs(sx - hx)))
    # knee: interior hip-knee-ankle
    ux, uy, vx, vy = hx - kx, hy - ky, ax - kx, ay - ky
    knee_deg = math.degrees(abs(math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)))
    away = _sign(kx - hx)
    away = 1.0 if away == 0 else away
    shin = math.degrees(math.atan2((ax - kx) * away, ay - ky))
    ux, uy, vx, vy = sx - hx, sy - hy, ex - sx, ey - sy
    nx, ny = (uy, -ux) if ux < 0 else (-uy, ux)  # u turned 90 deg, pointing image-down (back)
    head = math.degrees(math.atan2(vx * nx + vy * ny, vx * ux + vy * uy))
    return hip_ext, torso, knee_deg, shin, head


def _sign(x: float) -> float:
    """np.sign for one float: -1, 0, 1, or NaN."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else math.nan


AngleFunc = Callable[..., np.ndarray]
"""An array angle function: (N, 2) joint arrays in, (N,) degrees out."""

ANGLE_FUNCS: dict[str, tuple[AngleFunc, tuple[str, ...]]] = {
    "hip_extension_deg": (hip_extension, ("shoulder", "hip", "knee")),
    "torso_angle_deg": (torso_angle, ("shoulder", "hip")),
    "knee_angle_deg": (knee_angle, ("hip", "knee", "ankle")),
    "shin_angle_deg": (shin_angle, ("hip", "knee", "ankle")),
    "head_angle_deg": (head_angle, ("hip", "shoulder", "ear")),
}
"""Angle name -> (function, the joint names it takes, in order)."""
