"""The overlay: skeleton, live angles, rep count, phase, one cue and setup messages.

Inputs: a BGR frame and the analyzer's `FrameResult` for it. Output: a new BGR image with the
overlay drawn. Drawing only reads the result; it never computes a metric. Sizes scale with the
frame height, so the rep count and the cue read from 3 m on a laptop screen; in a narrow
(portrait) frame the cue shrinks or wraps to the width and the setup messages go below the panel.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import cv2
import numpy as np

from hipthrust_cam.analysis.results import FrameResult
from hipthrust_cam.datatypes import SIDE_JOINTS, SKELETON_EDGES
from hipthrust_cam.report.tables import signed_text

FONT = cv2.FONT_HERSHEY_DUPLEX
BGR = tuple[int, int, int]

# Which skeleton joints each fault is about, to colour them when the fault is live.
FAULT_JOINTS: dict[str, tuple[str, ...]] = {
    "lumbar_hyperextension": ("shoulder", "hip"),
    "incomplete_lockout": ("hip",),
    "feet_too_far": ("knee", "ankle"),
    "feet_too_close": ("knee", "ankle"),
    "head_back": ("ear", "shoulder"),
    "heels_up": ("heel", "toe"),
    "bench_slide": ("shoulder",),
}

ANGLE_LABELS: tuple[tuple[str, str], ...] = (
    ("hip_extension_deg", "Hip"),
    ("knee_angle_deg", "Knee"),
    ("shin_angle_deg", "Shin"),
    ("torso_angle_deg", "Torso"),
)
ANGLE_AT_JOINT: dict[str, str] = {"hip_extension_deg": "hip", "knee_angle_deg": "knee"}


@dataclass(frozen=True)
class OverlayStyle:
    """Colours (BGR) and proportions of the overlay."""

    bone: BGR = (245, 245, 245)
    joint: BGR = (255, 170, 40)
    fault: BGR = (40, 90, 255)
    panel: BGR = (25, 25, 25)
    text: BGR = (255, 255, 255)
    muted: BGR = (190, 190, 190)
    cue_bg: BGR = (0, 140, 255)
    good_bg: BGR = (70, 170, 40)
    message_bg: BGR = (40, 40, 200)
    panel_alpha: float = 0.62


def _scale(image: np.ndarray) -> float:
    return max(image.shape[0], 360) / 720.0


def _blend_rect(
    image: np.ndarray, p0: tuple[int, int], p1: tuple[int, int], color: BGR, alpha: float
) -> None:
    x0, y0 = max(p0[0], 0), max(p0[1], 0)
    x1, y1 = min(p1[0], image.shape[1]), min(p1[1], image.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    solid = np.empty_like(roi)
    solid[:] = color
    cv2.addWeighted(roi, 1.0 - alpha, solid, alpha, 0.0, dst=roi)  # 8-bit SIMD, in place


def joint_points(result: FrameResult) -> dict[str, tuple[int, int]]:
    """The judged side's joints to draw, by name, in pixels.

    The joints the analyzer measures are drawn where it measured them (a planted foot where the
    model lost it, so the skeleton matches the angles shown); the arms, which nothing measures,
    where the model saw them clearly enough.
    """
    if result.side is None or not result.pose.detected:
        return {}
    points = {}
    for name, lm in SIDE_JOINTS[result.side].items():
        if name in result.joints:
            x, y = result.joints[name]
        elif result.pose.visibility[lm] >= 0.3:
            x, y = result.pose.xy[lm]
        else:
            continue
        if math.isfinite(x) and math.isfinite(y):
            points[name] = (round(float(x)), round(float(y)))
    return points


def draw_skeleton(image: np.ndarray, result: FrameResult, style: OverlayStyle) -> None:
    """Draws the locked side's skeleton, fault joints in the fault colour, angles at joints."""
    s = _scale(image)
    points = joint_points(result)
    bad = {j for code in result.active_faults for j in FAULT_JOINTS.get(code, ())}
    width = max(2, round(4 * s))
    for a, b in SKELETON_EDGES:
        if a in points and b in points:
            color = style.fault if a in bad and b in bad else style.bone
            cv2.line(image, points[a], points[b], (0, 0, 0), width + 3, cv2.LINE_AA)
            cv2.line(image, points[a], points[b], color, width, cv2.LINE_AA)
    for name, p in points.items():
        color = style.fault if name in bad else style.joint
        cv2.circle(image, p, max(3, round(7 * s)), (0, 0, 0), -1, cv2.LINE_AA)
        cv2.circle(image, p, max(2, round(5 * s)), color, -1, cv2.LINE_AA)
    for key, joint in ANGLE_AT_JOINT.items():
        value = result.angles.get(key, math.nan)
        if joint in points and math.isfinite(value):
            x, y = points[joint]
            _text_box(
                image,
                [f"{value:.0f}"],
                (x + round(10 * s), y - round(44 * s)),
                0.7 * s,
                style.text,
                style.panel,
                pad=round(5 * s),
            )


def draw_panel(image: np.ndarray, result: FrameResult, style: OverlayStyle) -> None:
    """Top-left panel: rep count, phase and the live angles (dash = not judged)."""
    s = _scale(image)
    x0, y0 = round(12 * s), round(12 * s)
    _blend_rect(
        image, (x0, y0), (x0 + round(250 * s), y0 + round(232 * s)), style.panel, style.panel_alpha
    )
    cv2.putText(
        image,
        "REPS",
        (x0 + round(14 * s), y0 + round(34 * s)),
        FONT,
        0.7 * s,
        style.muted,
        1,
        cv2.LINE_AA,
    )
    cv2.putText(
        image,
        str(result.rep_count),
        (x0 + round(14 * s), y0 + round(98 * s)),
        FONT,
        2.4 * s,
        style.text,
        max(2, round(3 * s)),
        cv2.LINE_AA,
    )
    cv2.putText(
        image,
        result.phase.upper(),
        (x0 + round(110 * s), y0 + round(34 * s)),
        FONT,
        0.6 * s,
        style.joint,
        1,
        cv2.LINE_AA,
    )
    y = y0 + round(134 * s)
    for key, label in ANGLE_LABELS:
        value = result.angles.get(key, math.nan)
        shown = f"{value:.0f}"
        if not math.isfinite(value):
            shown = "--"
        elif key in ("shin_angle_deg", "torso_angle_deg"):
            shown = signed_text(value)
        text = f"{label:<6}{shown} deg"
        cv2.putText(
            image, text, (x0 + round(14 * s), y), FONT, 0.62 * s, style.text, 1, cv2.LINE_AA
        )
        y += round(26 * s)


def fit_text(
    text: str, max_width: int, size: float, thickness: int, min_size: float
) -> tuple[list[str], float]:
    """Lines and font size that fit `text` into `max_width` px.

    The size shrinks from `size` towards `min_size`; a text still too wide at `min_size` is
    wrapped between words (a single word wider than the line stays whole).
    """
    while size > min_size and cv2.getTextSize(text, FONT, size, thickness)[0][0] > max_width:
        size = max(min_size, size * 0.9)
    if cv2.getTextSize(text, FONT, size, thickness)[0][0] <= max_width:
        return [text], size
    lines: list[str] = []
    for word in text.split():
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and cv2.getTextSize(joined, FONT, size, thickness)[0][0] <= max_width:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines, size


def _lines_size(lines: list[str], size: float, pad: int, thickness: int) -> tuple[int, int, int]:
    """(width, height, line height) of `lines` in one box with `pad` around them, px."""
    sizes = [cv2.getTextSize(t, FONT, size, thickness) for t in lines]
    line_h = max(th + base for (_, th), base in sizes)
    width = max(tw for (tw, _), _ in sizes) + 2 * pad
    height = len(lines) * line_h + (len(lines) - 1) * max(2, line_h // 4) + 2 * pad
    return width, height, line_h


def _text_box(
    image: np.ndarray,
    lines: list[str],
    org: tuple[int, int],
    size: float,
    color: BGR,
    bg: BGR,
    pad: int,
    thickness: int = 1,
) -> None:
    """Draws `lines` in one filled box with its top-left at `org`."""
    width, height, line_h = _lines_size(lines, size, pad, thickness)
    x, y = org
    cv2.rectangle(image, (x, y), (x + width, y + height), bg, -1, cv2.LINE_AA)
    for i, text in enumerate(lines):
        baseline = y + pad + i * (line_h + max(2, line_h // 4)) + line_h
        base = cv2.getTextSize(text, FONT, size, thickness)[1]
        cv2.putText(
            image, text, (x + pad, baseline - base), FONT, size, color, thickness, cv2.LINE_AA
        )


def _narrow(image: np.ndarray) -> bool:
    """A portrait-like frame: too little room right of the panel for the setup messages."""
    s = _scale(image)
    return image.shape[1] - round(280 * s) < round(200 * s)


_Box = tuple[list[str], float, tuple[int, int], int]  # lines, font size, top-left, padding


def _message_boxes(image: np.ndarray, messages: tuple[str, ...]) -> tuple[list[_Box], int]:
    """Where the setup messages go, and the y where they end.

    At the top right, or below the panel in a narrow frame (the live setup guide then goes
    below them).
    """
    s = _scale(image)
    w = image.shape[1]
    pad, margin = round(10 * s), round(12 * s)
    narrow = _narrow(image)
    y = round(12 * s) + (round(244 * s) if narrow else 0)
    left = margin if narrow else round(280 * s)
    boxes: list[_Box] = []
    for message in messages[:3]:
        lines, size = fit_text(message, w - left - margin - 2 * pad, 0.8 * s, 1, 0.55 * s)
        width, height, _ = _lines_size(lines, size, pad, 1)
        x = left if narrow else max(w - width - round(40 * s), left)
        boxes.append((lines, size, (x, y), pad))
        y += height + round(6 * s)
    return boxes, y


def draw_banner(image: np.ndarray, result: FrameResult, style: OverlayStyle) -> None:
    """Bottom-centre banner: the cue (or the good-rep sign), big; setup messages on top.

    The cue shrinks (and at last wraps) to fit the frame's width: a portrait phone video is
    narrow for its height, which sets the sizes.
    """
    s = _scale(image)
    h, w = image.shape[:2]
    banner = None
    if result.cue is not None:
        banner = (result.cue[1], style.cue_bg)
    elif result.good_rep:
        banner = ("Good rep", style.good_bg)
    if banner is not None:
        thick = max(2, round(3 * s))
        pad, margin = round(18 * s), round(12 * s)
        lines, size = fit_text(banner[0], w - 2 * (pad + margin), 1.6 * s, thick, 0.8 * s)
        width, height, _ = _lines_size(lines, size, pad, thick)
        x = max((w - width) // 2, 0)
        y = h - height - round(24 * s)
        _text_box(image, lines, (x, y), size, style.text, banner[1], pad, thickness=thick)
    for lines, size, org, pad in _message_boxes(image, result.messages)[0]:
        _text_box(image, lines, org, size, style.text, style.message_bg, pad)


def draw_status(image: np.ndarray, text: str, style: OverlayStyle) -> None:
    """Small status line at the bottom-left (e.g. processing rate, "PAUSED")."""
    s = _scale(image)
    _text_box(
        image,
        [text],
        (round(12 * s), image.shape[0] - round(40 * s)),
        0.55 * s,
        style.text,
        style.panel,
        pad=round(6 * s),
    )


def draw_setup_guide(
    image: np.ndarray,
    lines: tuple[str, ...],
    style: OverlayStyle,
    messages: tuple[str, ...] = (),
) -> None:
    """Setup guide panel below the rep panel (live mode, before the first rep); last line bold.

    In a narrow frame the setup `messages` sit below the panel too: the guide goes below them.
    """
    s = _scale(image)
    x0, y = round(12 * s), round(256 * s)
    if messages and _narrow(image):
        y = max(y, _message_boxes(image, messages)[1])
    size = 0.62 * s
    widths = [cv2.getTextSize(t, FONT, size, 1)[0][0] for t in ("SETUP", *lines)]
    step = round(30 * s)
    _blend_rect(
        image,
        (x0, y),
        (x0 + max(widths) + round(28 * s), y + step * (len(lines) + 1) + round(14 * s)),
        style.panel,
        style.panel_alpha,
    )
    y += step
    cv2.putText(image, "SETUP", (x0 + round(14 * s), y), FONT, size, style.joint, 1, cv2.LINE_AA)
    for i, text in enumerate(lines):
        y += step
        last = i == len(lines) - 1
        cv2.putText(
            image,
            text,
            (x0 + round(14 * s), y),
            FONT,
            size,
            style.text if last else style.muted,
            2 if last else 1,
            cv2.LINE_AA,
        )


def draw_big_message(image: np.ndarray, text: str, style: OverlayStyle) -> None:
    """One big word (e.g. "PAUSED") in the middle of the frame."""
    s = _scale(image)
    h, w = image.shape[:2]
    size, thick = 2.2 * s, max(2, round(4 * s))
    (tw, th), _ = cv2.getTextSize(text, FONT, size, thick)
    pad = round(24 * s)
    _text_box(
        image,
        [text],
        ((w - tw) // 2 - pad, (h - th) // 2 - pad),
        size,
        style.text,
        style.message_bg,
        pad=pad,
        thickness=thick,
    )


def scaled(result: FrameResult, scale: float) -> FrameResult:
    """`result` with its landmarks in the pixels of the frame resized by `scale` (to draw it)."""
    if scale == 1.0:
        return result
    pose = dataclasses.replace(result.pose, xy=result.pose.xy * np.float32(scale))
    joints = {name: (x * scale, y * scale) for name, (x, y) in result.joints.items()}
    return dataclasses.replace(result, pose=pose, joints=joints)


def draw(image: np.ndarray, result: FrameResult, style: OverlayStyle | None = None) -> np.ndarray:
    """Returns a copy of `image` with the whole overlay for `result` drawn on it."""
    style = style or OverlayStyle()
    out = image.copy()
    draw_skeleton(out, result, style)
    draw_panel(out, result, style)
    draw_banner(out, result, style)
    return out
