"""Live mode: feeds, keys, spoken cues, and `hipthrust-cam live` end to end (no display needed)."""

from __future__ import annotations

import itertools
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import MODEL, ROOT, SAMPLES
from processes import wait_for_video_data

from hipthrust_cam.analysis.analyzer import Analyzer
from hipthrust_cam.app import live
from hipthrust_cam.cli import main
from hipthrust_cam.config import load_config
from hipthrust_cam.datatypes import Frame
from hipthrust_cam.media import feeds
from hipthrust_cam.media.voice import Voice
from hipthrust_cam.media.window import DisplayError, check_display
from hipthrust_cam.pose.keypoints import load_keypoints, save_keypoints
from hipthrust_cam.report.assemble import build_report
from hipthrust_cam.synth.kinematics import SetSpec, simulate

SAMPLE = SAMPLES / "clean_left.mp4"


class FakeClock:
    """A clock that only moves when slept on or told to (no real waiting)."""

    def __init__(self) -> None:
        self.t = 100.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)


class SlowPose:
    """Wraps a pose backend; each detection costs `cost_s` on the fake clock."""

    def __init__(self, inner, clock: FakeClock, cost_s: float) -> None:
        self.inner, self.clock, self.cost_s = inner, clock, cost_s
        self.seen: list[int] = []

    def detect(self, frame: Frame):
        self.clock.t += self.cost_s
        self.seen.append(frame.index)
        return self.inner.detect(frame)


class IndexedReplay:
    """Serves the recorded pose of each frame by its index (so dropped frames stay aligned)."""

    def __init__(self, series) -> None:
        self.series = series

    def detect(self, frame: Frame):
        return self.series.frame(frame.index)


class ScriptedDisplay:
    """Presses `keys[n]` after the n-th shown frame; closes after `close_after` frames."""

    def __init__(self, keys: dict[int, str] | None = None, close_after: int | None = None):
        self.keys = {n: ord(k) for n, k in (keys or {}).items()}
        self.close_after = close_after
        self.images: list[np.ndarray] = []
        self.polls = 0

    def show(self, image: np.ndarray) -> None:
        self.images.append(image if len(self.images) < 40 else None)  # bounded memory

    def poll_key(self, wait_ms: int = 1) -> int:
        self.polls += 1
        return self.keys.pop(len(self.images), -1)

    def is_open(self) -> bool:
        return self.close_after is None or len(self.images) < self.close_after


def _frames(n: int, fps: float = 30.0, size=(480, 854)):
    image = np.zeros((*size, 3), np.uint8)
    return [Frame(i, i / fps, image) for i in range(n)]


@pytest.fixture(scope="module")
def synthetic():
    return simulate(SetSpec(reps=3, setup_s=1.0, tail_s=0.5))


def _loop(synthetic, display, clock=None, cost_s=0.0, drop_late=False):
    clock = clock or FakeClock()
    series = synthetic.series
    frames = _frames(len(series), series.fps, (series.image_size[1], series.image_size[0]))
    feed = feeds.PacedFeed(frames, clock, drop_late=drop_late)
    pose = SlowPose(IndexedReplay(series), clock, cost_s)
    analyzer = live.LiveAnalyzer(Analyzer(load_config(None), series.image_size, offline=False))
    loop = live.LiveLoop(feed, pose, analyzer, display, clock, fps=series.fps)
    interrupted = loop.run()
    return loop, analyzer, pose, interrupted


# -- feeds --------------------------------------------------------------------------------------


def test_paced_feed_plays_a_video_at_its_own_rate() -> None:
    clock = FakeClock()
    feed = feeds.PacedFeed(_frames(10, size=(4, 4)), clock, drop_late=False)
    start = clock.now()
    got = [feed.next() for _ in range(10)]
    assert feed.next() is None
    assert [f.index for f, _ in got] == list(range(10))
    assert clock.now() - start == pytest.approx(9 / 30.0)
    assert [a for _, a in got] == pytest.approx([start + i / 30.0 for i in range(10)])


def test_paced_feed_drops_stale_frames_only_when_asked() -> None:
    for drop, expect_all in ((True, False), (False, True)):
        clock = FakeClock()
        feed = feeds.PacedFeed(_frames(30, size=(4, 4)), clock, drop_late=drop)
        seen = []
        while (got := feed.next()) is not None:
            seen.append(got[0].index)
            clock.t += 0.1  # inference three times slower than the frames arrive
        assert (seen == list(range(30))) == expect_all
        if drop:
            assert 8 <= len(seen) <= 12 and feed.dropped == 30 - len(seen)
            assert seen[-1] >= 27  # keeps up with the video instead of lagging behind


def test_paused_feed_resumes_where_it_stopped() -> None:
    clock = FakeClock()
    feed = feeds.PacedFeed(_frames(5, size=(4, 4)), clock, drop_late=True)
    feed.next()
    feed.pause()
    clock.t += 60.0
    feed.resume()
    assert [feed.next()[0].index for _ in range(4)] == [1, 2, 3, 4]
    assert feed.dropped == 0


def test_camera_feed_keeps_only_the_newest_frame() -> None:
    release, delivered = threading.Event(), threading.Event()

    def camera():
        for frame in _frames(50, size=(4, 4)):
            yield frame  # resumed once the feed holds `frame`
            if frame.index == 0:
                release.wait(5.0)  # the loop is busy with frame 0 meanwhile
        delivered.set()

    clock = FakeClock()
    with feeds.LatestFrameFeed(camera(), clock) as feed:
        first = feed.next()
        release.set()
        assert delivered.wait(5.0)  # the camera delivers 49 more frames while "inference" runs
        newest = feed.next()
        assert feed.next() is None  # the camera stopped: the feed ends
    assert first[0].index == 0 and newest[0].index == 49
    assert feed.dropped == 48


def _join_camera_reader() -> None:
    """Waits until the camera's reader thread has ended (its frames and error are handed over)."""
    for thread in threading.enumerate():
        if thread.name == "hipthrust-camera":
            thread.join(5.0)
            assert not thread.is_alive()


def test_camera_feed_raises_the_readers_error_in_the_loop() -> None:
    def broken():
        yield from _frames(1, size=(4, 4))
        raise ValueError("decoder broke")

    with feeds.LatestFrameFeed(broken(), FakeClock()) as feed:
        _join_camera_reader()  # the camera failed before the loop asked for anything
        assert feed.next()[0].index == 0  # the frame read before the failure is not lost
        with pytest.raises(ValueError, match="decoder broke"):
            feed.next()


# -- the loop -----------------------------------------------------------------------------------


def test_loop_counts_every_rep_and_measures_latency(synthetic) -> None:
    loop, analyzer, _, interrupted = _loop(synthetic, ScriptedDisplay(), cost_s=0.02)
    report = build_report(analyzer.inner, {"name": "synthetic"})
    assert not interrupted and loop.ended_by == "video ended"
    assert report["rep_count"] == 3
    assert loop.shown == len(synthetic.series)
    assert np.median(loop.latencies_ms) == pytest.approx(20.0, abs=1.0)
    info = loop.live_info()
    assert info["latency_ms"]["median"] == pytest.approx(20.0, abs=1.0)
    assert info["frames_dropped"] == 0


def test_q_ends_the_set_early_and_keeps_what_was_measured(synthetic) -> None:
    display = ScriptedDisplay(keys={40: "q"})
    loop, _, pose, interrupted = _loop(synthetic, display)
    assert loop.ended_by == "key" and not interrupted
    assert len(pose.seen) == 40 and len(display.images) == 40


def test_closing_the_window_ends_the_set(synthetic) -> None:
    loop, *_ = _loop(synthetic, ScriptedDisplay(close_after=25))
    assert loop.ended_by == "window closed" and loop.shown == 25


def test_space_pauses_and_shows_paused_until_pressed_again(synthetic) -> None:
    display = ScriptedDisplay(keys={30: " ", 33: " "})
    clock = FakeClock()
    _, analyzer, pose, _ = _loop(synthetic, display, clock=clock, drop_late=True)
    paused = display.images[30:33]
    assert len(paused) == 3
    assert all(not np.array_equal(img, display.images[29]) for img in paused)  # "PAUSED" drawn
    assert pose.seen == list(range(len(synthetic.series)))  # paused frames were not skipped
    assert len(analyzer.inner.reps) == 3


def test_r_resets_the_shown_count_but_the_report_keeps_every_rep(synthetic) -> None:
    series = synthetic.series
    reset_at = int(np.searchsorted(series.t_s, synthetic.truth["reps"][2]["start_s"] + 0.3))
    _, analyzer, *_ = _loop(synthetic, ScriptedDisplay(keys={reset_at: "r"}))
    assert len(analyzer.inner.reps) == 3
    resets = analyzer.resets
    assert resets == [{"t_s": pytest.approx(series.t_s[reset_at - 1], abs=0.05), "reps_before": 2}]
    assert analyzer.base == 2


def test_setup_guide_lines_say_who_is_seen(synthetic) -> None:
    class R:
        def __init__(self, num_poses: int, side: str | None) -> None:
            self.pose = type("P", (), {"num_poses": num_poses})()
            self.side = side

    assert "Get in frame" in live.guide_lines(R(0, None))[-1]
    assert "Several people" in live.guide_lines(R(2, "left"))[-1]
    assert live.guide_lines(R(1, "right"))[-1] == "Right side faces the camera"
    assert any("side-on" in line for line in live.guide_lines(R(1, "left")))


def test_setup_guide_shows_until_the_first_rep_is_counted(synthetic, monkeypatch) -> None:
    guided: list[int] = []
    real = live.draw_setup_guide

    def spy(image, lines, style, messages=()) -> None:
        guided.append(len(display.images))
        real(image, lines, style, messages)

    monkeypatch.setattr(live, "draw_setup_guide", spy)
    display = ScriptedDisplay()
    _loop(synthetic, display)
    reps, t_s = synthetic.truth["reps"], synthetic.series.t_s
    first_end = int(np.searchsorted(t_s, reps[0]["end_s"]))
    second_top = int(np.searchsorted(t_s, reps[1]["lockout_start_s"]))
    assert guided[0] == 0 and guided == list(range(len(guided)))  # from the start, unbroken
    assert first_end - 5 <= len(guided) <= second_top  # gone once the first rep is counted


# -- voice --------------------------------------------------------------------------------------


def test_voice_never_blocks_and_drops_stale_cues() -> None:
    started: queue.Queue[str] = queue.Queue()
    release = threading.Event()

    def runner(command):
        started.put(command[-1])
        release.wait(5.0)  # speaking takes until the test releases it

    with Voice(engine="tts", runner=runner) as voice:
        voice.say("Ribs down")
        assert started.get(timeout=5.0) == "Ribs down"
        for text in ("Feet closer", "Chin tucked", "Full lockout"):
            voice.say(text)
        assert voice.spoken == []  # every say returned while "Ribs down" was still being spoken
        release.set()
        assert started.get(timeout=5.0) == "Full lockout"  # the newest waiting cue comes next
    assert voice.spoken == ["Ribs down", "Full lockout"]
    assert voice.dropped == 2


def test_voice_without_a_tts_program_warns_once_and_stays_silent(caplog) -> None:
    with Voice(which=lambda name: None) as voice:
        voice.say("Ribs down")
        assert not voice.available
    assert len([r for r in caplog.records if "espeak-ng" in r.getMessage()]) == 1


def test_loop_speaks_a_new_cue_once(synthetic) -> None:
    said: list[tuple[float, str]] = []
    clock = FakeClock()
    series = simulate(SetSpec(reps=2, setup_s=1.0, tail_s=0.5, lockout_knee_deg=120.0)).series
    frames = _frames(len(series), series.fps, (series.image_size[1], series.image_size[0]))
    config = load_config(None)
    analyzer = live.LiveAnalyzer(Analyzer(config, series.image_size, offline=False))
    voice = type("V", (), {"say": lambda self, text: said.append((clock.now(), text))})()
    loop = live.LiveLoop(
        feeds.PacedFeed(frames, clock, False),
        IndexedReplay(series),
        analyzer,
        ScriptedDisplay(),
        clock,
        voice=voice,
        fps=series.fps,
    )
    loop.run()
    texts = [text for _, text in said]
    assert "Feet closer" in texts
    assert len(texts) <= 2  # at most once per faulty rep, never once per frame
    for (t0, a), (t1, b) in itertools.pairwise(said):
        assert a != b or t1 - t0 >= config.cues.cooldown_s  # a repeat only after the cooldown


# -- displays -----------------------------------------------------------------------------------


def test_no_display_is_a_clear_error_suggesting_no_window() -> None:
    with pytest.raises(DisplayError, match="--no-window"):
        check_display({"PATH": os.environ.get("PATH", "")})
    with pytest.raises(DisplayError, match="--no-window"):
        check_display({"DISPLAY": ":87", "PATH": os.environ.get("PATH", "")})


# -- the command, end to end --------------------------------------------------------------------


def _run_cli(*args: str, timeout: float = 60.0, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "hipthrust_cam", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def _needs_sample() -> None:
    if not SAMPLE.is_file() or SAMPLE.stat().st_size < 1000 or not MODEL.is_file():
        pytest.skip(f"the bundled sample {SAMPLE.name} or the pose model is missing")


@pytest.mark.slow  # a real process
def test_no_camera_exits_2_with_one_line(tmp_path) -> None:
    done = _run_cli("live", "--camera", "99", "--no-window", "--out", str(tmp_path / "run"))
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.startswith("hipthrust-cam")]
    assert len(lines) == 1 and "camera 99" in lines[0] and "--camera" in lines[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.slow  # a real process
def test_no_display_exits_2_suggesting_no_window(tmp_path) -> None:
    _needs_sample()
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    done = _run_cli("live", "--source", str(SAMPLE), "--out", str(tmp_path / "run"), env=env)
    assert done.returncode == 2
    assert "--no-window" in done.stderr and "Traceback" not in done.stderr


def _live(source: Path, out: Path) -> Path:
    """`live --source SOURCE --no-window` in-process, paced by a clock that never waits."""
    saved = live.CLOCK
    live.CLOCK = FakeClock()
    try:
        assert main(["live", "--source", str(source), "--no-window", "--out", str(out)]) == 0
    finally:
        live.CLOCK = saved
    return out


def _reps_and_faults(run: Path) -> tuple[int, list[list[str]]]:
    report = json.loads((run / "report.json").read_text())
    return report["rep_count"], [sorted(f["code"] for f in r["faults"]) for r in report["reps"]]


@pytest.fixture(scope="module")
def render_runs(tmp_path_factory, clip_keypoints):
    _needs_sample()
    base = tmp_path_factory.mktemp("render")
    _live(SAMPLE, base / "live")
    # What `analyze` sees: the real pose stage over every frame of the video (cached across
    # runs by conftest). `analyze --keypoints` on those is `analyze` on the video without a
    # second pose pass (tests/test_cli_analyze.py checks that equivalence).
    save_keypoints(clip_keypoints(SAMPLE.name), base / "poses.npz")
    status = main(["analyze", "--keypoints", str(base / "poses.npz"), "--out", str(base / "an")])
    assert status == 0
    return base / "live", base / "an"


@pytest.mark.slow  # the pose model over the whole sample
def test_live_on_a_video_counts_what_analyze_counts(render_runs) -> None:
    live_dir, analyze_dir = render_runs
    count, faults = _reps_and_faults(live_dir)
    assert (count, faults) == _reps_and_faults(analyze_dir)
    assert count >= 2


@pytest.mark.slow  # the pose model over the whole sample
def test_live_sees_every_frame_with_the_poses_analyze_sees(render_runs) -> None:
    live_dir, analyze_dir = render_runs
    got = load_keypoints(live_dir / "keypoints.npz")
    want = load_keypoints(analyze_dir.parent / "poses.npz")
    assert len(got) == len(want) == int(cv2.VideoCapture(str(SAMPLE)).get(cv2.CAP_PROP_FRAME_COUNT))
    np.testing.assert_allclose(got.t_s, want.t_s)
    np.testing.assert_allclose(got.xy, want.xy, atol=1e-3)


@pytest.mark.slow  # the pose model over the whole sample
def test_live_writes_the_outputs_of_analyze_and_its_latency(render_runs) -> None:
    live_dir, _ = render_runs
    for name in ("keypoints.npz", "report.json", "reps.csv", "timeline.csv", "report.html"):
        assert (live_dir / name).is_file(), name
    assert list((live_dir / "thumbnails").glob("rep_*.jpg"))
    report = json.loads((live_dir / "report.json").read_text())
    assert report["live"]["frames_dropped"] == 0
    assert report["live"]["frames_shown"] == report["source"]["frames"]
    assert report["live"]["latency_ms"]["median"] is not None
    assert report["live"]["ended_by"] == "video ended"
    assert report["summary"]["partial"] is False
    shown = cv2.VideoCapture(str(live_dir / "live.mp4"))
    assert shown.get(cv2.CAP_PROP_FRAME_COUNT) == report["source"]["frames"]


@pytest.mark.slow  # a real process at the video's own rate
def test_ctrl_c_mid_set_writes_the_reps_so_far(tmp_path) -> None:
    _needs_sample()
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hipthrust_cam",
            "live",
            "--source",
            str(SAMPLE),
            "--no-window",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    try:
        wait_for_video_data(proc, out / ".live.partial.mp4")  # the set is under way
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole job, encoder included
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["partial"] is True
    assert report["live"]["ended_by"] == "Ctrl-C"
    assert 0 < report["source"]["frames"] < 498  # the render has 498 (16.6 s at its own rate)
    assert report["rep_count"] == len(report["reps"])
    assert (out / "keypoints.npz").is_file() and (out / "live.mp4").is_file()
    assert "interrupted" in stdout and "Traceback" not in stderr


def test_ctrl_c_after_a_rep_keeps_that_rep(synthetic, tmp_path, monkeypatch) -> None:
    """Ctrl-C (a real SIGINT) at the top of the second rep: the first is in the partial report."""
    from hipthrust_cam.app import runs
    from hipthrust_cam.media.sources import SourceInfo

    series = synthetic.series
    w, h = series.image_size
    press_at = int(np.searchsorted(series.t_s, synthetic.truth["reps"][1]["lockout_start_s"]))

    class Video:
        info = SourceInfo("set.mp4", w, h, series.fps, len(series), 1.0)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            return None

        def __iter__(self):
            return iter(_frames(len(series), series.fps, (h, w)))

    class CtrlCPressed(IndexedReplay):
        def detect(self, frame: Frame):
            if frame.index == press_at:
                signal.raise_signal(signal.SIGINT)  # what the terminal sends on Ctrl-C
            return super().detect(frame)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            return None

    monkeypatch.setattr(live, "_open_source", lambda args, config: Video())
    monkeypatch.setattr(runs, "pose_backend", lambda config: CtrlCPressed(series))
    monkeypatch.setattr(live, "CLOCK", FakeClock())
    out = tmp_path / "run"
    try:
        status = main(["live", "--source", "set.mp4", "--no-window", "--out", str(out)])
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped `hipthrust-cam live` instead of ending the set")
    assert status == 130
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["partial"] is True and report["live"]["ended_by"] == "Ctrl-C"
    assert report["source"]["frames"] == press_at  # every frame before the press, analysed
    assert report["rep_count"] == 1
    assert (out / "live.mp4").is_file()


def test_live_mp4_keeps_time_when_frames_are_dropped(tmp_path) -> None:
    class Writer:
        frames = 0

        def write(self, image) -> None:
            Writer.frames += 1

    clock = FakeClock()
    spec = simulate(SetSpec(reps=1, setup_s=0.5, tail_s=0.5))
    series = spec.series
    frames = _frames(len(series), series.fps, (120, 160))
    loop = live.LiveLoop(
        feeds.PacedFeed(frames, clock, drop_late=True),
        SlowPose(IndexedReplay(series), clock, 0.1),
        live.LiveAnalyzer(Analyzer(load_config(None), series.image_size, offline=False)),
        ScriptedDisplay(),
        clock,
        writer=Writer(),
        fps=series.fps,
    )
    loop.run()
    assert loop.live_info()["frames_dropped"] > len(series) / 2
    assert abs(Writer.frames - len(series)) <= 4


def test_camera_unplugged_mid_set_still_writes_the_run(tmp_path, monkeypatch) -> None:
    """The camera path (reader thread, newest frame only) end to end, with a fake camera."""
    from hipthrust_cam.app import runs
    from hipthrust_cam.media.sources import SourceInfo

    series = simulate(SetSpec(reps=1, setup_s=0.5, tail_s=0.3)).series
    w, h = series.image_size

    class FakeCamera:
        """Delivers two frames while the loop works on each one; then it is unplugged."""

        info = SourceInfo("camera:0", w, h, series.fps, 0, 1.0)

        def __init__(self) -> None:
            self.changed = threading.Condition()
            self.delivered = 0  # frames the feed has been handed
            self.busy_with = -1  # the frame the loop is working on
            self.unplugged = False

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            return None

        def __iter__(self):  # on the feed's reader thread
            for frame in _frames(len(series), series.fps, (h, w)):
                with self.changed:
                    self.changed.wait_for(lambda i=frame.index: i <= self.busy_with + 2, 5.0)
                yield frame  # resumed once the feed holds it
                with self.changed:
                    self.delivered = frame.index + 1
                    self.changed.notify_all()
            with self.changed:  # the iteration ends, as when the camera is unplugged
                self.unplugged = True
                self.changed.notify_all()

    camera = FakeCamera()

    class SlowReplay(IndexedReplay):
        """Each detection lasts until the camera has delivered two newer frames."""

        def detect(self, frame: Frame):
            with camera.changed:
                camera.busy_with = frame.index
                camera.changed.notify_all()
                newer = camera.changed.wait_for(
                    lambda: camera.delivered >= frame.index + 3 or camera.unplugged, 5.0
                )
            assert newer, "the camera was held up while the loop worked: frames are queued"
            return super().detect(frame)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            return None

    monkeypatch.setattr(live, "_open_source", lambda args, config: camera)
    monkeypatch.setattr(runs, "pose_backend", lambda config: SlowReplay(series))
    assert main(["live", "--no-window", "--out", str(tmp_path / "run")]) == 0
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["live"]["ended_by"] == "camera stopped"
    # Of each two frames that arrived during a detection the older was dropped, never queued:
    # every frame was either analysed or dropped, about half of them each.
    analysed, dropped = report["source"]["frames"], report["live"]["frames_dropped"]
    assert analysed + dropped == len(series)
    assert len(series) // 2 - 1 <= dropped <= len(series) // 2 + 1
    assert report["source"]["name"] == "camera:0"
    assert (tmp_path / "run" / "keypoints.npz").is_file()


def test_a_failing_video_encoder_never_loses_the_set(caplog) -> None:
    from hipthrust_cam.media.video import OptionalVideo, VideoWriteError

    class FullDisk:
        writes = 0

        def __enter__(self):
            return self

        def write(self, image) -> None:
            FullDisk.writes += 1
            if FullDisk.writes == 5:
                raise VideoWriteError("live.mp4: writing the video failed: the disk is full")

        def __exit__(self, *exc) -> None:
            return None

    with OptionalVideo(FullDisk(), live.recording_failed) as recording:
        for _ in range(20):
            recording.write(np.zeros((4, 4, 3), np.uint8))
    assert FullDisk.writes == 5
    assert len([r for r in caplog.records if "disk is full" in r.getMessage()]) == 1
