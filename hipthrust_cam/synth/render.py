"""Draw synthetic hip-thrust sets as video: a clothed lifter on a bench with a loaded barbell.

Inputs: a `SetSpec` (or the `SyntheticSet` it simulates) and a `RenderStyle`. Outputs: BGR
frames, and with `render` an H.264 mp4 plus the ground-truth JSON. An adapter: uses OpenCV and
scikit-image's bundled public-domain NASA portrait (`skimage.data.astronaut()`) as the face, so
the pose model sees a real photographed face. Deterministic: same spec, same pixels and bytes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from hipthrust_cam.synth.camera import FLOOR_FRAC, U_CENTRE
from hipthrust_cam.synth.kinematics import SetSpec, SyntheticSet, simulate
from hipthrust_cam.synth.looks import LOOKS, Color, RenderStyle

__all__ = ["RenderError", "RenderStyle", "draw_frame", "frames", "render"]

log = logging.getLogger(__name__)


class RenderError(RuntimeError):
    """The video could not be written."""


LIMBS = (
    # (from joint, to joint, radius at from, radius at to (metres), clothing)
    ("shoulder", "elbow", 0.055, 0.045, "shirt"),
    ("elbow", "wrist", 0.042, 0.032, "skin"),
    ("hip", "knee", 0.085, 0.058, "tights"),
    ("knee", "ankle", 0.056, 0.036, "tights"),
)
"""Limb capsules; a new body part is a new row."""


def _shade(color: Color, k: float) -> Color:
    return tuple(int(np.clip(c * k, 0, 255)) for c in color)  # type: ignore[return-value]


def _pt(p: np.ndarray) -> tuple[int, int]:
    return round(float(p[0]) * 16), round(float(p[1]) * 16)


def _capsule(
    img: np.ndarray, p0: np.ndarray, p1: np.ndarray, r0: float, r1: float, color: Color
) -> None:
    """A tapered limb with round ends, anti-aliased (coordinates in float pixels)."""
    v = p1 - p0
    n = np.array([-v[1], v[0]]) / max(float(np.hypot(*v)), 1e-6)
    quad = np.array([p0 + r0 * n, p1 + r1 * n, p1 - r1 * n, p0 - r0 * n])
    cv2.fillPoly(img, [np.round(quad * 16).astype(np.int32)], color, cv2.LINE_AA, 4)
    for p, r in ((p0, r0), (p1, r1)):
        cv2.circle(img, _pt(p), round(r * 16), color, -1, cv2.LINE_AA, 4)


def _shaded_capsule(
    img: np.ndarray, p0: np.ndarray, p1: np.ndarray, r0: float, r1: float, color: Color
) -> None:
    """A capsule lit from above: dark outline, base colour, highlight toward the light."""
    _capsule(img, p0, p1, r0, r1, _shade(color, 0.7))
    up = np.array([0.0, -1.0])
    _capsule(img, p0 + 0.18 * r0 * up, p1 + 0.18 * r1 * up, 0.75 * r0, 0.75 * r1, color)
    _capsule(img, p0 + 0.45 * r0 * up, p1 + 0.45 * r1 * up, 0.3 * r0, 0.3 * r1, _shade(color, 1.25))


@lru_cache(maxsize=1)
def face_sprite() -> tuple[np.ndarray, np.ndarray]:
    """The astronaut's face and hair, cropped: (BGR uint8 (H, W, 3), alpha float32 (H, W))."""
    from skimage import data  # lazy: scikit-image is only needed to render

    face = cv2.cvtColor(data.astronaut()[8:196, 143:311], cv2.COLOR_RGB2BGR)
    h, w = face.shape[:2]
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(
        alpha, (w // 2 + 1, int(0.42 * h)), (int(0.45 * w), int(0.38 * h)), 0, 0, 360, 1.0, -1
    )
    cv2.ellipse(
        alpha, (w // 2 + 1, int(0.60 * h)), (int(0.27 * w), int(0.36 * h)), 0, 0, 360, 1.0, -1
    )
    return face, cv2.GaussianBlur(alpha, (0, 0), 2.0)


def _paste_head(
    img: np.ndarray, centre: np.ndarray, up: np.ndarray, height_px: float, mirror: bool
) -> None:
    """Blends the face sprite in, centred at `centre`, its top toward `up`, `height_px` tall."""
    face, alpha = face_sprite()
    if mirror:
        face, alpha = face[:, ::-1], alpha[:, ::-1]
    h, w = face.shape[:2]
    angle = float(np.degrees(np.arctan2(-up[0], -up[1])))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, height_px / h)
    m[:, 2] += centre - np.array([w / 2, h / 2])
    size = (img.shape[1], img.shape[0])
    warped = cv2.warpAffine(face, m, size, flags=cv2.INTER_LINEAR)
    a = cv2.warpAffine(alpha, m, size, flags=cv2.INTER_LINEAR)[..., None]
    img[:] = (img * (1 - a) + warped * a).astype(np.uint8)


def background(size: tuple[int, int], seed: int, style: RenderStyle, floor_px: float) -> np.ndarray:
    """Wall and floor with seeded texture (no people, no bench): (H, W, 3) uint8."""
    w, h = size
    rng = np.random.default_rng(seed + 17)
    ys = np.arange(h, dtype=np.float32)[:, None, None]
    wall = np.array(style.wall, np.float32) * (0.85 + 0.15 * ys / h)
    floor = np.array(style.floor, np.float32) * (0.8 + 0.3 * (ys - floor_px) / max(h - floor_px, 1))
    img = np.where(ys < floor_px, wall, floor) * np.ones((1, w, 1), np.float32)
    grain = cv2.GaussianBlur(rng.normal(0, 6, (h, w)).astype(np.float32), (0, 0), 1.2)
    img += grain[..., None]
    for x in range(0, w, max(w // 7, 1)):  # wall panels
        cv2.line(img, (x, 0), (x, int(floor_px)), _shade(style.wall, 0.9), 1, cv2.LINE_AA)
    cv2.line(img, (0, int(floor_px)), (w, int(floor_px)), (60, 60, 70), 2, cv2.LINE_AA)
    return np.clip(img, 0, 255).astype(np.uint8)


def _bench(
    img: np.ndarray,
    sim: SyntheticSet,
    i: int,
    style: RenderStyle,
    direction: float,
    origin: np.ndarray,
) -> None:
    """The bench, seen end-on: padded top whose edge is at u = 0, on a steel frame."""
    ppm = sim.px_per_m
    bench_h = float(sim.truth["spec"]["bench_height_m"])
    centre_u = sim.camera.centre_u if sim.camera is not None else U_CENTRE

    def px(u: float, y: float) -> np.ndarray:
        return (
            origin + np.array([direction * ppm * (u - centre_u), -ppm * y]) + sim.props["shake"][i]
        )

    for u in (-0.27, -0.05):
        _capsule(img, px(u, 0.02), px(u, bench_h - 0.08), 0.02 * ppm, 0.02 * ppm, style.bench_frame)
    _capsule(
        img,
        px(-0.30, 0.015),
        px(-0.02, 0.015),
        0.015 * ppm,
        0.015 * ppm,
        _shade(style.bench_frame, 0.8),
    )
    top = np.array(
        [px(-0.32, bench_h), px(0.0, bench_h), px(0.0, bench_h - 0.09), px(-0.32, bench_h - 0.09)]
    )
    cv2.fillPoly(img, [np.round(top * 16).astype(np.int32)], style.bench_pad, cv2.LINE_AA, 4)
    cv2.line(img, _pt(top[0]), _pt(top[1]), _shade(style.bench_pad, 2.5), 2, cv2.LINE_AA, 4)


def _torso(
    img: np.ndarray, sim: SyntheticSet, i: int, style: RenderStyle, pre: str, k: float
) -> None:
    """Torso from the analytic contours, pelvis and glutes, neck."""
    ppm = sim.px_per_m
    j = {name: sim.joints[pre + name][i] for name in ("shoulder", "hip", "ear")}
    back, front = sim.contours["back"][i], sim.contours["front"][i]
    shirt, tights = _shade(style.shirt, k), _shade(style.tights, k)
    _shaded_capsule(
        img,
        j["shoulder"],
        0.5 * (j["shoulder"] + j["ear"]),
        0.055 * ppm,
        0.05 * ppm,
        _shade(style.skin, k),
    )
    poly = np.concatenate([back, front[::-1]])
    axis = (j["hip"] - j["shoulder"]) / max(float(np.hypot(*(j["hip"] - j["shoulder"]))), 1e-6)
    cap = j["shoulder"] + 0.02 * ppm * axis
    cv2.circle(img, _pt(cap), int(style.shoulder_cap_m * ppm * 16), shirt, -1, cv2.LINE_AA, 4)
    cv2.fillPoly(img, [np.round(poly * 16).astype(np.int32)], shirt, cv2.LINE_AA, 4)
    light = np.concatenate([0.5 * (back + front), front[::-1]])
    cv2.fillPoly(
        img, [np.round(light * 16).astype(np.int32)], _shade(style.shirt, 1.2 * k), cv2.LINE_AA, 4
    )
    to_back = (back[-1] - front[-1]) / max(float(np.hypot(*(back[-1] - front[-1]))), 1e-6)
    glute = j["hip"] + 0.035 * ppm * to_back
    cv2.circle(img, _pt(glute), int(0.105 * ppm * 16), tights, -1, cv2.LINE_AA, 4)
    cv2.circle(
        img,
        _pt(j["hip"] - 0.02 * ppm * to_back),
        int(0.09 * ppm * 16),
        _shade(tights, 1.3),
        -1,
        cv2.LINE_AA,
        4,
    )


def _leg_and_arm(
    img: np.ndarray, sim: SyntheticSet, i: int, style: RenderStyle, pre: str, k: float
) -> None:
    ppm = sim.px_per_m
    for a, b, r0, r1, cloth in LIMBS:
        color = _shade(getattr(style, cloth), k)
        _shaded_capsule(
            img, sim.joints[pre + a][i], sim.joints[pre + b][i], r0 * ppm, r1 * ppm, color
        )
    heel, toe, ankle, knee, hip = (
        sim.joints[pre + n][i] for n in ("heel", "toe", "ankle", "knee", "hip")
    )
    out = 2 * knee - hip - ankle  # away from the inside of the bend
    out = out / max(float(np.hypot(*out)), 1e-6)
    patella = knee + style.patella_m * ppm * out
    cv2.circle(
        img, _pt(patella), int(0.045 * ppm * 16), _shade(style.tights, 1.1 * k), -1, cv2.LINE_AA, 4
    )
    _shoe(img, heel, toe, ppm, _shade(style.shoe, k), style.sole)
    cv2.circle(
        img,
        _pt(sim.joints[pre + "wrist"][i]),
        int(0.045 * ppm * 16),
        _shade(style.skin, k),
        -1,
        cv2.LINE_AA,
        4,
    )


SHOE = np.array(
    # outline in metres: (along heel->toe, up from the heel point)
    [[-0.006, -0.026], [-0.01, 0.0], [-0.006, 0.045], [0.02, 0.075], [0.085, 0.07], [0.15, 0.035],
     [0.215, 0.02], [0.232, 0.0], [0.225, -0.026]]
)  # fmt: skip
SHOE_SHIFT_M = 0.04
"""The pose model reads a drawn shoe's joints ~3 cm toward the heel; drawing it this much
toward the toes puts its reading on the true ankle, heel and toe."""


def _shoe(
    img: np.ndarray,
    heel: np.ndarray,
    toe: np.ndarray,
    ppm: float,
    color: Color,
    sole_color: Color = (225, 225, 230),
) -> None:
    """A trainer whose heel counter and collar wrap the heel and ankle."""
    along = (toe - heel) / max(float(np.hypot(*(toe - heel))), 1e-6)
    up = np.array([along[1], -along[0]])
    if up[1] > 0:
        up = -up
    heel = heel + SHOE_SHIFT_M * ppm * along
    pts = heel + ppm * (SHOE[:, :1] * along + SHOE[:, 1:] * up)
    cv2.fillPoly(img, [np.round(pts * 16).astype(np.int32)], color, cv2.LINE_AA, 4)
    sole = heel + ppm * (
        SHOE[[0, 1, -2, -1], :1] * along + np.array([[-0.026], [-0.008], [-0.008], [-0.026]]) * up
    )
    cv2.fillPoly(img, [np.round(sole * 16).astype(np.int32)], sole_color, cv2.LINE_AA, 4)


def _barbell(img: np.ndarray, sim: SyntheticSet, i: int, style: RenderStyle) -> None:
    """The loaded bar seen end-on: a bumper plate, its hub and the sleeve."""
    ppm = sim.px_per_m
    c = sim.props["bar"][i]
    r = style.plate_radius_m * ppm
    cv2.circle(img, _pt(c), int(r * 16), style.plate, -1, cv2.LINE_AA, 4)
    cv2.circle(
        img, _pt(c), int(r * 0.93 * 16), style.plate_rim, max(int(0.012 * ppm), 1), cv2.LINE_AA, 4
    )
    cv2.circle(img, _pt(c), int(0.05 * ppm * 16), (170, 170, 175), -1, cv2.LINE_AA, 4)
    cv2.circle(img, _pt(c), int(0.025 * ppm * 16), (90, 90, 95), -1, cv2.LINE_AA, 4)


def _foot_shadow(img: np.ndarray, sim: SyntheticSet, i: int, style: RenderStyle) -> None:
    """A soft contact shadow on the floor under the feet."""
    ppm = sim.px_per_m
    heel, toe = sim.joints["heel"][i], sim.joints["toe"][i]
    mid = 0.5 * (heel + toe) + np.array([0.0, 0.028 * ppm])
    axes = (round(0.16 * ppm * 16), round(0.014 * ppm * 16))
    cv2.ellipse(img, _pt(mid), axes, 0, 0, 360, _shade(style.floor, 0.45), -1, cv2.LINE_AA, 4)


def draw_frame(sim: SyntheticSet, i: int, bg: np.ndarray, style: RenderStyle) -> np.ndarray:
    """Frame `i` of a simulated set as BGR (H, W, 3) uint8; only reads the simulation."""
    if sim.camera is not None and sim.camera.yaw_deg != 0.0:
        from hipthrust_cam.synth import oblique  # the turned camera's drawing

        return oblique.draw_frame(sim, i, bg, style)
    img = bg.copy()
    direction = -1.0 if sim.truth["spec"]["side"] == "left" else 1.0
    origin = _origin(sim, img.shape)
    _bench(img, sim, i, style, direction, origin)
    if style.foot_shadow:
        _foot_shadow(img, sim, i, style)
    if style.far_shade > 0:
        _leg_and_arm(img, sim, i, style, "far_", style.far_shade)
    _torso(img, sim, i, style, "", 1.0)
    up = sim.joints["ear"][i] - sim.joints["shoulder"][i]
    up = up / max(float(np.hypot(*up)), 1e-6)
    head_h = 0.24 * sim.px_per_m
    ant = sim.joints["nose"][i] - sim.joints["ear"][i]
    centre = sim.joints["ear"][i] + style.face_shift[0] * ant + style.face_shift[1] * head_h * up
    cv2.circle(
        img,
        _pt(centre + 0.08 * head_h * up),
        int(0.42 * head_h * 16),
        style.hair,
        -1,
        cv2.LINE_AA,
        4,
    )
    _paste_head(img, centre, up, head_h, style.mirror_face)
    _leg_and_arm(img, sim, i, style, "", 1.0)
    _barbell(img, sim, i, style)
    return img


def _origin(sim: SyntheticSet, shape: tuple[int, ...]) -> np.ndarray:
    """Pixel (x, y) of the frame's centre floor point (u = centre_u on the floor), no shake."""
    if sim.camera is None:
        return np.array([shape[1] / 2, FLOOR_FRAC * shape[0]])
    return np.array([sim.camera.cx, sim.camera.floor_px])


def style_of(sim: SyntheticSet) -> RenderStyle:
    """The style a simulated set's spec asks for (`SetSpec.look`)."""
    return LOOKS[sim.truth["spec"].get("look", "studio")]


def frames(sim: SyntheticSet, style: RenderStyle | None = None) -> Iterator[np.ndarray]:
    """All frames of a simulated set, in order (style: the spec's look unless given)."""
    style = style or style_of(sim)
    spec = sim.truth["spec"]
    size = (spec["width"], spec["height"])
    floor_px = float(
        _origin(sim, (spec["height"], spec["width"]))[1]
    )  # a weak float: float32 maths
    if style.scene == "gym":
        from hipthrust_cam.synth import gym  # the cluttered background

        bg = gym.background(size, spec["seed"], style, floor_px)
    else:
        bg = background(size, spec["seed"], style, floor_px)
    for i in range(len(sim.t_s)):
        yield draw_frame(sim, i, bg, style)


def render(
    spec: SetSpec,
    path_mp4: str | Path,
    path_truth_json: str | Path,
    style: RenderStyle | None = None,
) -> SyntheticSet:
    """Render a set to an H.264 mp4 and write its ground truth.

    Args:
        spec: The set.
        path_mp4: Output video path.
        path_truth_json: Output truth path (JSON, 2-space indent).
        style: Look of the drawing; None takes `LOOKS[spec.look]`.

    Returns:
        The simulated set that was drawn.
    """
    import imageio_ffmpeg  # lazy: only rendering writes video

    sim = simulate(spec)
    style = style or style_of(sim)
    params = [
        *(
            "-crf",
            str(style.crf),
            "-preset",
            "medium",
            "-threads",
            "1",
            "-x264-params",
            "threads=1",
        ),
        *("-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact"),
        *("-movflags", "+faststart"),
    ]
    writer = imageio_ffmpeg.write_frames(
        str(path_mp4), (spec.width, spec.height), fps=spec.fps, codec="libx264", pix_fmt_in="bgr24",
        quality=None, macro_block_size=2, output_params=params,
    )  # fmt: skip
    writer.send(None)
    for img in frames(sim, style):
        writer.send(np.ascontiguousarray(img))
    writer.close()
    if not Path(path_mp4).is_file() or Path(path_mp4).stat().st_size == 0:
        raise RenderError(f"ffmpeg wrote no video to {path_mp4}")
    Path(path_truth_json).write_text(json.dumps(sim.truth, indent=2) + "\n")
    log.info("rendered %s (%d frames)", path_mp4, len(sim.t_s))
    return sim
