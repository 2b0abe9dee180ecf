"""From synthetic joints to what a pose model would report: 33 landmarks and torso profiles.

Inputs: per-frame pixel joint tracks of both body sides (the far side is placed by
`camera.Camera.far_twin`). Outputs: analytic back/front silhouette profiles that follow the
lumbar arch, a `KeypointSeries`, and `degrade` to add noise and dropouts for analyzer tests.
Pure numpy.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hipthrust_cam.datatypes import (
    NUM_LANDMARKS,
    PROFILE_SAMPLES,
    SIDE_JOINTS,
    KeypointSeries,
    Landmark,
)

HALF_WIDTH_M = {
    "head": 0.0, "nose": 0.0, "eye": 0.03, "mouth": 0.025, "ear": 0.075, "shoulder": 0.19,
    "elbow": 0.22, "wrist": 0.22, "hip": 0.10, "knee": 0.10, "ankle": 0.10, "heel": 0.10,
    "toe": 0.11,
}  # fmt: skip
"""Half the body's width at each joint: how far behind the near joint its far twin is / 2."""

PROFILE_KNOTS = np.array(
    # s (0 shoulder .. 1 hip), back edge (m), front edge (m), neutral lifter
    [[0.0, 0.09, 0.11], [0.3, 0.10, 0.12], [0.6, 0.085, 0.09], [1.0, 0.12, 0.08]]
)
ARCH_BACK_M = 0.07
"""How far the lower back's contour moves toward the chest at lumbar_arch = 1."""
RIB_FLARE_M = 0.045
"""How far the ribs rise on the chest side at lumbar_arch = 1."""


def torso_profiles(
    arch: np.ndarray, torso_m: float, samples: int = PROFILE_SAMPLES
) -> tuple[np.ndarray, np.ndarray]:
    """Analytic back and front edge distances from the shoulder->hip line.

    Args:
        arch: (N,) lumbar arch in [0, 1] per frame.
        torso_m: Shoulder-hip distance, metres.
        samples: Points from shoulder to hip (at 0.05 .. 0.95 of the way, like the mask reader).

    Returns:
        (back, front): (N, samples) float32 in torso lengths; back is the image-down side.

    """
    s = np.linspace(0.05, 0.95, samples)
    back0 = np.interp(s, PROFILE_KNOTS[:, 0], PROFILE_KNOTS[:, 1])
    front0 = np.interp(s, PROFILE_KNOTS[:, 0], PROFILE_KNOTS[:, 2])
    lumbar = np.exp(-(((s - 0.62) / 0.18) ** 2))
    ribs = np.exp(-(((s - 0.32) / 0.14) ** 2))
    a = np.asarray(arch, np.float64)[:, None]
    back = back0 - a * ARCH_BACK_M * lumbar
    front = front0 + a * (ARCH_BACK_M * lumbar + RIB_FLARE_M * ribs)
    return (back / torso_m).astype(np.float32), (front / torso_m).astype(np.float32)


def profile_points(
    shoulder: np.ndarray, hip: np.ndarray, back: np.ndarray, front: np.ndarray
) -> dict[str, np.ndarray]:
    """Pixel points of the torso edges.

    Args:
        shoulder: (N, 2) pixels.
        hip: (N, 2) pixels.
        back: (N, S) back-side distances, torso lengths.
        front: (N, S) chest-side distances, torso lengths.

    Returns:
        "back" and "front" -> (N, S, 2) pixels, ordered from shoulder to hip.

    """
    axis = hip - shoulder
    length = np.linalg.norm(axis, axis=-1, keepdims=True)
    normal = np.stack([-axis[:, 1], axis[:, 0]], -1) / length
    normal = np.where(normal[:, 1:2] < 0, -normal, normal)  # image-down = back side
    s = np.linspace(0.05, 0.95, back.shape[1])
    line = shoulder[:, None, :] + s[None, :, None] * axis[:, None, :]
    scale = length[:, None, :] * normal[:, None, :]
    return {"back": line + back[..., None] * scale, "front": line - front[..., None] * scale}


_FACE = ("{S}_EYE_INNER", "{S}_EYE", "{S}_EYE_OUTER", "MOUTH_{S}")
"""Face landmarks of one side ({S} = LEFT/RIGHT); the eyes sit on "eye", the mouth on "mouth"."""


def _side_table(which: str) -> list[tuple[Landmark, str]]:
    """(landmark, synthetic joint) pairs for one body side."""
    rows = [(lm, joint) for joint, lm in SIDE_JOINTS[which].items()]
    for name in _FACE:
        rows.append((Landmark[name.format(S=which.upper())], "mouth" if "MOUTH" in name else "eye"))
    return rows


_VIS_NEAR, _VIS_FAR = 0.98, 0.6


def to_series(
    t_s: np.ndarray,
    joints: dict[str, np.ndarray],
    back: np.ndarray,
    front: np.ndarray,
    image_size: tuple[int, int],
    fps: float,
    side: str,
    px_per_m: float,
) -> KeypointSeries:
    """Stacks the synthetic joints into BlazePose's 33 landmarks.

    Args:
        t_s: (N,) seconds.
        joints: Near and "far_" (N, 2) pixel tracks.
        back: (N, 16) back profile, torso lengths.
        front: (N, 16) front profile, torso lengths.
        image_size: (width, height), pixels.
        fps: Frame rate.
        side: The near side, "left" or "right".
        px_per_m: Image scale, for the hip-centred world coordinates.

    Returns:
        A clean `KeypointSeries` (no noise; see `degrade`).

    """
    n = len(t_s)
    xy = np.zeros((n, NUM_LANDMARKS, 2))
    vis = np.zeros((n, NUM_LANDMARKS))
    depth = np.zeros(NUM_LANDMARKS)
    far = "right" if side == "left" else "left"
    for which, prefix, v, sign in ((side, "", _VIS_NEAR, -1.0), (far, "far_", _VIS_FAR, 1.0)):
        hand = joints[prefix + "wrist"] + 0.3 * (
            joints[prefix + "wrist"] - joints[prefix + "elbow"]
        )
        for key in ("PINKY", "INDEX", "THUMB"):
            lm = Landmark[f"{which.upper()}_{key}"]
            xy[:, lm] = hand if key != "THUMB" else 0.5 * (hand + joints[prefix + "wrist"])
            vis[:, lm] = v * 0.8
        for lm, joint in _side_table(which):
            xy[:, lm] = joints[prefix + joint]
            vis[:, lm] = v
            depth[lm] = sign * HALF_WIDTH_M.get(joint, 0.05)
    xy[:, Landmark.NOSE] = joints["nose"]
    vis[:, Landmark.NOSE] = _VIS_NEAR
    hips = 0.5 * (joints["hip"] + joints["far_hip"])
    world = np.concatenate(
        [
            (xy - hips[:, None, :]) / px_per_m,
            np.broadcast_to(depth[None, :, None], (n, NUM_LANDMARKS, 1)),
        ],
        -1,
    )
    return KeypointSeries(
        t_s=np.asarray(t_s, np.float64),
        xy=xy.astype(np.float32),
        visibility=vis.astype(np.float32),
        presence=np.full((n, NUM_LANDMARKS), 0.99, np.float32),
        world=world.astype(np.float32),
        num_poses=np.ones(n, np.int16),
        back_profile=np.asarray(back, np.float32).reshape(n, PROFILE_SAMPLES),
        front_profile=np.asarray(front, np.float32).reshape(n, PROFILE_SAMPLES),
        image_size=image_size,
        fps=float(fps),
        source="synthetic",
    )


def degrade(
    series: KeypointSeries,
    *,
    noise_px: float = 0.0,
    dropout_frac: float = 0.0,
    dropout_gap_s: float = 0.0,
    seed: int = 0,
    landmarks: tuple[int, ...] | None = None,
) -> KeypointSeries:
    """Add Gaussian pixel noise and dropouts, as a real pose model would.

    Args:
        series: A clean series.
        noise_px: Standard deviation of the noise on x and y, pixels.
        dropout_frac: Share of frames to drop (0..1).
        dropout_gap_s: Length of each dropout run, seconds (0: single frames).
        seed: Random seed.
        landmarks: Only drop these landmarks (the person stays detected); None drops whole
            frames (NaN everywhere, visibility/presence 0, num_poses 0, NaN profiles).

    Returns:
        A new `KeypointSeries`; dropped points are NaN with visibility 0.

    """
    rng = np.random.default_rng(seed)
    n = len(series)
    xy = (
        series.xy + rng.normal(0.0, noise_px, series.xy.shape).astype(np.float32)
        if noise_px > 0
        else series.xy.copy()
    )
    drop = dropout_mask(n, dropout_frac, max(round(dropout_gap_s * series.fps), 1), rng)
    vis, pres, world = series.visibility.copy(), series.presence.copy(), series.world.copy()
    num, back, front = (
        series.num_poses.copy(),
        series.back_profile.copy(),
        series.front_profile.copy(),
    )
    cols = np.arange(NUM_LANDMARKS) if landmarks is None else np.asarray(landmarks, int)
    sel = np.ix_(drop, cols)
    xy[sel], vis[sel], world[sel] = np.nan, 0.0, np.nan
    if landmarks is None:
        pres[drop], num[drop], back[drop], front[drop] = 0.0, 0, np.nan, np.nan
    return dataclasses.replace(
        series, xy=xy, visibility=vis, presence=pres, world=world, num_poses=num,
        back_profile=back, front_profile=front,
    )  # fmt: skip


def dropout_mask(n: int, frac: float, run: int, rng: np.random.Generator) -> np.ndarray:
    """(n,) bool: about `frac` of the frames dropped, in runs of `run` frames."""
    want = round(float(np.clip(frac, 0, 1)) * n)
    drop = np.zeros(n, bool)
    for _ in range(100 * (want + 1)):
        if drop.sum() >= want:
            break
        start = int(rng.integers(0, max(n - run + 1, 1)))
        drop[start : start + run] = True
    return drop
