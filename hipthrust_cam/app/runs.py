"""Whole runs for the CLI: analyse a video, re-analyse keypoints, re-render a run folder.

Inputs: paths and a `Config`. Outputs: a run folder and a `RunSummary`. This is where the
adapters (video source, MediaPipe, H.264 writer) are built and handed to the pipeline.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hipthrust_cam.analysis.analyzer import Analyzer
from hipthrust_cam.app.pipeline import RunRecorder, RunSummary, run_frames, write_outputs
from hipthrust_cam.config import Config
from hipthrust_cam.datatypes import Frame, KeypointSeries, PoseFrame, SourceInfo
from hipthrust_cam.native import ctrl_c_held
from hipthrust_cam.pose.keypoints import KeypointsFileError, load_keypoints
from hipthrust_cam.pose.lanes import LaneTracker, plan_lanes
from hipthrust_cam.pose.protocol import PoseBackend
from hipthrust_cam.pose.rate import analysed_fps

if TYPE_CHECKING:  # the MediaPipe and OpenCV adapters load lazily, when a run needs them
    from hipthrust_cam.media.video import OptionalVideo
    from hipthrust_cam.pose.blazepose import MediaPipePose, PeopleCounter


def pose_backend(config: Config, counter: PeopleCounter | None = None) -> InterruptSafePose:
    """The MediaPipe backend configured from `config.pose` (`counter`: a shared one)."""
    from hipthrust_cam.pose.blazepose import MediaPipePose

    p = config.pose
    return InterruptSafePose(
        MediaPipePose(
            p.model,
            num_poses=p.num_poses,
            min_detection_confidence=p.min_detection_confidence,
            min_presence_confidence=p.min_presence_confidence,
            min_tracking_confidence=p.min_tracking_confidence,
            segmentation=p.segmentation,
            count_people_every=p.count_people_every,
            counter=counter,
        )
    )


def people_counter(config: Config) -> AbstractContextManager[PeopleCounter | None]:
    """A people counter for trackers to share, or a stand-in context when none counts."""
    from hipthrust_cam.pose.blazepose import PeopleCounter

    p = config.pose
    if p.num_poses <= 1 or p.count_people_every <= 0:
        return nullcontext()
    return PeopleCounter(
        p.model,
        num_poses=p.num_poses,
        min_detection_confidence=p.min_detection_confidence,
        min_presence_confidence=p.min_presence_confidence,
    )


class InterruptSafePose:
    """A MediaPipe backend whose native calls Ctrl-C cannot cut in half (see `ctrl_c_held`)."""

    def __init__(self, pose: MediaPipePose) -> None:
        self._pose = pose

    def __enter__(self) -> InterruptSafePose:
        self._pose.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        with ctrl_c_held():
            self._pose.__exit__(*exc)

    def detect(self, frame: Frame) -> PoseFrame:
        """The backend's `detect`, shielded."""
        with ctrl_c_held():
            return self._pose.detect(frame)

    def stream(self, frames: Iterable[Frame]) -> Iterator[tuple[Frame, PoseFrame]]:
        """The backend's pipelined `stream`, each native call in this thread shielded."""
        return self._pose.stream(frames, guard=ctrl_c_held)


def source_meta(info: SourceInfo, frames: int, duration_s: float) -> dict[str, Any]:
    """The report's `source` block."""
    return {
        "path": str(info.name),
        "name": Path(str(info.name)).name,
        "fps": round(float(info.fps), 3),
        "frames": int(frames),
        "width": int(info.width),
        "height": int(info.height),
        "duration_s": round(float(duration_s), 3),
    }


def analyze_video(
    video: Path,
    out_dir: Path,
    config: Config,
    *,
    video_out: bool = True,
    progress: Callable[[int], Callable[[int], None] | None] | None = None,
    label: str | None = None,
) -> RunSummary:
    """Runs pose + analysis over a video file and writes the run folder.

    A video long enough for lanes (see `lanes.plan_lanes`) has its poses tracked on every core
    while a second decoder feeds the analyzer, the overlay and the encoder right behind the
    first lane. A shorter one is read once, by one tracker.

    Args:
        video: The recorded set.
        out_dir: The run folder (created).
        config: The effective `Config`.
        video_out: Whether to write `annotated.mp4`.
        progress: Given the frame count, returns a per-frame callback (or None).
        label: How the report and keypoints name the video (default: its path), e.g. the
            user's own path when the file analysed is a copy on a cluster worker.

    """
    from hipthrust_cam.media.sources import VideoFileSource

    def open_source(warn: bool = False) -> VideoFileSource:  # the lanes' readers stay quiet
        return VideoFileSource(video, config.video.max_long_side, warn=warn)

    p = config.pose
    with ExitStack() as stack:
        source = stack.enter_context(open_source(warn=True))
        info = source.info
        lanes = p.lanes if p.lanes > 0 else (os.cpu_count() or 1)
        plan = plan_lanes(info.frame_count, lanes, p.lane_warmup_frames, p.lane_min_frames)
        on_frame = progress(info.frame_count) if progress else None
        pose: PoseBackend
        if len(plan) > 1:
            counter = stack.enter_context(people_counter(config))  # one for every lane
            lane_pose = partial(pose_backend, config, counter)  # one per lane
            tracker = LaneTracker(plan, open_source, lane_pose, p.max_fps)
            pose = stack.enter_context(tracker)
            on_frame = _both_counted(on_frame, tracker)
        else:
            pose = stack.enter_context(pose_backend(config))
        out_dir.mkdir(parents=True, exist_ok=True)
        writer = _writer(stack, out_dir, info, config) if video_out else None
        rate = analysed_fps(info.fps, p.max_fps)
        analyzer = Analyzer(config, (info.width, info.height), offline=True, fps=rate)
        scale = annotated_scale(info, config)
        recorder = RunRecorder(writer=writer, threaded=True, video_scale=scale)
        interrupted = run_frames(source, pose, analyzer, recorder, on_frame, max_fps=p.max_fps)
    name = label if label is not None else str(video)
    series = KeypointSeries.from_frames(recorder.poses, (info.width, info.height), rate, name)
    duration = float(series.t_s[-1] + 1.0 / rate) if len(series) else 0.0
    named = replace(info, name=name) if label is not None else info
    meta = {**source_meta(named, recorder.frames_seen, duration), "analysed_fps": round(rate, 3)}
    summary = write_outputs(out_dir, analyzer, recorder, series, meta, interrupted)
    if writer is not None and writer.error is not None:
        raise type(writer.error)(f"{writer.error} (the report files were written to {out_dir})")
    return summary


def _both_counted(
    on_frame: Callable[[int], None] | None, lanes: LaneTracker
) -> Callable[[int], None] | None:
    """The progress bar counts tracked and drawn frames (drawing trails the first lane)."""
    if on_frame is None:
        return None
    bar = on_frame
    return lambda index: bar((lanes.tracked() + index + 1) // 2 - 1)


def annotated_scale(info: SourceInfo, config: Config) -> float:
    """How much smaller than the analysed frames the annotated video is drawn (<= 1)."""
    cap = config.video.annotated_max_long_side
    long_side = max(info.width, info.height)
    return cap / long_side if 0 < cap < long_side else 1.0


def _writer(stack: ExitStack, out_dir: Path, info: SourceInfo, config: Config) -> OptionalVideo:
    """The annotated video, which may fail (a full disk) without stopping the run."""
    from hipthrust_cam.media.video import H264Writer, OptionalVideo

    scale = annotated_scale(info, config)
    size = (max(1, round(info.width * scale)), max(1, round(info.height * scale)))
    path = out_dir / "annotated.mp4"
    return stack.enter_context(
        OptionalVideo(
            H264Writer(
                path,
                size,
                info.fps,
                crf=config.video.crf,
                preset=config.video.preset,
                quick_search=config.video.quick_search,
            )
        )
    )


def _blank_frames(series: KeypointSeries) -> Iterator[Frame]:
    """Black frames timed like `series`, for an analysis that needs no pixels."""
    blank = _blank(series.image_size)
    return (Frame(i, float(t), blank) for i, t in enumerate(series.t_s))


def reanalyse_keypoints(path: Path, out_dir: Path, config: Config) -> RunSummary:
    """Re-runs the analysis on a recorded `keypoints.npz` (no pose model, no video)."""
    from hipthrust_cam.pose.replay import ReplayPose

    series = _load_keypoints(path)
    fps = series.fps if 1.0 <= series.fps <= 1000.0 else 30.0  # sizes buffers: keep it sane
    analyzer = Analyzer(config, series.image_size, offline=True, fps=fps)
    recorder = RunRecorder()
    with ReplayPose(series) as pose:
        interrupted = run_frames(_blank_frames(series), pose, analyzer, recorder)
    duration = float(series.t_s[-1] + 1.0 / max(series.fps, 1e-6)) if len(series) else 0.0
    w, h = series.image_size
    info = SourceInfo(series.source or str(path), w, h, series.fps, len(series), 1.0)
    meta = source_meta(info, len(series), duration)
    meta["keypoints"] = str(path)
    return write_outputs(out_dir, analyzer, recorder, series, meta, interrupted)


# What a damaged .npz can raise while being decoded, besides `KeypointsFileError`.
_DAMAGED_NPZ = (
    zlib.error,
    zipfile.BadZipFile,
    struct.error,
    EOFError,
    NotImplementedError,
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    OverflowError,
)
MAX_IMAGE_SIDE = 16384  # px; a recorded frame size beyond this is damage, not a camera


def _load_keypoints(path: Path) -> KeypointSeries:
    """`load_keypoints`, with every decoding failure of a damaged file as a one-line error."""
    try:
        series = load_keypoints(path)
    except KeypointsFileError:
        raise
    except _DAMAGED_NPZ as exc:
        raise KeypointsFileError(f"{path}: not a readable keypoints .npz file ({exc})") from exc
    w, h = series.image_size
    if not (0 < w <= MAX_IMAGE_SIDE and 0 < h <= MAX_IMAGE_SIDE):
        raise KeypointsFileError(f"{path}: image size {w}x{h} is not plausible (damaged file?)")
    return series


def _blank(size: tuple[int, int]) -> np.ndarray:
    """A black frame of `size` standing in for pixels a replay does not have."""
    return np.zeros((max(size[1], 1), max(size[0], 1), 3), np.uint8)


def rerender_run(run_dir: Path, config: Config | None = None) -> list[Path]:
    """Re-renders a run's CSV and HTML; with a config, re-analyses its keypoints first."""
    from hipthrust_cam.report.files import rerender
    from hipthrust_cam.report.tables import ReportError

    if config is None:
        return rerender(run_dir)
    keypoints = run_dir / "keypoints.npz"
    if not keypoints.is_file():
        raise ReportError(f"{run_dir}: no keypoints.npz to re-analyse")
    summary = reanalyse_keypoints(keypoints, run_dir, config)
    return list(summary.files)


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


def rep_table(report: dict[str, Any]) -> str:
    """A plain-text per-rep table with the set's warnings, for the terminal."""
    lines = []
    setup = report.get("setup", {})
    for warning in setup.get("warnings", []):
        lines.append(f"! {warning}")
    reps = report.get("reps", [])
    header = (
        f"{'rep':>3} {'up s':>5} {'pause':>5} {'down':>5} {'ROM':>4} {'hip':>4} "
        f"{'knee':>4} {'shin':>4}  cues"
    )
    lines.append(header)
    for rep in reps:
        faults = rep.get("faults", [])
        cues = ", ".join(f["cue"] for f in faults if not f.get("possible")) or "good"
        maybe = [f["cue"] for f in faults if f.get("possible")]
        if maybe:
            cues += f" (possibly: {', '.join(maybe)})"
        if not rep.get("judged", True):
            cues = "not judged"
        lines.append(
            f"{rep['index']:>3} {_fmt(rep.get('concentric_s'), 1):>5} "
            f"{_fmt(rep.get('pause_s'), 1):>5} {_fmt(rep.get('eccentric_s'), 1):>5} "
            f"{_fmt(rep.get('rom_deg')):>4} {_fmt(rep.get('hip_extension_deg')):>4} "
            f"{_fmt(rep.get('knee_angle_deg')):>4} {_fmt(rep.get('shin_angle_deg')):>4}  {cues}"
        )
    summary = report.get("summary", {})
    lines.append(f"{report.get('rep_count', 0)} reps, {summary.get('clean_reps', 0)} clean")
    return "\n".join(lines)
