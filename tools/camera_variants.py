"""Every real clip as other cameras would film it: does the tool still report what MANIFEST says?

The real clips are few; the people who use the tool film with other phones, in other light, from
other places. This tool makes camera-like variants of each clip in ../shared/clips and runs the
product's `analyze` path on them (default config, no annotated video), then applies the same
checks as `tests/test_real_clips.py` (`tests/clip_expectations.py`). A variant that fails where
the clip passes is a fragility to understand, not a file to tune to.

Variants (applied to the upright frames):
  tilt+7, tilt-7  the phone not level: rotated 7 degrees, zoomed 1.15x so no corner is empty
  small           the lifter at 55% of the size, the frame widened with its own mean colour
  dark            a dim gym: gamma 1.8, 80% brightness, sensor noise (sigma 6)
  lowres          a small, soft video: long side 320 px
  fps24           24 frames a second (frames picked by time)

    python tools/camera_variants.py                   # every clip, every variant
    python tools/camera_variants.py --variant dark --clip ht_barbell_side_gym.mp4
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT.parent / "shared" / "clips"
sys.path.insert(0, str(ROOT / "tests"))

from clip_expectations import EXPECTED, problems  # noqa: E402

from hipthrust_cam.config import Config  # noqa: E402

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


_RNG = np.random.default_rng(7)
_GAMMA = (255.0 * 0.8 * (np.arange(256) / 255.0) ** 1.8).astype(np.uint8)


def _dark(image: np.ndarray) -> np.ndarray:
    dim = cv2.LUT(image, _GAMMA).astype(np.int16)
    noise = _RNG.normal(0.0, 6.0, image.shape).astype(np.int16)
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
}


def _frames(clip: Path, fps: float) -> Iterator[tuple[np.ndarray, float]]:
    """The clip's upright frames and its rate; with `fps`, only the frames picked at that rate."""
    from hipthrust_cam.media.sources import VideoFileSource

    with VideoFileSource(clip, max_long_side=1280, warn=False) as source:
        next_t = 0.0
        for frame in source:
            if fps <= 0 or frame.t_s + 1e-6 >= next_t:
                next_t += 1.0 / fps if fps > 0 else 0.0
                yield frame.image, source.info.fps


def make_variant(clip: Path, name: str, out: Path) -> Path:
    """Writes the variant `name` of `clip` to `out` (H.264, near lossless)."""
    import imageio_ffmpeg

    transform, fps = VARIANTS[name]
    writer = None
    for image, clip_fps in _frames(clip, fps):
        shown = transform(image)
        if writer is None:
            h, w = shown.shape[:2]
            params = ["-crf", "12", "-preset", "veryfast"]
            writer = imageio_ffmpeg.write_frames(
                str(out), (w, h), fps=fps or clip_fps, codec="libx264", pix_fmt_in="rgb24",
                quality=None, macro_block_size=2, output_params=params, ffmpeg_log_level="error",
            )  # fmt: skip
            writer.send(None)
        writer.send(np.ascontiguousarray(shown[..., ::-1]))
    if writer is not None:
        writer.close()
    return out


def run(clip: Path, name: str) -> tuple[list[str], str]:
    """The checks that fail on the variant, and a summary of what the tool reported."""
    from real_clips import summary

    from hipthrust_cam.app.runs import analyze_video

    with tempfile.TemporaryDirectory() as tmp:
        video = make_variant(clip, name, Path(tmp) / clip.name)
        result = analyze_video(video, Path(tmp) / "run", Config(), video_out=False)
    return problems(clip.name, result.report), summary(result.report)


def main(argv: list[str] | None = None) -> int:
    """Prints one line per clip and variant, then the count right; 0 when every one is right."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    ap.add_argument("--clip", action="append", help="a clip's file name (repeatable)")
    args = ap.parse_args(argv)
    if not CLIPS.is_dir():
        print(f"{CLIPS} is absent: nothing to measure", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT / "tools"))
    right = total = 0
    started = time.perf_counter()
    for clip in args.clip or sorted(EXPECTED):
        for name in args.variant or list(VARIANTS):
            if (clip, name) in SKIP:
                continue
            wrong, said = run(CLIPS / clip, name)
            total += 1
            right += not wrong
            mark = "ok" if not wrong else "WRONG: " + "; ".join(wrong)
            print(f"{clip:45s} {name:7s} {mark}  [{said}]", flush=True)
    minutes = (time.perf_counter() - started) / 60
    print(f"\n{right} of {total} variants report what MANIFEST says ({minutes:.1f} min).")
    return 0 if right == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
