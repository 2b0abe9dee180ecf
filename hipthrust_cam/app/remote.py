"""A live set whose frames arrive one at a time from elsewhere: the browser's camera.

Inputs: JPEG frames with the sender's timestamps, a run folder and a `Config`. Outputs: for each
frame the analyzer's `FrameResult` (what the page draws), and at the end the same run folder as
`hipthrust-cam live` (report, keypoints, `live.mp4` with the overlay). It drives the live loop
of `live` frame by frame: the same pose backend, live analyzer, recording and outputs. The
sender waits for each answer before sending the next frame, so no stale frame ever queues.
"""

from __future__ import annotations

import logging
import math
from contextlib import ExitStack
from pathlib import Path

import cv2
import numpy as np

from hipthrust_cam.analysis.analyzer import Analyzer
from hipthrust_cam.analysis.results import FrameResult
from hipthrust_cam.app.live import CLOCK, LiveAnalyzer, LiveLoop, recording_failed, write_live_run
from hipthrust_cam.app.pipeline import RunSummary
from hipthrust_cam.config import Config
from hipthrust_cam.datatypes import Frame, SourceInfo
from hipthrust_cam.media.window import NullDisplay
from hipthrust_cam.pose.rate import analysed_fps

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 8 * 1024 * 1024


class FrameError(ValueError):
    """A frame that is not a decodable JPEG image."""


class SteppedFeed:
    """The live loop's feed when frames are stepped in from outside (never read from)."""

    dropped = 0
    end_reason = "ended in the browser"

    def next(self) -> tuple[Frame, float] | None:
        """Nothing to read: frames arrive through `RemoteSet.process`."""
        return None

    def pause(self) -> None:
        """The browser pauses by not sending."""

    def resume(self) -> None:
        """See `pause`."""

    def __enter__(self) -> SteppedFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def decode_jpeg(data: bytes, size: tuple[int, int]) -> np.ndarray:
    """A JPEG as a BGR image of `size` (width, height); resized if the camera changed size.

    Raises:
        FrameError: Not a decodable image, or absurdly large.
    """
    if not data or len(data) > MAX_FRAME_BYTES:
        raise FrameError("empty or oversized frame")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise FrameError("not a JPEG image")
    if (image.shape[1], image.shape[0]) != size:
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image


class RemoteSet:
    """One live set fed frame by frame; a context manager that loads the pose model on entry.

    Args:
        config: The effective config.
        out_dir: The run folder to write at the end (created).
        size: Frame (width, height), px.
        fps: The camera's nominal frame rate.
        name: What the report calls the source.
    """

    def __init__(
        self,
        config: Config,
        out_dir: Path,
        size: tuple[int, int],
        fps: float,
        name: str = "browser camera",
    ) -> None:
        self.config, self.out_dir, self.size = config, out_dir, size
        self.fps = fps if math.isfinite(fps) and 1.0 <= fps <= 240.0 else 30.0
        self.info = SourceInfo(name, size[0], size[1], self.fps, 0, 1.0)
        self.rate = analysed_fps(self.fps, config.pose.max_fps)
        self._stack = ExitStack()
        self._loop: LiveLoop | None = None
        self._analyzer: LiveAnalyzer | None = None
        self._latest: FrameResult | None = None
        self._index = 0
        self._last_t = -math.inf

    def __enter__(self) -> RemoteSet:
        from hipthrust_cam.app.runs import pose_backend
        from hipthrust_cam.media.video import H264Writer, OptionalVideo

        try:
            pose = self._stack.enter_context(pose_backend(self.config))
            self.out_dir.mkdir(parents=True, exist_ok=True)
            encoder = H264Writer(
                self.out_dir / "live.mp4",
                self.size,
                self.fps,
                crf=self.config.video.crf,
                preset="ultrafast",
            )
            writer = self._stack.enter_context(OptionalVideo(encoder, recording_failed))
        except BaseException:
            self._stack.close()
            raise
        analyzer = Analyzer(self.config, self.size, offline=False, fps=self.rate)
        self._analyzer = LiveAnalyzer(analyzer)
        self._loop = LiveLoop(
            SteppedFeed(),
            pose,
            self._analyzer,
            NullDisplay(),
            CLOCK,
            writer=writer,
            fps=self.fps,
            on_shown=self._shown,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _shown(self, result: FrameResult) -> None:
        self._latest = result

    @property
    def frames(self) -> int:
        """Frames processed so far."""
        return self._index

    @property
    def processing_fps(self) -> float:
        """Frames processed a second (smoothed; NaN at first)."""
        return self._loop.processing_fps if self._loop is not None else math.nan

    def process(self, t_s: float, jpeg: bytes) -> FrameResult | None:
        """Runs one frame through pose and analyzer; its result (None while one is held back).

        Args:
            t_s: The sender's time of the frame, s (made strictly increasing here).
            jpeg: The frame, JPEG-encoded.

        Raises:
            FrameError: The frame cannot be decoded (the set goes on).
        """
        assert self._loop is not None, "use RemoteSet as a context manager"
        image = decode_jpeg(jpeg, self.size)
        if not math.isfinite(t_s) or t_s <= self._last_t:
            t_s = self._last_t + 1e-3 if math.isfinite(self._last_t) else 0.0
        self._last_t = t_s
        self._latest = None
        self._loop.step(Frame(self._index, float(t_s), image), CLOCK.now())
        self._index += 1
        return self._latest

    def finish(self, ended_by: str) -> RunSummary:
        """Ends the set and writes its run folder, like `hipthrust-cam live` does."""
        assert self._loop is not None and self._analyzer is not None
        self._loop.finish()
        self._loop.ended_by = ended_by
        self._stack.close()
        return write_live_run(self.out_dir, self._analyzer, self._loop, self.info, self.rate, False)
