"""The live loop: camera (or a video at its own frame rate) -> pose -> analyzer -> window.

Inputs: where the frames come from, a run folder and a `Config` (`LiveOptions`). Outputs: a
window with the overlay (or none), optional spoken cues, and at the end of the set the same run
folder as `analyze` (plus `live.mp4`, what was shown) and a `LiveSummary`; the CLI prints it.

The loop never falls behind the camera: a reader thread keeps only the newest frame, so when
inference is slower than the camera, stale frames are dropped rather than queued. A video given
with `--source` is paced by its own timestamps against the clock; with a window, late frames are
dropped like a camera's; with `--no-window` every frame is processed (so the counts equal
`analyze`'s). The feeds and the `live.mp4` recording are in `feeds`. Keys: q/Esc end the set,
space pauses, r resets the shown count. However the set ends (key, window closed, Ctrl-C, the
camera stopping, the video ending), what was measured is written.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hipthrust_cam.analysis.analyzer import Analyzer
from hipthrust_cam.analysis.results import FrameResult
from hipthrust_cam.app.pipeline import RunRecorder, RunSummary, write_outputs
from hipthrust_cam.config import Config
from hipthrust_cam.datatypes import Frame, KeypointSeries, PoseFrame, SourceInfo
from hipthrust_cam.media.feeds import Clock, Feed, LatestFrameFeed, PacedFeed, SystemClock
from hipthrust_cam.media.overlay import (
    OverlayStyle,
    draw_big_message,
    draw_setup_guide,
    draw_status,
)
from hipthrust_cam.media.video import FrameSink
from hipthrust_cam.media.voice import Speaker
from hipthrust_cam.media.window import Display
from hipthrust_cam.pose.protocol import PoseBackend
from hipthrust_cam.pose.rate import analysed_fps

if TYPE_CHECKING:  # OpenCV-backed sources load lazily, when a set starts
    from hipthrust_cam.media.sources import CameraSource, VideoFileSource
    from hipthrust_cam.media.video import VideoWriteError

log = logging.getLogger(__name__)

KEY_ACTIONS: dict[int, str] = {ord("q"): "end", 27: "end", ord(" "): "pause", ord("r"): "reset"}
PAUSE_POLL_MS = 30
GOOD_REP_SPEECH = "Good rep"
SETUP_GUIDE: tuple[str, ...] = (
    "Camera side-on, at hip height",
    "2-4 m away: whole body in frame, head to feet",
)
CLOCK: Clock = SystemClock()
"""The clock `run_live` uses unless given one (tests swap in a fake that never waits)."""


def guide_lines(result: FrameResult) -> tuple[str, ...]:
    """The setup guide shown before the first rep: placement advice, then who is seen."""
    seen = result.pose.num_poses
    if seen == 0:
        status = "Get in frame: nobody is seen"
    elif seen > 1:
        status = "Several people seen: only the lifter in frame, please"
    elif result.side is None:
        status = "Lie side-on to the camera"
    else:
        status = f"{result.side.capitalize()} side faces the camera"
    return (*SETUP_GUIDE, status)


class LiveAnalyzer:
    """Wraps an `Analyzer` so the count shown on screen can be reset.

    `r` never discards what was measured: the report keeps every rep; only the count on screen
    restarts from 0, and each reset is recorded (`resets`, the report's "live" block).
    """

    def __init__(self, analyzer: Analyzer) -> None:
        self.inner = analyzer
        self.base = 0
        self.last_count = 0
        self.resets: list[dict[str, float]] = []

    def _shown(self, result: FrameResult) -> FrameResult:
        self.last_count = result.rep_count
        return dataclasses.replace(result, rep_count=result.rep_count - self.base)

    def push(self, pose: PoseFrame) -> list[FrameResult]:
        """Results of the frames now final, with the shown rep count."""
        return [self._shown(r) for r in self.inner.push(pose)]

    def finish(self) -> list[FrameResult]:
        """Flushes the analyzer."""
        return [self._shown(r) for r in self.inner.finish()]

    def reset_count(self, t_s: float) -> None:
        """Restarts the shown count from 0 (the report keeps every rep)."""
        self.resets.append({"t_s": round(t_s, 3), "reps_before": self.last_count})
        self.base = self.last_count


class LiveLoop:
    """Runs frames from a feed through pose and analyzer to the display until the set ends.

    Args:
        feed: A `PacedFeed` or `LatestFrameFeed`.
        pose: Pose backend (`detect(frame) -> PoseFrame`).
        analyzer: A `LiveAnalyzer`.
        display: Where frames are shown (`show`, `poll_key`, `is_open`).
        clock: The loop's clock.
        voice: Speaks cues (`say(text)`), or None.
        writer: Records what was shown (`write(image)`), or None.
        fps: The source's nominal frame rate (for the recording's timing).
        on_shown: Told each result once its frame is shown (a remote page draws it).
    """

    def __init__(
        self,
        feed: Feed,
        pose: PoseBackend,
        analyzer: LiveAnalyzer,
        display: Display,
        clock: Clock,
        voice: Speaker | None = None,
        writer: FrameSink | None = None,
        fps: float = 30.0,
        style: OverlayStyle | None = None,
        on_shown: Callable[[FrameResult], None] | None = None,
    ) -> None:
        self.feed, self.pose, self.analyzer, self.display = feed, pose, analyzer, display
        self.on_shown = on_shown
        self.clock, self.voice, self.writer, self.fps = clock, voice, writer, fps
        self.style = style or OverlayStyle()
        self.recorder = RunRecorder(style=self.style, on_result=self._on_result)
        self.arrivals: dict[int, float] = {}
        self.latencies_ms: list[float] = []
        self.shown = 0
        self.ended_by = getattr(feed, "end_reason", "source ended")
        self._rate = math.nan
        self._last_shown_s = math.nan
        self._last_t_s = math.nan
        self._last_image: np.ndarray | None = None
        self._last_cue: str | None = None
        self._reps_seen = False
        self._batch: list[tuple[float | None, float, np.ndarray, FrameResult]] = []

    def run(self) -> bool:
        """Runs until the set ends; returns True when Ctrl-C ended it."""
        interrupted = False
        try:
            while (arrival := self.feed.next()) is not None and self.step(*arrival):
                pass
        except KeyboardInterrupt:
            interrupted = True
            self.ended_by = "Ctrl-C"
            log.warning("interrupted: writing what was measured so far")
        self.finish()
        return interrupted

    def step(self, frame: Frame, arrived_s: float) -> bool:
        """Processes one frame (pose, analyzer, display); returns False when the set should end."""
        self.arrivals[frame.index] = arrived_s
        pose_frame = self.pose.detect(frame)
        self.recorder.add(frame, pose_frame)
        self.recorder.emit(self.analyzer.push(pose_frame))
        return self._handle_keys(frame.t_s)

    def finish(self) -> None:
        """Flushes the analyzer's last results to the display and the recording."""
        self.recorder.emit(self.analyzer.finish())
        self._after_shown()

    @property
    def processing_fps(self) -> float:
        """Frames processed a second, smoothed (NaN before the second frame)."""
        return self._rate

    def _handle_keys(self, t_s: float) -> bool:
        """Polls the keyboard and window; returns False when the set should end."""
        action = KEY_ACTIONS.get(self.display.poll_key(1))
        self._after_shown()
        if action == "reset":
            self.analyzer.reset_count(t_s)
        elif action == "pause":
            action = self._pause()
        if action == "end":
            self.ended_by = "key"
            return False
        if not self.display.is_open():
            self.ended_by = "window closed"
            return False
        return True

    def _pause(self) -> str | None:
        """Shows "PAUSED" until space (resume) or q/Esc/closing (end); the feed waits."""
        self.feed.pause()
        try:
            while self.display.is_open():
                if self._last_image is not None:
                    image = self._last_image.copy()
                    draw_big_message(image, "PAUSED", self.style)
                    draw_status(image, "space: resume   r: reset count   q: end set", self.style)
                    self.display.show(image)
                action = KEY_ACTIONS.get(self.display.poll_key(PAUSE_POLL_MS))
                if action in ("pause", "end"):
                    return None if action == "pause" else "end"
            return "end"
        finally:
            self.feed.resume()

    def _on_result(self, frame: Frame, result: FrameResult, image: np.ndarray | None) -> None:
        if image is None:
            return
        if result.rep_count > 0 or result.rep_completed is not None:
            self._reps_seen = True
        if not self._reps_seen:  # the guide stays until the first rep is counted
            draw_setup_guide(image, guide_lines(result), self.style, result.messages)
        draw_status(image, self._status(), self.style)
        self.display.show(image)
        self._batch.append((self.arrivals.pop(frame.index, None), frame.t_s, image, result))
        self._last_image = image
        self.shown += 1
        if self.on_shown is not None:
            self.on_shown(result)

    def _after_shown(self) -> None:
        """Once the GUI has painted (after `poll_key`): latency, rate, recording, speech."""
        now = self.clock.now()
        for arrived, t_s, image, result in self._batch:
            if arrived is not None:
                self.latencies_ms.append(1000.0 * (now - arrived))
            self._update_rate(now)
            self._record(t_s, image)
            self._speak(result)
        self._batch.clear()

    def _status(self) -> str:
        rate = f"{self._rate:4.1f}" if math.isfinite(self._rate) else "  --"
        dropped = getattr(self.feed, "dropped", 0)
        return f"processing {rate} fps of {self.fps:.0f}   dropped {dropped}   q: end  space: pause"

    def _update_rate(self, now: float) -> None:
        if math.isfinite(self._last_shown_s) and now > self._last_shown_s:
            inst = 1.0 / (now - self._last_shown_s)
            self._rate = inst if not math.isfinite(self._rate) else 0.9 * self._rate + 0.1 * inst
        self._last_shown_s = now

    def _record(self, t_s: float, image: np.ndarray) -> None:
        """Writes the shown frame, repeated to cover dropped frames so the video keeps time."""
        if self.writer is None:
            return
        copies = 1
        if math.isfinite(self._last_t_s):
            copies = min(max(1, round((t_s - self._last_t_s) * self.fps)), round(2 * self.fps))
        self._last_t_s = t_s
        for _ in range(copies):
            self.writer.write(image)

    def _speak(self, result: FrameResult) -> None:
        if self.voice is None:
            return
        code, text = result.cue if result.cue is not None else (None, "")
        if code is not None and code != self._last_cue:
            self.voice.say(text)
        elif result.good_rep and result.rep_completed is not None:
            self.voice.say(GOOD_REP_SPEECH)
        self._last_cue = code

    def live_info(self) -> dict[str, Any]:
        """The report's "live" block: frames shown/dropped, latency, how the set ended."""
        lat = np.asarray(self.latencies_ms, float)
        stats = (
            (None, None)
            if lat.size == 0
            else (float(np.median(lat)), float(np.percentile(lat, 95)))
        )
        return {
            "frames_shown": self.shown,
            "frames_dropped": int(getattr(self.feed, "dropped", 0)),
            "latency_ms": {"median": _round(stats[0]), "p95": _round(stats[1])},
            "processing_fps": _round(self._rate),
            "ended_by": self.ended_by,
        }


def _round(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 1)


@dataclass(frozen=True)
class LiveOptions:
    """Where a live set comes from and how it is shown.

    Attributes:
        camera: Camera index (used when `source` is None).
        source: A video file fed through the live loop at its own rate, or None.
        window: Show the overlay in a window (False: headless, every frame of a `source`).
        voice: Speak the cues.
    """

    camera: int = 0
    source: Path | None = None
    window: bool = True
    voice: bool = False


def _open_source(options: LiveOptions, config: Config) -> VideoFileSource | CameraSource:
    from hipthrust_cam.media.sources import CameraSource, VideoFileSource

    if options.source is not None:
        return VideoFileSource(options.source, config.video.max_long_side)
    return CameraSource(options.camera, config.video.max_long_side)


def _make_feed(source: Iterable[Frame], options: LiveOptions, clock: Clock, max_fps: float) -> Feed:
    if options.source is None:
        return LatestFrameFeed(source, clock, max_fps)
    return PacedFeed(source, clock, drop_late=options.window, max_fps=max_fps)


def run_live(
    options: LiveOptions,
    config: Config,
    out_dir: Path,
    *,
    clock: Clock | None = None,
    display: Display | None = None,
    voice: Speaker | None = None,
    on_start: Callable[[SourceInfo], None] | None = None,
) -> RunSummary:
    """Runs a live set and writes its run folder; prints nothing.

    Args:
        options: Camera or video, window, voice.
        config: The effective `Config`.
        out_dir: The run folder (created).
        clock: Pacing and latency clock (default `CLOCK`).
        display: A display to use instead of the one `options.window` selects.
        voice: A voice to use instead of the one `options.voice` selects.
        on_start: Told the source once it is open and the set begins.

    Returns:
        The run's summary; `interrupted` when Ctrl-C ended the set, and the report's "live"
        block holds the latency, the frames shown and dropped, and how the set ended.

    Raises:
        SourceError: The camera or video cannot be opened (exit status 2).
        DisplayError: No window can be opened (exit status 2).
    """
    from hipthrust_cam.app.runs import pose_backend
    from hipthrust_cam.media.video import H264Writer, OptionalVideo
    from hipthrust_cam.media.voice import Voice
    from hipthrust_cam.media.window import open_display

    clock = clock or CLOCK
    with ExitStack() as stack:
        source = stack.enter_context(_open_source(options, config))
        info = source.info
        shown = stack.enter_context(display or open_display(not options.window))
        if voice is None and options.voice:
            voice = stack.enter_context(Voice())
        pose = stack.enter_context(pose_backend(config))
        out_dir.mkdir(parents=True, exist_ok=True)
        size = (info.width, info.height)
        encoder = H264Writer(
            out_dir / "live.mp4", size, info.fps, crf=config.video.crf, preset="ultrafast"
        )
        writer = stack.enter_context(OptionalVideo(encoder, recording_failed))
        feed = stack.enter_context(_make_feed(source, options, clock, config.pose.max_fps))
        rate = analysed_fps(info.fps, config.pose.max_fps)
        analyzer = LiveAnalyzer(Analyzer(config, size, offline=False, fps=rate))
        loop = LiveLoop(feed, pose, analyzer, shown, clock, voice, writer, info.fps)
        if on_start is not None:
            on_start(info)
        interrupted = loop.run()
    return write_live_run(out_dir, analyzer, loop, info, rate, interrupted)


def recording_failed(error: VideoWriteError) -> None:
    """Logs that the live recording stopped (the set and its report go on)."""
    log.warning("live.mp4 is not recorded: %s", error)


def write_live_run(
    out_dir: Path,
    analyzer: LiveAnalyzer,
    loop: LiveLoop,
    info: SourceInfo,
    rate: float,
    interrupted: bool,
) -> RunSummary:
    """Writes a finished live set's run folder (the report's "live" block included)."""
    from hipthrust_cam.app.runs import source_meta

    recorder = loop.recorder
    series = KeypointSeries.from_frames(
        recorder.poses, (info.width, info.height), rate, str(info.name)
    )
    duration = float(series.t_s[-1] + 1.0 / info.fps) if len(series) else 0.0
    meta = source_meta(info, len(series), duration)
    extra = {"live": {**loop.live_info(), "count_resets": list(analyzer.resets)}}
    summary = write_outputs(out_dir, analyzer.inner, recorder, series, meta, interrupted, extra)
    video = [out_dir / "live.mp4"] if (out_dir / "live.mp4").is_file() else []
    return dataclasses.replace(summary, files=(*summary.files, *video))
