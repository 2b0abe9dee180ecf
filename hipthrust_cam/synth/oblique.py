"""Draw a set seen by a camera turned off the side: both body sides, the bench and the bar in 3D.

Inputs: a `SyntheticSet` whose camera has a non-zero yaw (its `world` joints, `half_width` and
3D torso contours), a frame index, the background and a `RenderStyle`. Outputs: a BGR frame.
An adapter (OpenCV). Parts are painted far to near (painter's order by their depth along the
view); the bench is always painted first, behind the lifter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from hipthrust_cam.synth import render as r2d
from hipthrust_cam.synth.camera import CAMERA_DISTANCE_M, Camera
from hipthrust_cam.synth.kinematics import SyntheticSet
from hipthrust_cam.synth.looks import RenderStyle
from hipthrust_cam.synth.views import lift

BENCH: dict[str, Any] = {
    "u": (-0.32, 0.0),
    "pad_m": 0.09,
    "half_length_m": 0.6,
    "legs_u": (-0.27, -0.05),
}
"""The bench pad box (u range, pad thickness, half its length across the lifter) and its legs."""

Part = tuple[float, Callable[[], object]]


def _fill(img: np.ndarray, pts: np.ndarray, color: r2d.Color) -> None:
    cv2.fillPoly(img, [np.round(pts * 16).astype(np.int32)], color, cv2.LINE_AA, 4)


@dataclasses.dataclass(frozen=True)
class _View:
    """One frame's camera and helpers to put sagittal points (metres) on either body side."""

    cam: Camera
    ppm: float

    def near(self, pts: np.ndarray, w: float) -> np.ndarray:
        """(..., 2) sagittal metres at lateral offset +w -> (..., 2) pixels."""
        return self.cam.project(lift(np.asarray(pts, np.float64), w)[None])[0]

    def far(self, pts: np.ndarray, w: float) -> np.ndarray:
        """The same points on the far side (-w), with the far side's depth cue."""
        return self.cam.far_twin(self.near(pts, w)[None], w, 1)[0]

    def side(self, pts: np.ndarray, w: float, sign: float) -> np.ndarray:
        """Near (sign +1) or far (-1) pixels."""
        return self.near(pts, w) if sign > 0 else self.far(pts, w)

    def depth(self, pts: np.ndarray, w: float) -> float:
        """Mean depth of sagittal points at lateral offset w (larger is farther)."""
        return float(np.mean(self.cam.depth(lift(np.asarray(pts, np.float64), w))))


def _view(sim: SyntheticSet, i: int) -> _View:
    assert sim.camera is not None
    return _View(dataclasses.replace(sim.camera, shake=sim.camera.shake[i : i + 1]), sim.px_per_m)


def _bench(img: np.ndarray, sim: SyntheticSet, v: _View, style: RenderStyle) -> None:
    """The bench: four legs and a padded box across the lifter, its edge at u = 0."""
    top = float(sim.truth["spec"]["bench_height_m"])
    half = BENCH["half_length_m"]
    for u in BENCH["legs_u"]:
        for sign in (-1.0, 1.0):
            leg = v.side(np.array([[u, 0.02], [u, top - 0.08]]), 0.85 * half, sign)
            r = 0.02 * v.ppm
            r2d._capsule(img, leg[0], leg[1], r, r, style.bench_frame)
    u0, u1 = BENCH["u"]
    box = np.array([[u0, top], [u1, top], [u1, top - BENCH["pad_m"]], [u0, top - BENCH["pad_m"]]])
    near, far = v.near(box, half), v.far(box, half)
    hull = cv2.convexHull(np.concatenate([near, far]).astype(np.float32))[:, 0]
    _fill(img, hull, style.bench_pad)
    _fill(img, np.array([near[0], near[1], far[1], far[0]]), r2d._shade(style.bench_pad, 1.6))
    _fill(img, near, r2d._shade(style.bench_pad, 1.2))


def _shoe(img: np.ndarray, sim: SyntheticSet, v: _View, i: int, pre: str, color: r2d.Color) -> None:
    """The trainer of one foot, outlined in its own sagittal plane and projected."""
    heel, toe = sim.world["heel"][i], sim.world["toe"][i]
    along = (toe - heel) / max(float(np.hypot(*(toe - heel))), 1e-6)
    up = np.array([-along[1], along[0]])
    if up[1] < 0:
        up = -up
    base = heel + r2d.SHOE_SHIFT_M * along
    outline = base + r2d.SHOE[:, :1] * along + r2d.SHOE[:, 1:] * up
    sign = 1.0 if pre == "" else -1.0
    _fill(img, v.side(outline, sim.half_width["heel"], sign), color)


def _limbs(img: np.ndarray, sim: SyntheticSet, i: int, style: RenderStyle, pre: str) -> list[Part]:
    """One body side's arm and leg segments, shoe and hand, as depth-sorted parts."""
    k = 1.0 if pre == "" else style.far_shade
    sign = 1.0 if pre == "" else -1.0
    v = _view(sim, i)
    ppm = sim.px_per_m
    parts: list[Part] = []
    for a, b, r0, r1, cloth in r2d.LIMBS:
        p0, p1 = sim.joints[pre + a][i], sim.joints[pre + b][i]
        seg = np.stack([sim.world[a][i], sim.world[b][i]])
        color = r2d._shade(getattr(style, cloth), k)

        def draw(
            p0: np.ndarray = p0,
            p1: np.ndarray = p1,
            r0: float = r0,
            r1: float = r1,
            color: r2d.Color = color,
        ) -> None:
            r2d._shaded_capsule(img, p0, p1, r0 * ppm, r1 * ppm, color)

        parts.append((v.depth(seg, sign * sim.half_width[a]), draw))
    foot = np.stack([sim.world["heel"][i], sim.world["toe"][i]])
    shoe = r2d._shade(style.shoe, k)
    parts.append((v.depth(foot, sign * sim.half_width["heel"]) - 0.01,
                  lambda: _shoe(img, sim, v, i, pre, shoe)))  # fmt: skip
    hand = sim.joints[pre + "wrist"][i]
    skin = r2d._shade(style.skin, k)
    parts.append((v.depth(sim.world["wrist"][i][None], sign * sim.half_width["wrist"]) - 0.01,
                  lambda: cv2.circle(img, r2d._pt(hand), int(0.045 * ppm * 16), skin, -1,
                                     cv2.LINE_AA, 4)))  # fmt: skip
    return parts


def _torso(img: np.ndarray, sim: SyntheticSet, i: int, style: RenderStyle) -> None:
    """The torso as a slab between the two sides' contours, pelvis, shoulder caps and neck."""
    c = {k: sim.contours[k][i] for k in ("back", "front", "far_back", "far_front")}
    ppm = sim.px_per_m
    shirt = style.shirt
    for pre, k in (("far_", style.far_shade), ("", 1.0)):
        cap = sim.joints[pre + "shoulder"][i]
        cv2.circle(img, r2d._pt(cap), int(style.shoulder_cap_m * ppm * 16), r2d._shade(shirt, k),
                   -1, cv2.LINE_AA, 4)  # fmt: skip
    _fill(img, np.concatenate([c["far_back"], c["far_front"][::-1]]), r2d._shade(shirt, 0.6))
    _fill(img, np.concatenate([c["back"], c["far_back"][::-1]]), r2d._shade(shirt, 0.75))
    for end in (0, -1):
        quad = np.array([c["back"][end], c["front"][end], c["far_front"][end], c["far_back"][end]])
        _fill(img, quad, r2d._shade(shirt, 0.85))
    _fill(img, np.concatenate([c["front"], c["far_front"][::-1]]), r2d._shade(shirt, 1.15))
    _fill(img, np.concatenate([c["back"], c["front"][::-1]]), shirt)
    hips = (sim.joints["far_hip"][i], sim.joints["hip"][i])
    r2d._capsule(img, hips[0], hips[1], 0.1 * ppm, 0.1 * ppm, style.tights)
    for hip, k in zip(hips, (style.far_shade, 1.0), strict=True):
        cv2.circle(img, r2d._pt(hip), int(0.095 * ppm * 16), r2d._shade(style.tights, k), -1,
                   cv2.LINE_AA, 4)  # fmt: skip


def _head(img: np.ndarray, sim: SyntheticSet, i: int, style: RenderStyle) -> None:
    """Neck, hair and the photographed face, centred between the ears."""
    ppm = sim.px_per_m
    ear = 0.5 * (sim.joints["ear"][i] + sim.joints["far_ear"][i])
    shoulder = 0.5 * (sim.joints["shoulder"][i] + sim.joints["far_shoulder"][i])
    r2d._shaded_capsule(img, shoulder, 0.5 * (shoulder + ear), 0.055 * ppm, 0.05 * ppm, style.skin)
    up = (ear - shoulder) / max(float(np.hypot(*(ear - shoulder))), 1e-6)
    head_h = 0.24 * ppm
    ant = sim.joints["nose"][i] - ear
    centre = ear + style.face_shift[0] * ant + style.face_shift[1] * head_h * up
    hair = r2d._pt(centre + 0.08 * head_h * up)
    cv2.circle(img, hair, int(0.42 * head_h * 16), style.hair, -1, cv2.LINE_AA, 4)
    r2d._paste_head(img, centre, up, head_h, style.mirror_face)


def _barbell(img: np.ndarray, sim: SyntheticSet, i: int, style: RenderStyle) -> list[Part]:
    """Two plates (ellipses: discs in sagittal planes) and the bar, as depth-sorted parts."""
    v = _view(sim, i)
    bar = sim.world["bar"][i][None]
    off = style.plate_offset_m
    ends = {1.0: v.near(bar, off)[0], -1.0: v.far(bar, off)[0]}
    centre = v.near(bar, 0.0)[0]
    cos = abs(v.cam.cos_yaw)
    parts: list[Part] = []
    for sign, end in ends.items():
        shrink = 1.0 if sign > 0 else CAMERA_DISTANCE_M / (CAMERA_DISTANCE_M + 2 * off * cos)
        r = style.plate_radius_m * v.ppm * shrink
        axes = (max(r * cos, 1.0), r)

        def plate(end: np.ndarray = end, axes: tuple[float, float] = axes) -> None:
            size = (round(axes[0] * 16), round(axes[1] * 16))
            cv2.ellipse(img, r2d._pt(end), size, 0, 0, 360, style.plate, -1, cv2.LINE_AA, 4)
            inner = (round(axes[0] * 0.93 * 16), round(axes[1] * 0.93 * 16))
            cv2.ellipse(img, r2d._pt(end), inner, 0, 0, 360, style.plate_rim,
                        max(int(0.012 * v.ppm), 1), cv2.LINE_AA, 4)  # fmt: skip

        def rod(end: np.ndarray = end) -> None:
            r2d._capsule(img, centre, end, style.bar_radius_m * v.ppm,
                         style.bar_radius_m * v.ppm, (170, 170, 175))  # fmt: skip

        parts.append((v.depth(bar, sign * off), plate))
        parts.append((v.depth(bar, sign * off / 2), rod))
    return parts


def draw_frame(sim: SyntheticSet, i: int, bg: np.ndarray, style: RenderStyle) -> np.ndarray:
    """Frame `i` as BGR (H, W, 3) uint8, painted far to near; only reads the simulation."""
    img = bg.copy()
    v = _view(sim, i)
    _bench(img, sim, v, style)
    mid = 0.5 * (sim.world["shoulder"][i] + sim.world["hip"][i])
    torso_depth = v.depth(mid[None], 0.0)
    parts: list[Part] = [
        (torso_depth, lambda: _torso(img, sim, i, style)),
        (torso_depth - 0.001, lambda: _head(img, sim, i, style)),
        *_limbs(img, sim, i, style, "far_"),
        *_limbs(img, sim, i, style, ""),
        *_barbell(img, sim, i, style),
    ]
    for _, draw in sorted(parts, key=lambda p: -p[0]):
        draw()
    return img
