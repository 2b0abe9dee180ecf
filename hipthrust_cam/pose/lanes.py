"""A recorded video's poses on every core: consecutive stretches tracked side by side.

Inputs: a way to open the video and a way to make a pose backend, and a plan of lanes.
Outputs: one `PoseFrame` per frame, in order, as one tracker would give them except at the
seams.

The pose model is the run's whole cost and one landmarker uses one core. Cutting the video into
as many consecutive stretches as there are cores, each with its own tracker and decoder,
uses them all. Alternating frames between two trackers would be as fast, but every frame would
then come from a different tracker than its neighbours: two trackers of the same person differ
by ~2 px, so the skeleton would shimmer. With stretches, each tracker sees every frame of its
own stretch. It starts `warmup` frames early, and those poses are dropped, so its ROI and
smoothing have settled when its stretch begins. At each seam the joints step by about what two
trackers differ (~2 px), once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from hipthrust_cam.datatypes import Frame, PoseFrame
from hipthrust_cam.pose.protocol import StreamingPoseBackend

POLL_S = 0.1


class SeekableSource(Protocol):
    """A video opened once per lane (`media.sources.VideoFileSource`), used as a context manager."""

    def frames(self, start: int = 0, max_fps: float = 0.0) -> Iterator[Frame]:
        """The frames from index `start` on (with `max_fps`: those `rate.analysed` picks)."""
        ...

    def __enter__(self) -> SeekableSource: ...

    def __exit__(self, *exc: object) -> None: ...


@dataclass(frozen=True)
class Lane:
    """One stretch of the video and its tracker.

    Attributes:
        warm_from: First frame the tracker sees (its warm-up starts here).
        keep_from: First frame whose pose is kept.
        stop: First frame of the next lane (not read), or None for the end of the video.

    """

    warm_from: int
    keep_from: int
    stop: int | None


def plan_lanes(frame_count: int, lanes: int, warmup: int, min_frames: int) -> list[Lane]:
    """Cuts `frame_count` frames into up to `lanes` equal stretches of at least `min_frames`.

    Each stretch also needs more frames than its warm-up. One lane (the whole video) when that
    leaves one, or when the count is unknown (0). The last lane always runs to the end of the
    video, whatever the container claimed.
    """
    n = min(lanes, frame_count // max(min_frames, 1), frame_count // (warmup + 1))
    if n <= 1:
        return [Lane(0, 0, None)]
    bounds = [round(i * frame_count / n) for i in range(n)]
    return [
        Lane(max(0, b - warmup), b, bounds[i + 1] if i + 1 < n else None)
        for i, b in enumerate(bounds)
    ]


@dataclass
class _LaneRun:
    lane: Lane
    poses: dict[int, PoseFrame] = field(default_factory=dict)  # frame index -> pose
    latest: int = -1  # the last frame index the lane has reached
    done: bool = False  # its thread has ended
    error: BaseException | None = None


class LaneTracker:
    """Tracks every lane of a plan in its own thread while the caller takes the poses in order.

    A pose backend for `pipeline.run_frames`: `detect(frame)` waits until the lane covering
    `frame.index` has tracked it, so the overlay, the analyzer and the encoder run right behind
    the first lane while the others work ahead.

    Args:
        plan: From `plan_lanes`.
        open_source: Opens the video (a `VideoFileSource`: `frames(start)`); once per lane.
        make_pose: Makes a pose backend with `stream(frames)`; once per lane.
        max_fps: Each lane tracks the frames `rate.analysed` picks at this rate (0 = all);
            the warm-up makes every lane pick the same frames as one reader of the video.

    """

    def __init__(
        self,
        plan: list[Lane],
        open_source: Callable[[], SeekableSource],
        make_pose: Callable[[], StreamingPoseBackend],
        max_fps: float = 0.0,
    ) -> None:
        self._runs = [_LaneRun(lane) for lane in plan]
        self._open_source, self._make_pose = open_source, make_pose
        self._max_fps = max_fps
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> LaneTracker:
        for i, run in enumerate(self._runs):
            thread = threading.Thread(target=self._track, args=(run,), name=f"lane-{i}")
            thread.daemon = True
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        """Stops the lanes (each ends its current frame and closes its model) and waits."""
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def tracked(self) -> int:
        """Frames tracked so far over all lanes."""
        return sum(len(run.poses) for run in self._runs)

    def detect(self, frame: Frame) -> PoseFrame:
        """The pose of `frame.index`, once its lane has it; a lane's error is raised here."""
        run = next(r for r in reversed(self._runs) if r.lane.keep_from <= frame.index)
        with self._changed:
            while run.latest < frame.index and not run.done and self._failure() is None:
                self._changed.wait(POLL_S)
        failed = self._failure()
        if failed is not None:  # any lane's error ends the run at once, not when it is reached
            self._stop.set()
            raise failed
        # Missing: the lane's decoder ended first, or the lane did not analyse it (never seen).
        return run.poses.get(frame.index) or PoseFrame.empty(frame.t_s)

    def _failure(self) -> BaseException | None:
        return next((r.error for r in self._runs if r.error is not None), None)

    def _track(self, run: _LaneRun) -> None:
        lane = run.lane
        try:
            with self._open_source() as source, self._make_pose() as pose:
                frames = source.frames(lane.warm_from, self._max_fps)  # only the analysed
                for frame, pose_frame in pose.stream(_until(frames, lane.stop, self._stop)):
                    if frame.index >= lane.keep_from:
                        with self._changed:
                            run.poses[frame.index] = pose_frame
                            run.latest = frame.index
                            self._changed.notify_all()
        except BaseException as exc:  # handed to the caller by `detect`
            run.error = exc
        finally:
            with self._changed:
                run.done = True
                self._changed.notify_all()


def _until(
    frames: Iterable[Frame], stop_index: int | None, stop: threading.Event
) -> Iterator[Frame]:
    for frame in frames:
        if stop.is_set() or (stop_index is not None and frame.index >= stop_index):
            return
        yield frame
