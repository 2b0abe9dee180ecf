"""Camera-like variants of a real clip: how other phones, light and places would film it.

Used by `tests/test_camera_variants.py` and `tools/camera_variants.py` (every clip, every
variant). Each variant transforms the upright frames and is written near losslessly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

Transform = Callable[[np.ndarray], np.ndarray]

SKIP = {
    # The clip's point is that its legs leave the picture at the frame edge; a widened frame
    # moves that edge inside the picture, so "not in frame" no longer holds by construction.
    ("neg_inclinepushup_side_closeup_pexels.mp4", "small"),
}


def _tilt(degrees: float) -> Transform:
    def apply(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.15)
        border = cv2.BORDER_REFLECT
        return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=border)

    return apply


def _small(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    inner = cv2.resize(image, (round(w * 0.55), round(h * 0.55)), interpolation=cv2.INTER_AREA)
    canvas = np.empty_like(image)
    canvas[:] = image.reshape(-1, 3).mean(axis=0).astype(np.uint8)
    y0, x0 = (h - inner.shape[0]) // 2, (w - inner.shape[1]) // 2
    canvas[y0 : y0 + inner.shape[0], x0 : x0 + inner.shape[1]] = inner
    return canvas


_GAMMA = (255.0 * 0.8 * (np.arange(256) / 255.0) ** 1.8).astype(np.uint8)


def _dark(image: np.ndarray) -> np.ndarray:
    dim = cv2.LUT(image, _GAMMA).astype(np.int16)
    rng = np.random.default_rng(int(image[::31, ::31].sum()))  # the same noise on every run
    noise = rng.normal(0.0, 6.0, image.shape).astype(np.int16)
    return np.clip(dim + noise, 0, 255).astype(np.uint8)


def _lowres(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    scale = 320 / max(h, w)
    size = (round(w * scale) // 2 * 2, round(h * scale) // 2 * 2)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


VARIANTS: dict[str, tuple[Transform, float]] = {
    # name -> (frame transform, frame rate; 0 = the clip's own)
    "tilt+7": (_tilt(7.0), 0.0),
    "tilt-7": (_tilt(-7.0), 0.0),
    "small": (_small, 0.0),
    "dark": (_dark, 0.0),
    "lowres": (_lowres, 0.0),
    "fps24": (lambda image: image, 24.0),
    "compressed": (lambda image: image, 0.0),  # see CRF
}

CRF = {"compressed": 36}
"""x264 quality of a variant's file (default 12, near lossless); 36: a video sent through a
messaging app, blocky in the dark and where things move."""


def _frames(clip: Path, fps: float) -> Iterator[tuple[np.ndarray, float]]:
    """The clip's upright frames and its rate; with `fps`, only the frames picked at that rate."""
    from hipthrust_cam.media.sources import VideoFileSource

    with VideoFileSource(clip, max_long_side=1280, warn=False) as source:
        next_t = 0.0
        for frame in source:
            if fps <= 0 or frame.t_s + 1e-6 >= next_t:
                next_t += 1.0 / fps if fps > 0 else 0.0
                yield frame.image, source.info.fps


def make_variant(clip: Path, name: str, out: Path, mirror: bool = False) -> Path:
    """Writes the variant `name` of `clip` to `out` (H.264, near lossless unless `CRF` says).

    `mirror`: of the clip flipped left-right first (the other side toward the camera).
    """
    import imageio_ffmpeg

    transform, fps = VARIANTS[name]
    writer = None
    for image, clip_fps in _frames(clip, fps):
        shown = transform(cv2.flip(image, 1) if mirror else image)
        if writer is None:
            h, w = shown.shape[:2]
            params = ["-crf", str(CRF.get(name, 12)), "-preset", "veryfast"]
            writer = imageio_ffmpeg.write_frames(
                str(out), (w, h), fps=fps or clip_fps, codec="libx264", pix_fmt_in="rgb24",
                quality=None, macro_block_size=2, output_params=params, ffmpeg_log_level="error",
            )  # fmt: skip
            writer.send(None)
        writer.send(np.ascontiguousarray(shown[..., ::-1]))
    if writer is not None:
        writer.close()
    return out
