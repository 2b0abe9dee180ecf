"""One run of the whole loop: frames -> pose -> analyzer -> overlay/video -> outputs.

Inputs: a frame source, a pose backend, an `Analyzer`, and where to write. Outputs: the run
folder (`keypoints.npz`, `annotated.mp4`, `report.json`, `reps.csv`, `timeline.csv`,
`report.html`, `thumbnails/`). The analyzer may hold results back for a few frames (the offline
smoother's lag); frames wait in a short queue until their result is final, so memory stays
bounded however long the video. Ctrl-C stops reading, and everything measured so far is written
and marked partial.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np

from hipthrust_cam.analysis.analyzer import Analyzer
from hipthrust_cam.analysis.results import FrameResult
from hipthrust_cam.datatypes import Frame, KeypointSeries, PoseFrame
from hipthrust_cam.media.overlay import OverlayStyle, draw, draw_skeleton, scaled
from hipthrust_cam.media.sources import resized
from hipthrust_cam.media.video import FrameSink
from hipthrust_cam.pose.keypoints import save_keypoints
from hipthrust_cam.pose.protocol import PoseBackend, poses
from hipthrust_cam.pose.rate import analysed
from hipthrust_cam.report.assemble import build_report, timeline_columns
from hipthrust_cam.report.files import write_run_reports

log = logging.getLogger(__name__)

THUMB_WIDTH = 360
_DONE = object()
T = TypeVar("T")


def prefetch(items: Iterable[T], depth: int) -> Iterator[T]:
    """Yields `items` while a background thread already produces the next `depth` ones.

    Decoding releases the GIL, so it overlaps with pose inference on the other core. An
    exception in the producer is re-raised in the consumer; stopping early stops the producer.
    """
    if depth <= 0:
        yield from items
        return
    buffer: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            buffer.put(exc)

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=2.0)


@dataclass
class RunRecorder:
    """Pairs frames with their final analyzer results and keeps what the outputs need.

    Args:
        writer: Where annotated frames go (an `H264Writer`), or None for no video.
        style: Overlay style.
        on_result: Called with (frame, result, annotated image or None) for each final frame.
        threaded: Draw and encode in a worker thread (overlapping pose inference); then
            `on_result` runs in that thread too, and `close()` must be called at the end.
        video_scale: The annotated frames are the analysed ones resized by this (<= 1).

    """

    writer: FrameSink | None = None
    style: OverlayStyle = field(default_factory=OverlayStyle)
    on_result: Callable[[Frame, FrameResult, np.ndarray | None], None] | None = None
    threaded: bool = False
    video_scale: float = 1.0
    poses: list[PoseFrame] = field(default_factory=list)
    frames_seen: int = 0  # frames drawn (or handed on), analysed or not
    thumbnails: dict[int, bytes] = field(default_factory=dict)
    _pending: deque[tuple[Frame, list[Frame]]] = field(default_factory=deque)
    _last: FrameResult | None = None
    _best: tuple[float, np.ndarray] | None = None
    _queue: queue.Queue[Any] | None = None
    _worker: threading.Thread | None = None
    _error: BaseException | None = None

    def add(self, frame: Frame, pose: PoseFrame, skipped: Iterable[Frame] = ()) -> None:
        """Remembers an analysed frame and its pose until the analyzer's result is final.

        `skipped`: the frames between the previous analysed frame and this one (a fast video
        analysed at a lower rate); they are drawn with this frame's result, so the annotated
        video keeps every input frame.
        """
        self._pending.append((frame, list(skipped)))
        self.poses.append(pose)

    def emit(self, results: Iterable[FrameResult]) -> None:
        """Draws, writes and keeps thumbnails for each final result, in frame order."""
        for result in results:
            frame, skipped = self._pending.popleft()
            for shown in (*skipped, frame):
                self._hand_on(shown, result)
            self._last = result

    def emit_trailing(self, frames: Iterable[Frame]) -> None:
        """Draws the frames after the last analysed one with the last result."""
        if self._last is not None:
            for frame in frames:
                self._hand_on(frame, self._last)

    def _hand_on(self, frame: Frame, result: FrameResult) -> None:
        self.frames_seen += 1
        if not self.threaded:
            self._output(frame, result)
            return
        if self._error is not None:
            raise self._error
        if self._worker is None:
            self._queue = queue.Queue(maxsize=8)
            self._worker = threading.Thread(target=self._work, name="overlay", daemon=True)
            self._worker.start()
        assert self._queue is not None
        self._queue.put((frame, result))

    def close(self) -> None:
        """Waits for the worker to draw and write every queued frame; re-raises its error."""
        if self._worker is not None and self._queue is not None:
            self._queue.put(_DONE)
            self._worker.join()
            self._worker = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _work(self) -> None:
        assert self._queue is not None
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._error is None:
                try:
                    self._output(*item)
                except Exception as exc:  # handed to the main thread by close()/emit()
                    self._error = exc

    def _output(self, frame: Frame, result: FrameResult) -> None:
        needs_image = self.writer is not None or self.on_result is not None
        image = None
        if needs_image:
            shown = resized(frame.image, self.video_scale)
            image = draw(shown, scaled(result, self.video_scale), self.style)
        if self.writer is not None and image is not None:
            self.writer.write(image)
        self._keep_thumbnail(frame, result)
        if self.on_result is not None:
            self.on_result(frame, result, image)

    def thumbnail_last_rep(self, rep_indices: list[int]) -> None:
        """Gives the last rep its lockout thumbnail when it was only finalised at the end."""
        missing = [i for i in rep_indices if int(i) not in self.thumbnails]
        if missing and self._best is not None:
            self.thumbnails[int(missing[-1])] = _jpeg(self._best[1])
            self._best = None

    def _keep_thumbnail(self, frame: Frame, result: FrameResult) -> None:
        hip = result.angles.get("hip_extension_deg", math.nan)
        better = self._best is None or hip > self._best[0]
        if result.phase == "lockout" and math.isfinite(hip) and better:
            # Skeleton only: the live panel's rep counter would read one rep behind here.
            shown = frame.image.copy()
            draw_skeleton(shown, result, self.style)
            self._best = (hip, shown)
        done = result.rep_completed
        if done is not None:
            if self._best is not None:
                self.thumbnails[int(done.measures.index)] = _jpeg(self._best[1])
            self._best = None


def _jpeg(image: np.ndarray) -> bytes:
    h, w = image.shape[:2]
    small = cv2.resize(
        image, (THUMB_WIDTH, max(1, round(h * THUMB_WIDTH / w))), interpolation=cv2.INTER_AREA
    )
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return buf.tobytes() if ok else b""


@dataclass(frozen=True)
class RunSummary:
    """What a run did, for the CLI to print."""

    out_dir: Path
    frames: int
    report: dict[str, Any]
    interrupted: bool
    files: tuple[Path, ...]


def run_frames(
    frames: Iterable[Frame],
    pose: PoseBackend,
    analyzer: Analyzer,
    recorder: RunRecorder,
    on_frame: Callable[[int], None] | None = None,
    prefetch_depth: int = 4,
    max_fps: float = 0.0,
) -> bool:
    """Runs frames through pose and analyzer into the recorder.

    Args:
        frames: The video's frames.
        pose: The pose backend.
        analyzer: The set's analyzer.
        recorder: Draws and keeps what the outputs need.
        on_frame: Called with each analysed frame's index (progress).
        prefetch_depth: Frames decoded ahead on a helper thread.
        max_fps: Most frames a second to analyse (`rate.analysed`); 0 = every frame. The
            others are still drawn, with the nearest analysed frame's result.

    Returns:
        True when Ctrl-C stopped the run early; what was read so far is still flushed.

    """
    interrupted = False
    skipped: list[Frame] = []
    leading: dict[int, list[Frame]] = {}

    def to_analyse() -> Iterator[Frame]:
        prev: float | None = None
        for frame in prefetch(frames, prefetch_depth):
            keep, prev = analysed(prev, frame.t_s, max_fps), frame.t_s
            if keep:
                leading[frame.index] = skipped.copy()
                skipped.clear()
                yield frame
            else:
                skipped.append(frame)

    try:
        for frame, pose_frame in poses(pose, to_analyse()):
            recorder.add(frame, pose_frame, leading.pop(frame.index, []))
            recorder.emit(analyzer.push(pose_frame))
            if on_frame is not None:
                on_frame(frame.index)
    except KeyboardInterrupt:
        interrupted = True
        log.warning("interrupted: writing what was measured so far")
    recorder.emit(analyzer.finish())
    recorder.emit_trailing(skipped)
    recorder.close()
    return interrupted


def write_outputs(
    out_dir: Path,
    analyzer: Analyzer,
    recorder: RunRecorder,
    series: KeypointSeries,
    source_meta: dict[str, Any],
    interrupted: bool,
    extra: dict[str, Any] | None = None,
) -> RunSummary:
    """Writes keypoints and the reports of a finished (or interrupted) run.

    `extra`: more top-level report blocks (live mode's "live").
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    recorder.thumbnail_last_rep([r.measures.index for r in analyzer.reps])
    files = [save_keypoints(series, out_dir / "keypoints.npz")]
    report = build_report(analyzer, source_meta, partial=interrupted, extra=extra)
    timeline = timeline_columns(analyzer)
    files += list(write_run_reports(out_dir, report, timeline, recorder.thumbnails))
    return RunSummary(out_dir, len(series), report, interrupted, tuple(files))
