"""Frame sources: a video file or a camera, yielding upright `Frame`s with source timestamps.

Inputs: a path or a camera index. Outputs: an iterator of `Frame(index, t_s, image)`, where
`t_s` comes from the container's presentation times (variable frame rates stay exact) and the
image is rotated upright as the file's rotation flag asks (OpenCV applies it), then shrunk so its
long side is at most `max_long_side` pixels (a 4K phone video is analysed at a bounded size).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from hipthrust_cam.datatypes import Frame, SourceInfo
from hipthrust_cam.pose.rate import analysed

log = logging.getLogger(__name__)

MAX_REASONABLE_FPS = 1000.0
MIN_REASONABLE_FPS = 1.0
DEFAULT_FPS = 30.0
SHORT_READ_FRAC = 0.9  # reading fewer than this fraction of the claimed frames = cut short

# File signatures of still images (an image opens as a one-frame "video" in FFmpeg).
_IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
    b"BM": "a BMP image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
}


class SourceError(Exception):
    """A source cannot be opened or read; the message is one line for the user."""


def _fps_is_sane(value: float) -> bool:
    return math.isfinite(value) and MIN_REASONABLE_FPS <= value <= MAX_REASONABLE_FPS


def _sane_fps(value: float) -> float:
    return float(value) if _fps_is_sane(value) else DEFAULT_FPS


def _image_kind(path: Path) -> str | None:
    """'a PNG image' etc. when the file starts like a still image, else None."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    return next((kind for magic, kind in _IMAGE_MAGIC.items() if head.startswith(magic)), None)


def _scale_for(width: int, height: int, max_long_side: int) -> float:
    long_side = max(width, height)
    if max_long_side <= 0 or long_side <= max_long_side:
        return 1.0
    return max_long_side / long_side


_AREA_BELOW = 0.5
"""Scales under this are averaged over each output pixel's area (a 4K frame to 1280: sharp, no
aliasing, ~4 ms); milder ones are interpolated (1280 to 960: ~0.9 ms, visually the same)."""


def resized(image: np.ndarray, scale: float) -> np.ndarray:
    """`image` resized by `scale` (the same image when 1)."""
    if scale == 1.0:
        return image
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < _AREA_BELOW else cv2.INTER_LINEAR
    return cv2.resize(image, size, interpolation=interpolation)


class _CaptureSource:
    """Shared reading loop over an opened `cv2.VideoCapture`."""

    def __init__(
        self, cap: cv2.VideoCapture, name: str, max_long_side: int, warn: bool = True
    ) -> None:
        self._cap = cap
        self._warn = warn
        ok, first = cap.read()
        if not ok or first is None or first.ndim != 3:
            cap.release()
            raise SourceError(
                f"{name}: no video frames could be read (empty or damaged "
                "video): check it plays, or record/export it again"
            )
        self._first = first
        h, w = first.shape[:2]
        self._scale = _scale_for(w, h, max_long_side)
        raw_fps = cap.get(cv2.CAP_PROP_FPS)
        fps = _sane_fps(raw_fps)
        # With absurd metadata the container's times are not trusted either (see _timestamp).
        self._trust_times = _fps_is_sane(raw_fps)
        if not self._trust_times and warn:
            log.warning(
                "%s: frame rate %.4g in the file is not plausible; using %g fps", name, raw_fps, fps
            )
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        frames = int(count) if math.isfinite(count) and 0 < count < 1e8 else 0
        sw, sh = resized(first, self._scale).shape[1::-1]
        self.info = SourceInfo(name, int(sw), int(sh), fps, frames, self._scale)

    def _timestamp(self, index: int, last_t: float) -> float:
        raise NotImplementedError

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def frames(self, start: int = 0, max_fps: float = 0.0) -> Iterator[Frame]:
        """The frames from index `start` on (a source is read once).

        Earlier frames are decoded but never converted or resized: about half the cost. With
        `max_fps` > 0 only the frames `rate.analysed` picks at that rate are yielded, and the
        others are skipped the same way (a lane's tracker needs every other frame of a 60 fps
        video; the indices stay those of the video).
        """
        last_t = -math.inf
        prev: float | None = None
        index = 0
        image: np.ndarray | None = self._first
        while image is not None:
            t_s = self._timestamp(index, last_t)
            last_t = t_s
            wanted = index >= start and analysed(prev, t_s, max_fps)
            if wanted:
                if image is self._first and index > 0:  # skipped undecoded: convert it now
                    image = self._retrieve()
                if image is None:
                    break
                yield Frame(index, t_s, resized(image, self._scale))
            prev = t_s
            index += 1
            image = self._skip() if index < start or max_fps > 0 else self._read()
        short = self.info.frame_count and index < SHORT_READ_FRAC * self.info.frame_count
        if short and self._warn:
            log.warning(
                "%s: the video ended after %d of the %d frames it claims (damaged or cut "
                "short?); analysed what could be read",
                self.info.name,
                index,
                self.info.frame_count,
            )

    def _skip(self) -> np.ndarray | None:
        """Moves past one frame unconverted; a stand-in image, or None at the end."""
        return self._first if self._cap.grab() else None

    def _retrieve(self) -> np.ndarray | None:
        """Converts the frame the last `_skip` moved to."""
        ok, image = self._cap.retrieve()
        return image if ok and image is not None and image.ndim == 3 else None

    def _read(self) -> np.ndarray | None:
        ok, image = self._cap.read()
        return image if ok and image is not None and image.ndim == 3 else None

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> _CaptureSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class VideoFileSource(_CaptureSource):
    """Frames of a video file, upright, timed by the container's presentation timestamps."""

    def __init__(self, path: str | Path, max_long_side: int = 1280, warn: bool = True) -> None:
        """`warn=False`: no warnings about the file (for extra readers of the same file)."""
        path = Path(path)
        if not path.exists():
            raise SourceError(f"{path}: no such file")
        if path.is_dir():
            raise SourceError(f"{path}: is a folder, not a video file")
        if path.stat().st_size == 0:
            raise SourceError(f"{path}: the file is empty (0 bytes): record or copy it again")
        kind = _image_kind(path)
        if kind is not None:
            raise SourceError(f"{path}: is {kind}, not a video: give a recorded video file")
        # One decoding thread: the readers of a run (lanes, the feed) run side by side with the
        # pose model on every core, and FFmpeg's frame threads cost ~25% more CPU per frame.
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
        if not cap.isOpened():
            cap.release()
            raise SourceError(
                f"{path}: cannot be read as a video (not a video file, or damaged or only "
                "partly downloaded): check it plays, or export/download it again"
            )
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
        super().__init__(cap, str(path), max_long_side, warn)

    def _timestamp(self, index: int, last_t: float) -> float:
        t_s = self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0 if self._trust_times else math.nan
        if not math.isfinite(t_s) or t_s <= last_t:
            # Some containers report no or repeated times: fall back to the nominal rate,
            # but never go backwards (MediaPipe needs strictly increasing times).
            nominal = index / self.info.fps
            t_s = nominal if nominal > last_t else last_t + 1.0 / self.info.fps
        return t_s


class CameraSource(_CaptureSource):
    """Frames of a live camera, timed by a monotonic clock from the first frame.

    Raises `SourceError` at once when the camera cannot be opened, and stops iterating when the
    camera returns no frame for `stall_s` seconds (unplugged).
    """

    def __init__(
        self,
        index: int = 0,
        max_long_side: int = 1280,
        stall_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        cap = cv2.VideoCapture(index)
        if not cap.isOpened():
            cap.release()
            raise SourceError(
                f"camera {index} could not be opened: check it is plugged in and not used by "
                f"another program, try --camera {index + 1}, or analyse a file with --source VIDEO"
            )
        self._clock = clock
        self._t0 = clock()
        self._stall_s = stall_s
        self.stalled = False
        super().__init__(cap, f"camera:{index}", max_long_side)

    def _timestamp(self, index: int, last_t: float) -> float:
        t_s = self._clock() - self._t0
        return t_s if t_s > last_t else last_t + 1e-3

    def _read(self) -> np.ndarray | None:
        started = self._clock()
        while self._clock() - started < self._stall_s:
            image = super()._read()
            if image is not None:
                return image
            time.sleep(0.01)
        self.stalled = True
        log.warning("camera returned no frames for %.1f s", self._stall_s)
        return None
