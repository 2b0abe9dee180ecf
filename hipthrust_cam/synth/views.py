"""The lifter in 3D as a camera sees it: both body sides, torso surfaces, and the camera's truth.

Inputs: sagittal-plane joints in metres ((N, 2): u toward the feet, Y up) from the motion
model, each joint's half body width, and a `Camera`. Outputs: pixel tracks of the near and far
joints, the side view's joints (the truth's yardstick, whatever the camera), 3D torso contours,
and the JSON block that records the camera. Pure numpy.

The body is symmetric about its midplane w = 0: a near joint sits at w = +half width, its far
twin at -half width. Angles in the truth are always measured in the lifter's own sagittal
plane (the side view's conventions), never on the turned image.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hipthrust_cam.synth import landmarks, truth
from hipthrust_cam.synth.camera import Camera


def half_widths(hip_m: float, shoulder_m: float, stance_m: float) -> dict[str, float]:
    """Half the body's width per joint, metres, from hip, shoulder and stance half widths.

    Args:
        hip_m: Half the distance between the hip joints.
        shoulder_m: Half the distance between the shoulders.
        stance_m: Half the distance between the ankles; heel and toe follow the ankle, the
            knee sits halfway between hip and ankle.

    Returns:
        Joint name -> half width; the defaults give `landmarks.HALF_WIDTH_M` exactly.

    """
    hw = dict(landmarks.HALF_WIDTH_M)
    feet = stance_m - hw["ankle"]
    for name in ("ankle", "heel", "toe"):
        hw[name] += feet
    hw["hip"], hw["shoulder"] = hip_m, shoulder_m
    hw["knee"] = 0.5 * (hw["hip"] + hw["ankle"])
    return hw


def lift(points: np.ndarray, w: float | np.ndarray) -> np.ndarray:
    """(..., 2) sagittal metres -> (..., 3) metres (u, Y, w) at lateral offset `w`."""
    w_arr = np.broadcast_to(np.asarray(w, np.float64), points.shape[:-1])
    return np.concatenate([points, w_arr[..., None]], -1)


def image_joints(
    cam: Camera, world: dict[str, np.ndarray], hw: dict[str, float], names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Pixel tracks of the near joints and their "far_" twins.

    Args:
        cam: The camera.
        world: name -> (N, 2) sagittal metres.
        hw: name -> half body width, metres (every name in `hw` gets a far twin).
        names: The near joints to project.

    Returns:
        name -> (N, 2) pixels, near joints then "far_<name>" for each name in `hw`.

    """
    joints = {name: cam.project(lift(world[name], hw[name])) for name in names}
    n = len(next(iter(joints.values())))
    for name, width in hw.items():
        joints[f"far_{name}"] = cam.far_twin(joints[name], width, n)
    return joints


def side_joints(
    cam: Camera, world: dict[str, np.ndarray], names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """The near joints as the side camera (yaw 0, same scale and shake) sees them: the truth."""
    side = dataclasses.replace(cam, yaw_deg=0.0)
    return {name: side.px(world[name]) for name in names}


def torso_contours(
    cam: Camera,
    world: dict[str, np.ndarray],
    hw: dict[str, float],
    back: np.ndarray,
    front: np.ndarray,
) -> dict[str, np.ndarray]:
    """Torso edges of both body sides in pixels, for a turned camera.

    Args:
        cam: The camera.
        world: Needs "shoulder" and "hip", (N, 2) sagittal metres.
        hw: Half widths; the edge's width goes from the shoulder's to the hip's.
        back: (N, S) back-side distances, torso lengths (`landmarks.torso_profiles`).
        front: (N, S) chest-side distances, torso lengths.

    Returns:
        "back", "front", "far_back", "far_front" -> (N, S, 2) pixels, shoulder to hip.

    """
    flip = np.array([1.0, -1.0])  # profile_points puts the back on the +y side
    sag = landmarks.profile_points(world["shoulder"] * flip, world["hip"] * flip, back, front)
    s = np.linspace(0.05, 0.95, back.shape[1])
    width = hw["shoulder"] + s * (hw["hip"] - hw["shoulder"])
    out = {}
    for edge, pts in sag.items():
        near = cam.project(lift(pts * flip, width))
        out[edge] = near
        out[f"far_{edge}"] = cam.far_twin(near, width, len(near))
    return out


def lifter_box(joints: dict[str, np.ndarray], frame: int) -> list[float]:
    """[x0, y0, x1, y1] pixels around every near and far joint at one frame."""
    pts = np.stack([track[frame] for track in joints.values()])
    return [round(float(v), 1) for v in (*pts.min(0), *pts.max(0))]


def camera_truth(
    cam: Camera, size: tuple[int, int], fps: float, box: list[float]
) -> dict[str, object]:
    """The truth's "camera" block: projection, yaw, frame, and how big the lifter is in it.

    Args:
        cam: The camera.
        size: (width, height) pixels.
        fps: Frame rate.
        box: `lifter_box` at the first lockout (or the first frame when there is no rep).

    Returns:
        A JSON-able dict.

    """
    w, h = size
    return {
        "projection": "orthographic, turned about the vertical; far side shrunk by "
        "3.0 / (3.0 + depth gap) toward the principal point",
        "yaw_deg": float(cam.yaw_deg),
        "view": view_name(cam.yaw_deg),
        "width": w,
        "height": h,
        "orientation": "portrait" if h > w else "landscape",
        "fps": float(fps),
        "px_per_m": round(cam.px_per_m, 4),
        "floor_y_px": round(cam.floor_px, 2),
        "camera_height_m": cam.height_m,
        "lifter_box_px": box,
        "lifter_width_frac": round((box[2] - box[0]) / w, 4),
        "lifter_height_frac": round((box[3] - box[1]) / h, 4),
        "faults_needing_a_side_view": faults_needing_a_side_view(view_name(cam.yaw_deg)),
    }


TEMPO_FAULTS = ("no_pause", "fast_eccentric")
"""Faults read from timing alone: a camera at any angle can judge them."""


def faults_needing_a_side_view(view: str) -> list[str]:
    """Fault codes a correct analyzer may call "not judged" from this view; none from the side.

    FORM.md: from an oblique or front camera, count reps and tempo; foot placement, the arch,
    the head, heels, lockout and bench slide are distorted by the angle.
    """
    if view == "side":
        return []
    return [code for code, *_ in truth.FAULT_RULES if code not in TEMPO_FAULTS]


def view_name(yaw_deg: float) -> str:
    """Name the view: side (|yaw| < 20), oblique (< 60), front- or rear-oblique beyond."""
    if abs(yaw_deg) < 20:
        return "side"
    if abs(yaw_deg) < 60:
        return "oblique"
    return "front-oblique" if yaw_deg > 0 else "rear-oblique"


def image_angles(
    reps: list[dict[str, object]], t_s: np.ndarray, joints: dict[str, np.ndarray]
) -> list[dict[str, float]]:
    """Per rep, the convention angles measured naively on the turned image at mid-lockout.

    What a 2D analyzer reading this camera would get; the truth's own angles stay sagittal.
    """
    tracks = truth.angle_tracks(joints)
    out = []
    for rep in reps:
        mid_t = 0.5 * (float(rep["lockout_start_s"]) + float(rep["lockout_end_s"]))  # type: ignore[arg-type]
        mid = int(np.argmin(np.abs(t_s - mid_t)))
        out.append({name: round(float(track[mid]), 3) for name, track in tracks.items()})
    return out
