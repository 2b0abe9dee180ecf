"""Writing the annotated video: H.264 in MP4 through the ffmpeg that imageio-ffmpeg ships.

Inputs: BGR uint8 frames of one size. Output: an MP4 that browsers play (H.264, yuv420p,
faststart). OpenCV's own writers cannot produce H.264, hence the ffmpeg subprocess, which also
runs the encoder beside the Python process (on the other core). `OptionalVideo` wraps a writer
whose failure (a full disk) must stop the video but never the run.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from hipthrust_cam.native import ctrl_c_held

log = logging.getLogger(__name__)


class VideoWriteError(Exception):
    """The video cannot be written; the message is one line for the user."""


QUICK_PRESETS = ("ultrafast", "superfast")
"""x264 presets that already search motion the quickest way (`quick_search` leaves them)."""


class H264Writer:
    """Encodes frames into an H.264 MP4, used as a context manager.

    Args:
        path: Output `.mp4` path; written to a temporary name and renamed when complete.
        size: (width, height) of the frames, pixels; odd sizes are padded by one pixel.
        fps: Frames per second of the output.
        crf: x264 quality (18 = visually lossless, 23 = default, 28 = small).
        preset: x264 speed preset.
        quick_search: With a preset from "veryfast" on, x264's diamond motion search and
            quickest sub-pixel refinement (`me=dia:subme=1`): about 30% less encoding CPU for a
            file about 5% larger (a camera that stands still leaves little motion to search).

    """

    def __init__(
        self,
        path: str | Path,
        size: tuple[int, int],
        fps: float,
        crf: int = 23,
        preset: str = "veryfast",
        quick_search: bool = True,
    ) -> None:
        self.path = Path(path)
        self._tmp = self.path.with_name(f".{self.path.stem}.partial.mp4")
        w, h = size
        self._size = (w + w % 2, h + h % 2)
        self._fps = float(fps)
        # One encoder thread: the run keeps every core busy already (pose, decoding, drawing),
        # and x264's own threads cost ~15% more CPU per frame for the same file.
        self._params = [
            "-crf", str(crf), "-preset", preset, "-threads", "1", "-movflags", "+faststart",
        ]  # fmt: skip
        if quick_search and preset not in QUICK_PRESETS:
            self._params += ["-x264-params", "me=dia:subme=1"]
        self._gen: Generator[None, np.ndarray | None, None] | None = None
        self._failed = False
        self.frames = 0

    def __enter__(self) -> H264Writer:
        import imageio_ffmpeg

        try:
            self._gen = imageio_ffmpeg.write_frames(
                str(self._tmp),
                self._size,
                fps=self._fps,
                codec="libx264",
                pix_fmt_in="yuv420p",  # converted here: ~1 ms less than ffmpeg's swscale
                pix_fmt_out="yuv420p",
                quality=None,
                macro_block_size=2,
                output_params=self._params,
                ffmpeg_log_level="quiet",  # its errors are ours to say, in one line
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
        frame = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_BGR2YUV_I420)
        try:
            with ctrl_c_held():  # Ctrl-C inside the writer would kill ffmpeg mid-file
                self._gen.send(frame)
        except (OSError, RuntimeError, StopIteration) as exc:  # StopIteration: encoder gone
            self._failed = True
            raise VideoWriteError(
                f"{self.path}: writing the video failed: {self._why(exc)}"
            ) from exc
        self.frames += 1

    def _why(self, exc: BaseException) -> str:
        """A short reason for the user: a full disk, or the encoder's first message line."""
        with contextlib.suppress(OSError):
            if shutil.disk_usage(self._tmp.parent).free < 1 << 20:
                return "the disk is full: free some space, or run with --no-video"
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        return f"the encoder stopped ({first[:120]}): check free disk space, or use --no-video"

    def __exit__(self, *exc: object) -> None:
        if self._gen is None:
            return
        if self._failed:  # already reported by write(); never leave half a video behind
            with contextlib.suppress(Exception):
                self._gen.close()
            self._gen = None
            self._tmp.unlink(missing_ok=True)
            return
        try:
            self._gen.close()
        except (OSError, RuntimeError) as exc:
            why = self._why(exc)
            self._tmp.unlink(missing_ok=True)
            raise VideoWriteError(f"{self.path}: finishing the video failed: {why}") from exc
        finally:
            self._gen = None
        if self.frames and self._tmp.exists():
            self._tmp.replace(self.path)
        else:
            self._tmp.unlink(missing_ok=True)


class FrameSink(Protocol):
    """Where drawn frames go: `write(image)` with (H, W, 3) uint8 BGR images."""

    def write(self, image: np.ndarray) -> None:
        """Appends one frame."""
        ...


class VideoWriter(FrameSink, Protocol):
    """A `FrameSink` used as a context manager that may raise `VideoWriteError` (`H264Writer`)."""

    def __enter__(self) -> VideoWriter: ...

    def __exit__(self, *exc: object) -> None: ...


class OptionalVideo:
    """A video the run can do without: an encoder failure stops the video, never the run.

    The first `VideoWriteError` (a full disk, a vanished encoder) closes the writer, which
    removes its half-written file, and is kept in `error`; later frames are ignored. The
    analysis goes on and its reports are written; the caller says what happened at the end.

    Args:
        writer: An `H264Writer` (not yet entered).
        on_failure: Told about the failure when it happens (e.g. a live warning), or None.
    """

    def __init__(
        self, writer: VideoWriter, on_failure: Callable[[VideoWriteError], None] | None = None
    ) -> None:
        self._writer: VideoWriter | None = writer
        self._on_failure = on_failure
        self.error: VideoWriteError | None = None

    def __enter__(self) -> OptionalVideo:
        self._guard(getattr(self._writer, "__enter__", None))
        return self

    def write(self, image: np.ndarray) -> None:
        """Appends one BGR frame (nothing once the encoder failed)."""
        self._guard(getattr(self._writer, "write", None), image)

    def __exit__(self, *exc: object) -> None:
        self._guard(getattr(self._writer, "__exit__", None), None, None, None)

    def _guard(self, action: Callable[..., object] | None, *args: object) -> None:
        if self._writer is None or action is None:
            return
        try:
            action(*args)
        except VideoWriteError as exc:
            self.error = exc
            writer, self._writer = self._writer, None
            with contextlib.suppress(VideoWriteError):
                writer.__exit__(None, None, None)
            if self._on_failure is not None:
                self._on_failure(exc)
