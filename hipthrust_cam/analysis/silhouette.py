"""Back and chest contour of the person mask along the torso: a lumbar-arch proxy.

Inputs: a person mask (H, W) of probabilities and the shoulder and hip pixel positions.
Outputs: two (16,) profiles of the mask's edge distance from the shoulder->hip line, sampled
evenly from shoulder to hip, in torso lengths: one on the back side of the line (the side facing
down for a lifter lying face-up), one on the chest side. Pure numpy.
"""

from __future__ import annotations

import numpy as np

from hipthrust_cam.datatypes import PROFILE_SAMPLES

MASK_THRESHOLD = 0.5
MAX_REACH = 0.6
"""How far from the line the edge is searched for, in torso lengths."""
STEPS = 48


def silhouette_profiles(
    mask: np.ndarray, shoulder_xy: np.ndarray, hip_xy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Measures how far the mask reaches on each side of the shoulder->hip line.

    Args:
        mask: (H, W) float person-probability mask in [0, 1].
        shoulder_xy: (2,) shoulder pixel position.
        hip_xy: (2,) hip pixel position.

    Returns:
        (back, front): two (16,) float32 arrays of edge distances in torso lengths, sampled from
        shoulder to hip; the back side is the normal pointing down the image (+y). NaN where the
        torso is degenerate, the points are missing, or the edge lies outside the search reach or
        the image.

    """
    nan = np.full(PROFILE_SAMPLES, np.nan, np.float32)
    axis = np.asarray(hip_xy, np.float64) - np.asarray(shoulder_xy, np.float64)
    length = float(np.hypot(*axis))
    if not np.isfinite(length) or length < 8.0 or mask.ndim != 2:
        return nan, nan.copy()
    normal = np.array([-axis[1], axis[0]]) / length
    if normal[1] < 0:
        normal = -normal
    along = np.linspace(0.05, 0.95, PROFILE_SAMPLES)[:, None] * axis + shoulder_xy
    reach = np.linspace(0.0, MAX_REACH, STEPS) * length
    return (
        _edge_distance(mask, along, normal, reach, length),
        _edge_distance(mask, along, -normal, reach, length),
    )


def _edge_distance(
    mask: np.ndarray, along: np.ndarray, normal: np.ndarray, reach: np.ndarray, length: float
) -> np.ndarray:
    pts = along[:, None, :] + reach[None, :, None] * normal[None, None, :]
    h, w = mask.shape
    xi = np.rint(pts[..., 0]).astype(np.int64)
    yi = np.rint(pts[..., 1]).astype(np.int64)
    inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    values = np.zeros(xi.shape, np.float32)
    values[inside] = mask[yi[inside], xi[inside]]
    on_body = values >= MASK_THRESHOLD
    out = np.full(len(along), np.nan, np.float32)
    for k in range(len(along)):
        if not on_body[k, 0]:
            continue
        off = np.flatnonzero(~on_body[k])
        if off.size and inside[k, off[0]]:
            out[k] = reach[off[0]] / length
    return out
