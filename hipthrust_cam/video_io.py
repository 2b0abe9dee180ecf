"""Writing the annotated video: H.264 in MP4 through the ffmpeg that imageio-ffmpeg ships.

Inputs: BGR uint8 frames of one size. Output: an MP4 that browsers play (H.264, yuv420p,
faststart). OpenCV's own writers cannot produce H.264, hence the ffmpeg subprocess, which also
runs the encoder beside the Python process (on the other core).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


class VideoWriteError(Exception):
    """The video cannot be written; the message is one line for the user."""


class H264Writer:
    """Encodes frames into an H.264 MP4, used as a context manager.

    Args:
        path: Output `.mp4` path; written to a temporary name and renamed when complete.
        size: (width, height) of the frames, pixels; odd sizes are padded by one pixel.
        fps: Frames per second of the output.
        crf: x264 quality (18 = visually lossless, 23 = default, 28 = small).
        preset: x264 speed preset.

    """

    def __init__(
        self,
        path: str | Path,
        size: tuple[int, int],
        fps: float,
        crf: int = 23,
        preset: str = "veryfast",
    ) -> None:
        self.path = Path(path)
        self._tmp = self.path.with_name(f".{self.path.stem}.partial.mp4")
        w, h = size
        self._size = (w + w % 2, h + h % 2)
        self._fps = float(fps)
        self._params = ["-crf", str(crf), "-preset", preset, "-movflags", "+faststart"]
        self._gen = None
        self.frames = 0

    def __enter__(self) -> H264Writer:
        import imageio_ffmpeg

        try:
            self._gen = imageio_ffmpeg.write_frames(
                str(self._tmp),
                self._size,
                fps=self._fps,
                codec="libx264",
                pix_fmt_in="bgr24",
                pix_fmt_out="yuv420p",
                quality=None,
                macro_block_size=2,
                output_params=self._params,
                ffmpeg_log_level="error",
            )
            self._gen.send(None)
        except (OSError, RuntimeError) as exc:
            raise VideoWriteError(f"cannot start the video encoder: {exc}") from exc
        return self

    def write(self, image: np.ndarray) -> None:
        """Appends one (H, W, 3) BGR frame."""
        if self._gen is None:
            raise VideoWriteError("H264Writer.write called outside its `with` block")
        h, w = image.shape[:2]
        if (w, h) != self._size:
            padded = np.zeros((self._size[1], self._size[0], 3), np.uint8)
            padded[:h, :w] = image[: self._size[1], : self._size[0]]
            image = padded
        try:
            self._gen.send(np.ascontiguousarray(image))
        except (OSError, RuntimeError, BrokenPipeError) as exc:
            raise VideoWriteError(f"{self.path}: writing the video failed ({exc})") from exc
        self.frames += 1

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if self._gen is None:
            return
        try:
            self._gen.close()
        except (OSError, RuntimeError) as exc:
            self._tmp.unlink(missing_ok=True)
            raise VideoWriteError(f"{self.path}: finishing the video failed ({exc})") from exc
        finally:
            self._gen = None
        if self.frames and self._tmp.exists():
            self._tmp.replace(self.path)
        else:
            self._tmp.unlink(missing_ok=True)
