"""Synthetic hip-thrust sets: a parametric lifter on a bench, with exact ground truth.

Inputs: a `SetSpec` (reps, tempo, lockout angles, foot placement, faults, camera). Outputs: a
`SyntheticSet` with per-frame pixel joint tracks, a 33-landmark `KeypointSeries`, body contours,
prop positions (bench, bar) and a JSON-able ground truth. Pure numpy, deterministic per seed.

Model: a side view in metres (u along the floor toward the feet, Y up). The upper back rests
on the bench edge, which is the pivot; the feet stay where they were set (solved from the
wanted knee angle at lockout); each frame the torso angle is solved so that the shoulder-hip-
knee angle follows a smooth (minimum-jerk) tempo profile, and the leg is a two-link chain from
the hip to the fixed ankle. Pixels: x = centre + dir * px_per_m * u, y = floor - px_per_m * Y,
dir = -1 when the left side faces the camera (the head is then on the image's right).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hipthrust_cam.datatypes import KeypointSeries
from hipthrust_cam.synth import landmarks, truth, views
from hipthrust_cam.synth.camera import Camera, camera
from hipthrust_cam.synth.spec import SetSpec, spec_json, uses_optional

BODY = {  # segment lengths as fractions of body height (adult proportions)
    "torso": 0.30, "thigh": 0.245, "shin": 0.25, "neck": 0.10, "upper_arm": 0.186,
    "forearm": 0.146, "ankle_height": 0.06,
}  # fmt: skip
BACK_CONTACT = (0.16, 0.09)
"""Where the bench edge touches the back: metres from the shoulder along the torso, behind it."""
HEAD_BOTTOM_DEG = -12.0
"""Head angle at the bottom of every rep (chin tucked, eyes on the knees)."""
SETUP_DROP_DEG = 14.0
"""How far below the bottom hip angle the lifter sits while getting into position."""
HIP_FLOOR_M = 0.15
"""Lowest hip-joint height: the glutes rest on the floor."""
_GRID = np.radians(np.arange(-60.0, 85.0, 0.5))


@dataclass(frozen=True)
class SyntheticSet:
    """A simulated set.

    Attributes:
        t_s: (N,) frame times, seconds.
        joints: name -> (N, 2) pixels: near-side head, ear, eye, nose, mouth, shoulder, elbow,
            wrist, hip, knee, ankle, heel, toe, and the same with a "far_" prefix.
        series: The 33-landmark `KeypointSeries` with analytic silhouette profiles.
        truth: JSON-able ground truth (spec, thresholds, reps, faults).
        contours: "back" and "front" -> (N, 16, 2) pixel torso edges, shoulder to hip.
        props: "bar" -> (N, 2) bar centre, "pivot" -> (N, 2) back contact, "shake" -> (N, 2).
        angles: name -> (N,) convention angles per frame, degrees.
        px_per_m: Image scale at the lifter's near side.
        world: name -> (N, 2) sagittal metres (u toward the feet, Y up) of the near joints,
            "bar" and "pivot".
        half_width: name -> half the body's width at the joint, metres.
        camera: The camera that drew the pixels.

    """

    t_s: np.ndarray
    joints: dict[str, np.ndarray]
    series: KeypointSeries
    truth: dict[str, Any]  # the .truth.json content
    contours: dict[str, np.ndarray] = field(default_factory=dict)
    props: dict[str, np.ndarray] = field(default_factory=dict)
    angles: dict[str, np.ndarray] = field(default_factory=dict)
    px_per_m: float = 1.0
    world: dict[str, np.ndarray] = field(default_factory=dict)
    half_width: dict[str, float] = field(default_factory=dict)
    camera: Camera | None = None


def min_jerk(x: np.ndarray) -> np.ndarray:
    """Minimum-jerk ease 0 -> 1 over x in [0, 1] (clipped)."""
    x = np.clip(x, 0.0, 1.0)
    return x**3 * (10 - 15 * x + 6 * x**2)


def _segments(
    spec: SetSpec,
) -> tuple[list[tuple[float, float, float, int, str]], list[dict[str, float]]]:
    """Build the tempo table: (duration_s, p_from, p_to, rep, phase) rows and the reps' times."""
    rows: list[tuple[float, float, float, int, str]] = []
    if spec.start_at_top:
        rows += [
            (spec.pause(0), 1, 1, 0, "pre"),
            (spec.eccentric_s, 1, 0, 0, "pre"),
            (spec.rest_s, 0, 0, 0, "rest"),
        ]
    elif spec.setup_s > 0:
        rows.append((spec.setup_s, 0, 0, 0, "setup"))
    reps: list[dict[str, float]] = []
    t = sum(r[0] for r in rows)
    for k in range(spec.reps):
        times = {"start_s": t, "lockout_start_s": t + spec.concentric_s}
        times["lockout_end_s"] = times["lockout_start_s"] + spec.pause(k)
        times["end_s"] = times["lockout_end_s"] + spec.eccentric_s
        reps.append(times)
        rest = spec.tail_s if k == spec.reps - 1 else spec.rest_s
        rows += [(spec.concentric_s, 0, 1, k, "up"), (spec.pause(k), 1, 1, k, "hold"),
                 (spec.eccentric_s, 1, 0, k, "down"), (rest, 0, 0, k, "rest")]  # fmt: skip
        t = times["end_s"] + rest
    if spec.reps == 0:
        rows.append((spec.tail_s, 0, 0, 0, "rest"))
    if spec.trailing_partial > 0:
        k = max(spec.reps - 1, 0)
        rows.append((spec.concentric_s * spec.trailing_partial, 0, spec.trailing_partial, k, "up"))
    return [r for r in rows if r[0] > 0], reps


def _profiles(spec: SetSpec, t_s: np.ndarray) -> dict[str, np.ndarray]:
    """Per-frame drivers: progress p, rep index, setup ease, slide progress. All (N,)."""
    rows, _ = _segments(spec)
    n = len(t_s)
    p, rep, setup, slide = np.zeros(n), np.zeros(n, int), np.ones(n), np.zeros(n)
    t0 = 0.0
    for dur, a, b, k, phase in rows:
        sel = (t_s >= t0 - 1e-9) & (t_s < t0 + dur - 1e-9)
        x = (t_s[sel] - t0) / dur
        p[sel] = a + (b - a) * min_jerk(x)
        rep[sel] = k
        if phase == "setup":
            setup[sel] = min_jerk(x)
        done: np.ndarray | float = 0.0
        if phase == "up":
            done = min_jerk(x)
        elif phase in ("hold", "down", "rest"):
            done = 1.0
        slide[sel] = k + done if phase != "pre" and phase != "setup" else 0.0
        t0 += dur
    tail = t_s >= t0 - 1e-9
    if rows and tail.any():
        p[tail] = rows[-1][2]
        rep[tail] = rows[-1][3]
        slide[tail] = rows[-1][3] + 1.0 if rows[-1][4] != "setup" else 0.0
    return {"p": p, "rep": rep, "setup": setup, "slide": slide}


def _dims(spec: SetSpec) -> dict[str, float]:
    """Segment lengths in metres: `BODY` scaled by height, thigh and shin by their scales."""
    d = {k: v * spec.body_height_m for k, v in BODY.items()}
    d["thigh"] *= spec.thigh_scale
    d["shin"] *= spec.shin_scale
    return d


def _body(
    theta: np.ndarray, pivot: np.ndarray, ankle: np.ndarray, d: dict[str, float]
) -> dict[str, np.ndarray]:
    """Shoulder, hip, knee (metres, (..., 2)) for torso angles `theta` (radians, + shoulder up)."""
    a, r = BACK_CONTACT
    axis = np.stack([-np.cos(theta), np.sin(theta)], -1)  # hip -> shoulder
    post = np.stack([-np.sin(theta), -np.cos(theta)], -1)  # posterior normal
    shoulder = pivot - r * post + a * axis
    hip = shoulder - d["torso"] * axis
    knee = two_link(hip, ankle, d["thigh"], d["shin"])
    return {"shoulder": shoulder, "hip": hip, "knee": knee, "axis": axis, "post": post}


def two_link(root: np.ndarray, tip: np.ndarray, l1: float, l2: float) -> np.ndarray:
    """Find the middle joint of a two-link chain, bent counter-clockwise of root->tip.

    Args:
        root: (..., 2) first joint.
        tip: (..., 2) end joint.
        l1: Length of the root link.
        l2: Length of the tip link.

    Returns:
        (..., 2) middle joint; the chain is straightened when the tip is out of reach.

    """
    v = tip - root
    dist = np.clip(np.linalg.norm(v, axis=-1, keepdims=True), abs(l1 - l2) + 1e-6, l1 + l2 - 1e-6)
    unit = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)
    along = (l1**2 - l2**2 + dist**2) / (2 * dist)
    up = np.sqrt(np.maximum(l1**2 - along**2, 0.0))
    perp = np.stack([-unit[..., 1], unit[..., 0]], -1)
    return root + along * unit + up * perp


def _hip_ext(b: dict[str, np.ndarray]) -> np.ndarray:
    flip = np.array([1.0, -1.0])  # world (Y up) -> image-like (y down)
    return truth.hip_extension_deg(b["shoulder"] * flip, b["hip"] * flip, b["knee"] * flip)


def solve_theta(
    target: np.ndarray, pivot: np.ndarray, ankle: np.ndarray, d: dict[str, float]
) -> np.ndarray:
    """Solve the torso angle (radians) giving hip extension `target` (degrees), per frame.

    Args:
        target: (N,) hip extension, degrees.
        pivot: (N, 2) back contact on the bench, metres.
        ankle: (N, 2) ankle, metres.
        d: Segment lengths, metres.

    Returns:
        (N,) radians, by grid search then bisection (hip extension falls as theta grows).

    """
    grid = _hip_ext(_body(_GRID[None, :], pivot[:, None, :], ankle[:, None, :], d))
    above = grid >= target[:, None]
    idx = np.argmin(above, axis=1) - 1  # last grid point still above the target
    idx = np.where(above.all(axis=1), len(_GRID) - 2, np.clip(idx, 0, len(_GRID) - 2))
    lo, hi = _GRID[idx], _GRID[idx + 1]
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        ok = _hip_ext(_body(mid, pivot, ankle, d)) >= target
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    return 0.5 * (lo + hi)


def floor_theta(pivot: np.ndarray, d: dict[str, float]) -> np.ndarray:
    """Largest torso angle (radians) that keeps the hip HIP_FLOOR_M above the floor.

    Args:
        pivot: (N, 2) back contact, metres.
        d: Segment lengths, metres.

    Returns:
        (N,) radians; hip height is r cos(theta) - (torso - a) sin(theta) + pivot height.
    """
    a, r = BACK_CONTACT
    lever = d["torso"] - a
    c = np.clip((HIP_FLOOR_M - pivot[:, 1]) / np.hypot(r, lever), -1.0, 1.0)
    return np.arccos(c) - np.arctan2(lever, r)


def place_feet(spec: SetSpec, d: dict[str, float]) -> float:
    """Ankle position u (metres) that gives `lockout_knee_deg` at rep 1's lockout."""
    pivot = np.array([0.0, spec.bench_height_m])
    target = spec.lockout_hip(0)
    kappa = np.radians(spec.lockout_knee_deg)
    reach = np.sqrt(d["thigh"] ** 2 + d["shin"] ** 2 - 2 * d["thigh"] * d["shin"] * np.cos(kappa))
    lo, hi = -0.9, 0.9  # torso angle bracket, radians
    for _ in range(50):
        theta = 0.5 * (lo + hi)
        ankle_u = _ankle_u(theta, pivot, reach, d)
        b = _body(np.array(theta), pivot, np.array([ankle_u, d["ankle_height"]]), d)
        lo, hi = (theta, hi) if _hip_ext(b) >= target else (lo, theta)
    return _ankle_u(0.5 * (lo + hi), pivot, reach, d)


def _ankle_u(theta: float, pivot: np.ndarray, reach: float, d: dict[str, float]) -> float:
    hip = _body(np.array(theta), pivot, np.array([1.0, d["ankle_height"]]), d)["hip"]
    dy = hip[1] - d["ankle_height"]
    return float(hip[0] + np.sqrt(max(reach**2 - dy**2, 1e-6)))


def _drivers(spec: SetSpec, t_s: np.ndarray, d: dict[str, float]) -> dict[str, np.ndarray]:
    """Per-frame hip target (deg), pivot, ankle (m), heel tilt (rad), head angle (deg)."""
    prof = _profiles(spec, t_s)
    p, setup = prof["p"], prof["setup"]
    lock = np.array([spec.lockout_hip(k) for k in range(max(spec.reps, 1))])[prof["rep"]]
    shuffle = 0.5 * np.sin(2 * np.pi * setup) ** 2  # two small hip lifts while settling
    target = spec.bottom_hip_deg + p * (lock - spec.bottom_hip_deg)
    target = target - SETUP_DROP_DEG * (1 - setup) * (1 - shuffle)
    slide = spec.bench_slide * d["torso"] * prof["slide"]
    pivot = np.stack([-slide, spec.bench_height_m - 0.08 * (1 - setup)], -1)
    ankle_u = place_feet(spec, d) + 0.10 * (1 - setup) - slide  # the feet re-set with the body
    foot_len = (
        np.hypot(FOOT["toe"][0] - FOOT["heel"][0], FOOT["toe"][1] - FOOT["heel"][1])
        * spec.body_height_m
    )
    tilt = np.arcsin(np.clip(spec.heel_lift * d["shin"] * p / foot_len, 0, 0.9))
    head = HEAD_BOTTOM_DEG + p * (spec.head_deg - HEAD_BOTTOM_DEG)
    return {
        "target": target,
        "pivot": pivot,
        "ankle_u": ankle_u,
        "tilt": tilt,
        "head": head,
        "p": p,
    }


FOOT = {"heel": (-0.026, -0.045), "toe": (0.099, -0.046)}
"""Heel and toe relative to the ankle (in a shoe) with the foot flat, body heights (u, Y)."""
HEAD = {"head": (0.02, 0.045), "eye": (0.05, 0.02), "nose": (0.065, 0.0), "mouth": (0.05, -0.03)}
"""Head points relative to the ear in body heights: (anterior, superior)."""


def _rot(v: np.ndarray, ang: np.ndarray) -> np.ndarray:
    c, s = np.cos(ang)[..., None], np.sin(ang)[..., None]
    return np.concatenate([c * v[..., :1] - s * v[..., 1:], s * v[..., :1] + c * v[..., 1:]], -1)


def _world_joints(
    spec: SetSpec, dr: dict[str, np.ndarray], d: dict[str, float]
) -> dict[str, np.ndarray]:
    """All near-side joints in metres (N, 2), plus torso axes."""
    n = len(dr["target"])
    hgt = spec.body_height_m
    ankle0 = np.stack([dr["ankle_u"], np.full(n, d["ankle_height"])], -1)
    toe0 = ankle0 + np.array(FOOT["toe"]) * hgt
    # Heel lift: the foot turns about the toe (clockwise in u-Y lifts the heel, which is at -u).
    rel = {k: (np.array(FOOT[k]) - FOOT["toe"]) * hgt for k in ("heel",)}
    heel = toe0 + _rot(np.broadcast_to(rel["heel"], (n, 2)), -dr["tilt"])
    ankle = toe0 + _rot(np.broadcast_to(-np.array(FOOT["toe"]) * hgt, (n, 2)), -dr["tilt"])
    theta = np.minimum(
        solve_theta(dr["target"], dr["pivot"], ankle, d), floor_theta(dr["pivot"], d)
    )
    b = _body(theta, dr["pivot"], ankle, d)
    axis, post = b["axis"], b["post"]
    phi = np.radians(dr["head"])[:, None]
    sup = np.cos(phi) * axis + np.sin(phi) * post
    ant = np.sin(phi) * axis - np.cos(phi) * post
    ear = b["shoulder"] + d["neck"] * sup
    out = {"shoulder": b["shoulder"], "hip": b["hip"], "knee": b["knee"], "ankle": ankle,
           "heel": heel, "toe": toe0, "ear": ear, "axis": axis, "post": post}  # fmt: skip
    for name, (a_off, s_off) in HEAD.items():
        out[name] = ear + (a_off * ant + s_off * sup) * hgt
    out["bar"] = b["hip"] - 0.13 * post - 0.03 * axis
    out["wrist"] = out["bar"] + 0.03 * axis
    out["elbow"] = two_link(b["shoulder"], out["wrist"], d["upper_arm"], d["forearm"])
    out["pivot"] = dr["pivot"]
    return out


NEAR = ("head", "ear", "eye", "nose", "mouth", "shoulder", "elbow", "wrist", "hip", "knee",
        "ankle", "heel", "toe")  # fmt: skip


def duration_s(spec: SetSpec) -> float:
    """Length of the whole clip, seconds."""
    return float(sum(r[0] for r in _segments(spec)[0]))


def simulate(spec: SetSpec) -> SyntheticSet:
    """Generate a set: joints, 33-landmark series, contours and ground truth.

    Args:
        spec: What to simulate.

    Returns:
        The `SyntheticSet`; `truth["reps"]` lists only counted reps, measured on the joints.

    """
    n = max(round(duration_s(spec) * spec.fps), 1)
    t_s = np.arange(n) / spec.fps
    d = _dims(spec)
    dr = _drivers(spec, t_s, d)
    world = _world_joints(spec, dr, d)
    cam = camera(spec, n)
    hw = views.half_widths(
        spec.hip_half_width_m, spec.shoulder_half_width_m, spec.stance_half_width_m
    )
    joints = views.image_joints(cam, world, hw, NEAR)
    side = joints if cam.yaw_deg == 0.0 else views.side_joints(cam, world, NEAR)
    arch = float(np.clip(spec.lumbar_arch, 0, 1)) * dr["p"]
    back, front = landmarks.torso_profiles(arch, d["torso"])
    contours = (
        landmarks.profile_points(joints["shoulder"], joints["hip"], back, front)
        if cam.yaw_deg == 0.0
        else views.torso_contours(cam, world, hw, back, front)
    )
    size = (spec.width, spec.height)
    series = landmarks.to_series(t_s, joints, back, front, size, spec.fps, spec.side, cam.px_per_m)
    angles = truth.angle_tracks(side)
    props = {"bar": cam.px(world["bar"]), "pivot": cam.px(world["pivot"]), "shake": cam.shake}
    reps = _rep_truths(spec, t_s, side, angles, d, cam)
    truth_dict = _truth_json(spec, n, cam, d, reps)
    if uses_optional(spec):  # a new camera, look or body: the truth records the camera
        first = float(reps[0]["lockout_start_s"]) if reps else 0.0  # type: ignore[arg-type]
        box = views.lifter_box(joints, int(np.argmin(np.abs(t_s - first))))
        truth_dict["camera"] = views.camera_truth(cam, size, spec.fps, box)
    if cam.yaw_deg != 0.0:
        for rep, seen in zip(reps, views.image_angles(reps, t_s, joints), strict=True):
            rep["image_angles"] = seen
    return SyntheticSet(
        t_s, joints, series, truth_dict, contours, props, angles, cam.px_per_m,
        world=world, half_width=hw, camera=cam,
    )  # fmt: skip


def _rep_truths(
    spec: SetSpec,
    t_s: np.ndarray,
    side: dict[str, np.ndarray],
    angles: dict[str, np.ndarray],
    d: dict[str, float],
    cam: Camera,
) -> list[dict[str, object]]:
    """Per counted rep, the truth measured on the side view's joints (`truth.rep_truth`)."""
    scales = {"shin_px": d["shin"] * cam.px_per_m, "torso_px": d["torso"] * cam.px_per_m,
              "lumbar_arch": float(spec.lumbar_arch)}  # fmt: skip
    steady = {
        **side,
        "shoulder": side["shoulder"] - cam.shake,
    }  # drift is the body's, not the camera's
    return [
        truth.rep_truth(k, tm, t_s, steady, angles, scales)
        for k, tm in enumerate(_segments(spec)[1])
    ]


def _truth_json(
    spec: SetSpec, n: int, cam: Camera, d: dict[str, float], reps: list[dict[str, object]]
) -> dict[str, Any]:
    """The truth file's content (the "camera" block is added by the caller when needed)."""
    fired = {code for r in reps for code in typing.cast(list[str], r["faults"])}
    set_faults = [code for code, *_ in truth.FAULT_RULES if code in fired]
    return {
        "synthetic": True,
        "spec": spec_json(spec),
        "conventions": "angles in degrees per the project's angle conventions; px x right, y down",
        "thresholds": truth.thresholds_json(),
        "frames": n, "duration_s": round(n / spec.fps, 4), "px_per_m": round(cam.px_per_m, 4),
        "segment_px": {k: round(v * cam.px_per_m, 3) for k, v in d.items()},
        "rep_count": len(reps), "reps": reps, "faults": set_faults,
    }  # fmt: skip
