"""The MediaPipe pose backend: frames in, `PoseFrame`s out. The only module importing mediapipe.

Inputs: upright BGR `Frame`s with increasing times. Outputs: one `PoseFrame` per frame with the
33 BlazePose landmarks in pixels, their visibility and presence, world coordinates, the number of
people in frame (see `people`) and the torso silhouette profiles of the lifter's segmentation
mask (see `analysis.silhouette`). `MediaPipePose` tracks the lifter (VIDEO mode);
`PeopleCounter` counts everyone in a frame (IMAGE mode).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from hipthrust_cam.analysis.silhouette import silhouette_profiles
from hipthrust_cam.datatypes import NUM_LANDMARKS, Frame, Landmark, PoseFrame
from hipthrust_cam.native import native_stderr_quiet
from hipthrust_cam.pose.people import PeopleCountSchedule
from hipthrust_cam.pose.protocol import Guard, PoseError
from hipthrust_cam.pose.zoom import TILE_FRACTION, Zoom, person_box, tiles

log = logging.getLogger(__name__)

MODELS = ("lite", "full", "heavy")
"""The BlazePose landmark models `models/` builds: `models/pose_landmarker_<name>.task`."""
DEFAULT_MODEL = "full"


def model_path(model: str | Path | None = None) -> Path:
    """The `.task` file of a model name ("lite", "full", "heavy"; None = the default) or path.

    Named models sit in `models/` beside the package (an editable or source install).
    """
    name = str(model) if model else DEFAULT_MODEL
    if name in MODELS:
        return Path(__file__).resolve().parents[2] / "models" / f"pose_landmarker_{name}.task"
    return Path(name)


def default_model_path() -> Path:
    """The default model's `.task` file."""
    return model_path(None)


def _landmark_box_area(xy: np.ndarray) -> float:
    """The area of the box around a person's landmarks, px² (the biggest person is the lifter)."""
    finite = xy[np.isfinite(xy).all(axis=1)]
    if len(finite) == 0:
        return 0.0
    span = finite.max(axis=0) - finite.min(axis=0)
    return float(span[0] * span[1])


def _require_model(path: Path) -> None:
    if not path.is_file():
        raise PoseError(
            f"pose model not found at {path}: build it with `bash models/build_models.sh` "
            "(see models/README.md), or pass --model lite|full|heavy|PATH"
        )


def _create(path: Path, mode: Any, options: dict[str, Any]) -> Any:
    """A PoseLandmarker on the `.task` at `path`; a model that will not load is a `PoseError`."""
    from mediapipe.tasks.python import BaseOptions, vision

    settings = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(path)), running_mode=mode, **options
    )
    try:
        with native_stderr_quiet():
            return vision.PoseLandmarker.create_from_options(settings)
    except (RuntimeError, ValueError) as exc:
        raise PoseError(f"pose model {path} could not be loaded: {exc}") from exc


class PeopleCounter:
    """Finds the people in an image (an IMAGE-mode landmarker looking for `num_poses`).

    It counts them (the "several people" check) and locates them (the search for a lifter too
    small in the frame for the tracker, see `zoom`). Thread-safe, so the trackers of several
    lanes can share one (each landmarker holds ~100 MB). The model loads on first use, quietly,
    so with counting on it loads on a helper thread beside the trackers' own loading.
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        num_poses: int = 2,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
    ) -> None:
        self.model_path = model_path(model)
        self._options = {
            "num_poses": num_poses,
            "min_pose_detection_confidence": min_detection_confidence,
            "min_pose_presence_confidence": min_presence_confidence,
            "output_segmentation_masks": False,
        }
        self._landmarker: Any = None
        self._open = False
        self._lock = threading.Lock()

    def __enter__(self) -> PeopleCounter:
        _require_model(self.model_path)
        self._open = True
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._open = False
            if self._landmarker is not None:
                self._landmarker.close()
                self._landmarker = None

    def _people(self, rgb: np.ndarray) -> list[Any]:
        """The landmarker's people in an RGB image (loading the model quietly the first time)."""
        import mediapipe as mp

        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        with self._lock:
            if not self._open:
                raise PoseError("PeopleCounter used outside its `with` block")
            if self._landmarker is None:
                from mediapipe.tasks.python import vision

                with native_stderr_quiet():  # the model load and its first inference chatter
                    self._landmarker = _create(
                        self.model_path, vision.RunningMode.IMAGE, self._options
                    )
                    return list(self._landmarker.detect(image).pose_landmarks or [])
            return list(self._landmarker.detect(image).pose_landmarks or [])

    def count(self, rgb: np.ndarray, first: bool = False) -> int:
        """How many people the landmarker finds in an RGB image.

        `first` is the schedule's flag for the first count; the model loads quietly whenever
        it loads, so it changes nothing.
        """
        return len(self._people(rgb))

    def locate(self, rgb: np.ndarray) -> list[np.ndarray]:
        """Each person the landmarker finds in an RGB image: (33, 2) landmarks, px."""
        h, w = rgb.shape[:2]
        return [np.array([[lm.x * w, lm.y * h] for lm in p], np.float64) for p in self._people(rgb)]


class MediaPipePose:
    """MediaPipe PoseLandmarker (Tasks API) tracking the lifter, on a BlazePose `.task` bundle.

    The lifter is tracked with `num_poses=1` on every frame (VIDEO mode, with the person mask);
    when more people are looked for, a `PeopleCounter` counts them every `count_people_every`
    frames on a helper thread (`people.PeopleCountSchedule`). A lifter too small in the frame
    for the detector is searched for in tiles of the frame and then tracked in a region around
    them (`zoom`); their landmarks are still full-frame pixels. `detect` waits for a due count
    (live: lowest latency); `stream` lets it lag a few frames behind (recorded video: the
    tracker never waits). Both give the same poses.

    Args:
        model: A model name ("lite", "full", "heavy"; None = "full") or a `.task` path.
        num_poses: How many people to look for (2 lets the tool say "several people").
        min_detection_confidence: Person detector threshold.
        min_presence_confidence: Landmark presence threshold.
        min_tracking_confidence: Tracking threshold between frames.
        segmentation: Whether to compute the person mask for the silhouette profiles.
        count_people_every: Frames between people counts; 0 = track `num_poses` every frame.
        counter: A `PeopleCounter` shared with other trackers (lanes); None = make one.
        zoom: Search for and zoom in on a lifter too small in the frame.

    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        num_poses: int = 2,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        segmentation: bool = True,
        count_people_every: int = 15,
        counter: PeopleCounter | None = None,
        zoom: bool = True,
    ) -> None:
        self.model_path = model_path(model)
        counting = num_poses > 1 and count_people_every > 0
        self._count_every = count_people_every if counting else 0
        self._options = {
            "num_poses": 1 if counting else num_poses,
            "min_pose_detection_confidence": min_detection_confidence,
            "min_pose_presence_confidence": min_presence_confidence,
            "min_tracking_confidence": min_tracking_confidence,
            "output_segmentation_masks": segmentation,
        }
        self._own_counter = counter is None  # also the search's finder when nobody counts
        if counter is None:
            counter = PeopleCounter(
                self.model_path,
                num_poses=num_poses,
                min_detection_confidence=min_detection_confidence,
                min_presence_confidence=min_presence_confidence,
            )
        self._counter = counter
        self._tracker: Any = None
        self._schedule: PeopleCountSchedule | None = None
        self._zoom_on = zoom
        self._zoom: Zoom | None = None
        self._last_ms = -1

    def __enter__(self) -> MediaPipePose:
        _require_model(self.model_path)
        from mediapipe.tasks.python import vision

        try:
            self._tracker = _create(self.model_path, vision.RunningMode.VIDEO, self._options)
            if self._own_counter and self._counter is not None:
                self._counter.__enter__()
        except PoseError:
            self.__exit__()
            raise
        if self._count_every and self._counter is not None:
            schedule = PeopleCountSchedule(self._counter.count, self._count_every)
            self._schedule = schedule.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._schedule is not None:  # the counter may not close while a count runs
            self._schedule.__exit__()
            self._schedule = None
        if self._own_counter and self._counter is not None:
            self._counter.__exit__()
        self._zoom = None
        if self._tracker is not None:
            self._tracker.close()
            self._tracker = None

    def detect(self, frame: Frame, guard: Guard = contextlib.nullcontext) -> PoseFrame:
        """Runs the model on one frame; times must increase from call to call.

        Args:
            frame: The frame.
            guard: Makes the context wrapped around the tracker's native call in this thread
                (the CLI holds Ctrl-C there).

        """
        return self._finish(self._start(frame, guard))

    def stream(
        self, frames: Iterable[Frame], guard: Guard = contextlib.nullcontext, lag: int = 8
    ) -> Iterator[tuple[Frame, PoseFrame]]:
        """Yields (frame, pose) in order, the people count up to `lag` frames behind.

        The same poses as `detect` on each frame, without waiting for the count.
        """
        pending: deque[_Job] = deque()
        try:
            for frame in frames:
                pending.append(self._start(frame, guard))
                while pending and (len(pending) > lag or pending[0].ready()):
                    job = pending.popleft()
                    yield job.frame, self._finish(job)
            while pending:
                job = pending.popleft()
                yield job.frame, self._finish(job)
        finally:
            for job in pending:
                if job.count is not None:
                    job.count.cancel()

    def _start(self, frame: Frame, guard: Guard) -> _Job:
        """Runs the tracker on `frame`; hands the frame to the people count when it is due."""
        if self._tracker is None:
            raise PoseError("MediaPipePose used outside its `with` block")
        t_ms = max(round(frame.t_s * 1000.0), self._last_ms + 1)
        first = self._last_ms < 0
        self._last_ms = t_ms
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)  # 50x faster than [..., ::-1]
        count = self._schedule.submit(rgb) if self._schedule is not None else None
        quiet = native_stderr_quiet() if first else contextlib.nullcontext()
        import mediapipe as mp

        if self._zoom is None and self._zoom_on:
            self._zoom = Zoom((rgb.shape[1], rgb.shape[0]))
        region = self._zoom.region if self._zoom is not None else None
        seen = region.crop(rgb) if region is not None else rgb
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=seen)
        with quiet, guard():
            result = self._tracker.detect_for_video(image, t_ms)
        pose = _pose_frame(seen.shape, frame.t_s, result)
        if region is not None:
            offset = np.array([region.x0, region.y0], np.float32)
            pose = dataclasses.replace(pose, xy=pose.xy + offset)
        if self._zoom is not None and self._zoom.update(
            frame.t_s, pose.xy if pose.detected else None
        ):
            with guard(), native_stderr_quiet():  # the runtime warns about non-square tiles
                self._zoom.found(self._search(rgb))
        return _Job(frame, pose, count)

    def _search(self, rgb: np.ndarray) -> tuple[float, float, float, float] | None:
        """The box of the largest person found in overlapping tiles of the frame, or None."""
        assert self._counter is not None
        size = (rgb.shape[1], rgb.shape[0])
        boxes = []
        for tile in tiles(size, TILE_FRACTION):
            for xy in self._counter.locate(tile.crop(rgb)):
                box = person_box(xy + np.array([tile.x0, tile.y0]))
                if box is not None:
                    boxes.append(box)
        return max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), default=None)

    def _finish(self, job: _Job) -> PoseFrame:
        """Applies the held people count to the tracker's pose (in frame order)."""
        if self._schedule is None:
            return job.pose
        return self._schedule.apply(job.pose, job.count)


@dataclass
class _Job:
    """One frame between the tracker and its people count."""

    frame: Frame
    pose: PoseFrame
    count: Future[int] | None = None

    def ready(self) -> bool:
        return self.count is None or self.count.done()


def _pose_frame(shape: tuple[int, ...], t_s: float, result: object) -> PoseFrame:
    """A landmarker result as the `PoseFrame` of its largest person (profiles if masked)."""
    people = list(getattr(result, "pose_landmarks", None) or [])
    if not people:
        return PoseFrame.empty(t_s)
    h, w = shape[:2]
    arrays = [
        np.array([[lm.x * w, lm.y * h, lm.visibility or 0.0, lm.presence or 0.0] for lm in p])
        for p in people
    ]
    best = int(np.argmax([_landmark_box_area(a[:, :2]) for a in arrays]))
    pts = arrays[best]
    worlds = getattr(result, "pose_world_landmarks", None) or []
    world = np.full((NUM_LANDMARKS, 3), np.nan, np.float32)
    if best < len(worlds):
        world = np.array([[lm.x, lm.y, lm.z] for lm in worlds[best]], np.float32)
    xy = pts[:, :2].astype(np.float32)
    pose = PoseFrame(
        t_s=t_s,
        xy=xy,
        visibility=pts[:, 2].astype(np.float32),
        presence=pts[:, 3].astype(np.float32),
        world=world,
        num_poses=len(people),
    )
    masks = getattr(result, "segmentation_masks", None) or []
    if best < len(masks):
        back, front = _profiles(masks[best].numpy_view(), xy, pose.visibility)
        pose = dataclasses.replace(pose, back_profile=back, front_profile=front)
    return pose


def _profiles(
    mask: np.ndarray, xy: np.ndarray, visibility: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Silhouette profiles of the more visible body side."""
    mask = mask[..., 0] if mask.ndim == 3 else mask
    left = visibility[Landmark.LEFT_SHOULDER] + visibility[Landmark.LEFT_HIP]
    right = visibility[Landmark.RIGHT_SHOULDER] + visibility[Landmark.RIGHT_HIP]
    s, h = (
        (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP)
        if left >= right
        else (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP)
    )
    return silhouette_profiles(mask, xy[s], xy[h])
