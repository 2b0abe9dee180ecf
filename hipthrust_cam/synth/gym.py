"""A cluttered gym behind the lifter: racks, machines, plates, mirrors, posters, a rubber floor.

Inputs: the frame size, a seed, a `RenderStyle` (wall and floor colours) and the floor line's
image y. Outputs: one static BGR background image (H, W, 3) uint8, the same for the same
inputs. An adapter: draws with OpenCV. No people: other lifters are a different problem.
"""

from __future__ import annotations

import cv2
import numpy as np

from hipthrust_cam.synth.looks import Color, RenderStyle

STEEL: Color = (52, 50, 50)
"""Rack and machine frames."""
WALL_SETBACK = 0.08
"""How far above the lifter's floor line the far wall meets the floor, frame heights: a low
camera sees the floor stretch behind the lifter, so the feet and shins stand on it."""
ACCENTS: tuple[Color, ...] = ((40, 40, 170), (30, 120, 200), (150, 90, 40), (60, 140, 60))
"""Poster, pad and sign colours (BGR: red, orange, blue, green)."""


def background(size: tuple[int, int], seed: int, style: RenderStyle, floor_px: float) -> np.ndarray:
    """The gym, deterministic per seed.

    Args:
        size: (width, height) pixels.
        seed: Seed of every random placement.
        style: Wall and floor colours.
        floor_px: Image y of the lifter's floor line (the far wall's base is drawn higher).

    Returns:
        (H, W, 3) uint8 BGR.

    """
    w, h = size
    rng = np.random.default_rng(seed + 4242)
    floor_px = max(floor_px - WALL_SETBACK * h, 0.25 * h)  # the far wall stands behind
    unit = style.clutter_scale * floor_px  # sizes scale with the wall's height in pixels
    img = _room(w, h, floor_px, style, rng)
    _ceiling_lights(img, floor_px, unit, rng)
    for _ in range(int(rng.integers(2, 4))):
        _poster(img, floor_px, unit, rng)
    for _ in range(int(rng.integers(1, 3))):
        _machine(img, floor_px, unit, rng)
    _rack(img, floor_px, unit, rng)
    _plate_tree(img, floor_px, unit, rng)
    _dumbbells(img, floor_px, unit, rng)
    _floor_clutter(img, floor_px, unit, rng)
    grain = cv2.GaussianBlur(rng.normal(0, 5, (h, w)).astype(np.float32), (0, 0), 1.0)
    return np.clip(img.astype(np.float32) + grain[..., None], 0, 255).astype(np.uint8)


def _room(
    w: int, h: int, floor_px: float, style: RenderStyle, rng: np.random.Generator
) -> np.ndarray:
    """Wall (lighter toward the top), mirror panels, and a speckled dark rubber floor."""
    ys = np.arange(h, dtype=np.float32)[:, None, None]
    wall = np.array(style.wall, np.float32) * (0.95 + 0.08 * (1 - ys / max(floor_px, 1)))
    depth = np.clip((ys - floor_px) / max(h - floor_px, 1), 0, 1)
    floor = np.array(style.floor, np.float32) * (1.15 - 0.3 * depth)
    img = np.where(ys < floor_px, wall, floor) * np.ones((1, w, 1), np.float32)
    top = int(0.45 * floor_px)
    for x0 in range(int(rng.integers(0, w // 6)), w, max(w // 3, 1)):  # mirror panels
        x1 = x0 + int(0.27 * w)
        img[top : int(floor_px) - 4, x0:x1] *= np.float32(0.88)
        cv2.line(img, (x0 + 10, int(floor_px) - 10), (x0 + 40, top + 10), (215, 215, 215), 2)
    n = int(w * max(h - floor_px, 0) / 60)
    xs, yy = rng.uniform(0, w, n), rng.uniform(floor_px + 2, h, n)
    for x, y, k in zip(xs, yy, rng.integers(0, 3, n), strict=True):
        colour = ((120, 120, 125), (160, 130, 60), (70, 150, 170))[int(k)]
        cv2.circle(img, (int(x), int(y)), 1, colour, -1)
    cv2.line(img, (0, int(floor_px)), (w, int(floor_px)), (70, 70, 75), 2, cv2.LINE_AA)
    return img


def _ceiling_lights(
    img: np.ndarray, floor_px: float, unit: float, rng: np.random.Generator
) -> None:
    """A darker ceiling band with rows of bright strip lights."""
    w = img.shape[1]
    band = int(0.22 * floor_px)
    img[:band] *= np.float32(0.8)
    for row in range(3):
        y = int(band * (0.25 + 0.25 * row))
        length = int(0.05 * unit * (1 + row * 0.4))
        for x in range(int(rng.integers(0, length * 2)), w, length * 3):
            cv2.rectangle(img, (x, y), (x + length, y + max(int(0.008 * unit), 2)), (250,) * 3, -1)


def _poster(img: np.ndarray, floor_px: float, unit: float, rng: np.random.Generator) -> None:
    """A coloured sign with text-like blocks on the wall."""
    w = img.shape[1]
    pw, ph = int(rng.uniform(0.12, 0.3) * unit), int(rng.uniform(0.08, 0.16) * unit)
    x, y = int(rng.uniform(0, w - pw)), int(rng.uniform(0.3, 0.6) * floor_px)
    colour = ACCENTS[int(rng.integers(len(ACCENTS)))]
    cv2.rectangle(img, (x, y), (x + pw, y + ph), colour, -1)
    for k in range(3):
        bx = x + int(0.1 * pw)
        by = y + int((0.2 + 0.25 * k) * ph)
        cv2.rectangle(img, (bx, by), (bx + int(rng.uniform(0.3, 0.8) * pw), by + 3), (235,) * 3, -1)


def _machine(img: np.ndarray, floor_px: float, unit: float, rng: np.random.Generator) -> None:
    """A weight machine: a steel frame with a seat and a back pad."""
    w = img.shape[1]
    fw, fh = int(rng.uniform(0.2, 0.35) * unit), int(rng.uniform(0.35, 0.55) * unit)
    x0, y1 = int(rng.uniform(0, w - fw)), int(floor_px)
    thick = max(int(0.018 * unit), 2)
    for x in (x0, x0 + fw):
        cv2.line(img, (x, y1), (x, y1 - fh), STEEL, thick)
    cv2.line(img, (x0, y1 - fh), (x0 + fw, y1 - fh), STEEL, thick)
    pad = (30, 30, 34)
    seat_y = y1 - int(0.22 * unit)
    cv2.rectangle(img, (x0 + fw // 4, seat_y), (x0 + 3 * fw // 4, seat_y + thick * 2), pad, -1)
    cv2.rectangle(
        img, (x0 + fw // 4, seat_y - int(0.2 * unit)), (x0 + fw // 4 + thick * 3, seat_y), pad, -1
    )


def _rack(img: np.ndarray, floor_px: float, unit: float, rng: np.random.Generator) -> None:
    """A power rack: uprights with holes, a top bar, J-hooks and a loaded bar on them."""
    w = img.shape[1]
    rw = int(rng.uniform(0.3, 0.45) * unit)
    x0, y1, top = int(rng.uniform(0, max(w - rw, 1))), int(floor_px), int(0.08 * floor_px)
    thick = max(int(0.03 * unit), 3)
    for x in (x0, x0 + rw):
        cv2.rectangle(img, (x - thick // 2, top), (x + thick // 2, y1), STEEL, -1)
        for y in range(top + thick, y1, max(int(0.03 * unit), 4)):
            cv2.circle(img, (x, y), max(thick // 6, 1), (150, 150, 150), -1)
    cv2.rectangle(img, (x0, top), (x0 + rw, top + thick), STEEL, -1)
    hook_y = int(y1 - 0.55 * unit)
    cv2.line(img, (x0 - rw // 4, hook_y), (x0 + rw + rw // 4, hook_y), (170, 170, 175), 3)
    r = int(0.1 * unit)
    for x in (x0 - rw // 4, x0 + rw + rw // 4):
        cv2.circle(img, (x, hook_y), r, (35, 35, 38), -1)
        cv2.circle(img, (x, hook_y), int(0.9 * r), (75, 75, 80), 2)
        cv2.circle(img, (x, hook_y), max(r // 5, 2), (170, 170, 175), -1)


def _plate_tree(img: np.ndarray, floor_px: float, unit: float, rng: np.random.Generator) -> None:
    """A post with plates of several sizes hung on pegs."""
    w = img.shape[1]
    x, y1 = int(rng.uniform(0.05, 0.95) * w), int(floor_px)
    cv2.line(img, (x, y1), (x, y1 - int(0.5 * unit)), STEEL, max(int(0.02 * unit), 2))
    for k, frac in enumerate((0.12, 0.26, 0.4)):
        r = int((0.13 - 0.025 * k) * unit)
        cx = x + (r if k % 2 else -r)
        cy = y1 - int(frac * unit)
        cv2.circle(img, (cx, cy), r, (30 + 10 * k, 30, 32), -1)
        cv2.circle(img, (cx, cy), max(r // 4, 2), (120, 120, 125), -1)


def _dumbbells(img: np.ndarray, floor_px: float, unit: float, rng: np.random.Generator) -> None:
    """A two-shelf dumbbell rack against the wall."""
    w = img.shape[1]
    rw = int(rng.uniform(0.5, 0.8) * unit)
    x0, y1 = int(rng.uniform(0, max(w - rw, 1))), int(floor_px)
    for shelf, height in enumerate((0.12, 0.27)):
        y = y1 - int(height * unit)
        cv2.line(img, (x0, y + 8), (x0 + rw, y + 8), STEEL, 4)
        r = max(int((0.035 + 0.008 * shelf) * unit), 3)
        for x in range(x0 + r, x0 + rw - r, 3 * r):
            cv2.circle(img, (x, y), r, (28, 28, 30), -1)
            cv2.circle(img, (x + r, y), r, (40, 40, 44), -1)


def _floor_clutter(img: np.ndarray, floor_px: float, unit: float, rng: np.random.Generator) -> None:
    """A plate and a kettlebell lying on the floor, and a dark floor mat seam."""
    h, w = img.shape[:2]
    y = int(floor_px + 0.35 * (h - floor_px))
    cv2.line(img, (0, y), (w, y + int(0.02 * unit)), (40, 40, 44), 2, cv2.LINE_AA)
    x = int(rng.uniform(0.0, 0.15) * w)
    cv2.ellipse(
        img, (x, int(floor_px) + 6), (int(0.12 * unit), int(0.03 * unit)), 0, 0, 360, (30,) * 3, -1
    )
    kx = int(rng.uniform(0.85, 1.0) * w)
    r = int(0.06 * unit)
    cv2.circle(img, (kx, int(floor_px) - r + 4), r, (38, 38, 40), -1)
    cv2.ellipse(img, (kx, int(floor_px) - 2 * r), (r // 2, r // 2), 0, 180, 360, (38, 38, 40), 3)
