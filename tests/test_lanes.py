"""Lanes: a recorded video's poses tracked on every core, in consecutive stretches."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import MODEL, SAMPLES
from render_truth import cases, problems

from hipthrust_cam.datatypes import Frame, PoseFrame
from hipthrust_cam.pose.blazepose import native_stderr_quiet
from hipthrust_cam.pose.lanes import Lane, LaneTracker, plan_lanes
from hipthrust_cam.pose.rate import analysed_frames


@pytest.mark.parametrize(
    ("count", "lanes", "warmup", "min_frames", "expected"),
    [
        (300, 2, 15, 100, [Lane(0, 0, 150), Lane(135, 150, None)]),
        (301, 2, 15, 100, [Lane(0, 0, 150), Lane(135, 150, None)]),
        (90, 3, 0, 0, [Lane(0, 0, 30), Lane(30, 30, 60), Lane(60, 60, None)]),
        (300, 8, 15, 100, [Lane(0, 0, 100), Lane(85, 100, 200), Lane(185, 200, None)]),
        (300, 1, 15, 100, [Lane(0, 0, None)]),  # one core
        (199, 2, 15, 100, [Lane(0, 0, None)]),  # too short to be worth a second model
        (0, 2, 15, 100, [Lane(0, 0, None)]),  # frame count unknown
        (20, 2, 15, 0, [Lane(0, 0, None)]),  # a lane would be all warm-up
    ],
)
def test_lane_plan(count, lanes, warmup, min_frames, expected) -> None:
    assert plan_lanes(count, lanes, warmup, min_frames) == expected


# -- LaneTracker with stand-in sources and trackers --------------------------------------------


class FakeSource:
    """`actual` frames whose pixel value is the frame index (mod 256)."""

    starts: list[int]

    def __init__(self, actual: int) -> None:
        self.actual = actual

    def frames(self, start: int = 0, max_fps: float = 0.0) -> Iterator[Frame]:
        FakeSource.starts.append(start)
        every = (
            Frame(i, i / 30.0, np.full((4, 4, 3), i % 256, np.uint8)) for i in range(self.actual)
        )
        yield from (f for f in analysed_frames(every, max_fps) if f.index >= start)

    def __enter__(self) -> FakeSource:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class FakeTracker:
    """Each instance is one tracker: its poses say which tracker saw which frame, and how
    many frames it had seen before (its warm-up)."""

    made = 0
    fail_at: int | None = None

    def __init__(self) -> None:
        self.id = FakeTracker.made
        FakeTracker.made += 1
        self.seen = 0

    def stream(self, frames: Iterator[Frame]) -> Iterator[tuple[Frame, PoseFrame]]:
        for frame in frames:
            if frame.index == FakeTracker.fail_at:
                raise RuntimeError(f"tracker failed at frame {frame.index}")
            pose = PoseFrame.empty(frame.t_s)
            pose.xy[0] = (frame.index, self.id)
            pose.xy[1] = (self.seen, 0)
            self.seen += 1
            yield frame, pose

    def __enter__(self) -> FakeTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


@pytest.fixture(autouse=True)
def _fresh_fakes() -> None:
    FakeSource.starts = []
    FakeTracker.made = 0
    FakeTracker.fail_at = None


def _track_all(plan: list[Lane], actual: int, decoded: int | None = None) -> list[PoseFrame]:
    """Takes the poses in order the way `run_frames` does, for `decoded` frames."""
    with LaneTracker(plan, lambda: FakeSource(actual), FakeTracker) as lanes:
        return [
            lanes.detect(Frame(i, i / 30.0, np.zeros((4, 4, 3), np.uint8)))
            for i in range(actual if decoded is None else decoded)
        ]


def test_every_frame_comes_from_its_lane_in_order_after_a_warm_up() -> None:
    plan = plan_lanes(300, 2, 15, 0)
    poses = _track_all(plan, 300)
    index, tracker = np.array([p.xy[0] for p in poses]).T
    assert index.tolist() == list(range(300))  # nothing missing, nothing twice
    first_lane = 0 if tracker[0] == 0 else 1
    assert (tracker[:150] == first_lane).all() and (tracker[150:] == 1 - first_lane).all()
    assert sorted(FakeSource.starts) == [0, 135]  # the second lane starts 15 frames early
    assert poses[150].xy[1, 0] == 15  # ... and had seen those 15 frames at its first kept one


def test_a_video_shorter_than_its_container_claims_is_tracked_by_the_first_lane() -> None:
    plan = plan_lanes(200, 2, 15, 0)  # lanes at 0 and 100, but only 90 frames exist
    poses = _track_all(plan, 90)
    index, _ = np.array([p.xy[0] for p in poses]).T
    assert index.tolist() == list(range(90))


def test_a_video_longer_than_its_container_claims_is_tracked_to_the_end() -> None:
    plan = plan_lanes(200, 2, 15, 0)
    poses = _track_all(plan, 260)
    index, tracker = np.array([p.xy[0] for p in poses]).T
    assert index.tolist() == list(range(260))
    assert len(set(tracker[100:].tolist())) == 1


def test_a_frame_no_lane_saw_has_no_pose() -> None:
    poses = _track_all(plan_lanes(200, 2, 15, 0), 90, decoded=92)
    assert [p.detected for p in poses[-2:]] == [False, False]
    assert not np.isfinite(poses[-1].xy).any()


def test_a_lane_error_reaches_the_caller_and_stops_the_other_lanes() -> None:
    FakeTracker.fail_at = 250
    with pytest.raises(RuntimeError, match="frame 250"):
        _track_all(plan_lanes(300, 2, 15, 0), 300)
    assert not [t for t in threading.enumerate() if t.name.startswith("lane-")]


def test_a_later_lanes_error_ends_the_run_before_its_stretch_is_reached(monkeypatch) -> None:
    stalled = threading.Event()
    real_stream = FakeTracker.stream

    def stream(self: FakeTracker, frames: Iterator[Frame]) -> Iterator[tuple[Frame, PoseFrame]]:
        for frame, pose in real_stream(self, frames):
            if frame.index == 50:
                stalled.wait(10.0)  # the first lane is stuck at frame 50 until the test ends
            yield frame, pose

    monkeypatch.setattr(FakeTracker, "stream", stream)
    FakeTracker.fail_at = 160  # the second lane fails at once
    got: list[PoseFrame] = []
    lanes = LaneTracker(plan_lanes(300, 2, 15, 0), lambda: FakeSource(300), FakeTracker)
    with pytest.raises(RuntimeError, match="frame 160"), lanes:
        try:
            for i in range(300):
                got.append(lanes.detect(Frame(i, i / 30.0, np.zeros((4, 4, 3), np.uint8))))
        finally:
            stalled.set()  # lets the first lane end
    assert len(got) <= 50  # raised while waiting for the stuck first lane, not at frame 160


def test_leaving_early_stops_every_lane() -> None:
    with LaneTracker(plan_lanes(100_000, 2, 15, 0), lambda: FakeSource(100_000), FakeTracker) as t:
        t.detect(Frame(0, 0.0, np.zeros((4, 4, 3), np.uint8)))
    assert not [t for t in threading.enumerate() if t.name.startswith("lane-")]
    assert t.tracked() < 100_000


# -- native start-up chatter, quieted from several threads at once -----------------------------


def test_quieting_stderr_from_overlapping_threads_gives_it_back(tmp_path, monkeypatch) -> None:
    entered, release = threading.Barrier(2), threading.Event()

    def quiet_while(message: bytes, leave_first: bool) -> None:
        with native_stderr_quiet():
            entered.wait()
            os.write(2, message)
            if not leave_first:
                release.wait()
                os.write(2, b"chatter-late\n")
        if leave_first:
            release.set()  # the other thread is still inside: chatter must stay quiet

    log = tmp_path / "stderr.txt"
    saved = os.dup(2)
    with log.open("wb") as fh:
        os.dup2(fh.fileno(), 2)
    monkeypatch.setattr("sys.stderr", os.fdopen(2, "w", closefd=False))
    try:
        threads = [
            threading.Thread(target=quiet_while, args=(b"chatter-a\n", True)),
            threading.Thread(target=quiet_while, args=(b"chatter-b\n", False)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        os.write(2, b"after\n")
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    assert log.read_text() == "after\n"


# -- the real model: lanes against one tracker --------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not MODEL.is_file(), reason="the pose model is absent")
def test_lanes_give_one_trackers_poses_but_for_pixel_noise_after_the_seam(
    clip_keypoints, tmp_path: Path
) -> None:
    import dataclasses

    from hipthrust_cam.app.runs import analyze_video
    from hipthrust_cam.config import Config
    from hipthrust_cam.datatypes import SIDE_JOINTS
    from hipthrust_cam.pose.keypoints import load_keypoints

    video = SAMPLES / "clean_left.mp4"
    one = clip_keypoints(video.name)  # one tracker over the whole video
    config = Config()
    config = dataclasses.replace(config, pose=dataclasses.replace(config.pose, lanes=2))
    summary = analyze_video(video, tmp_path / "run", config, video_out=False)
    two = load_keypoints(tmp_path / "run" / "keypoints.npz")
    assert len(two) == len(one) == 498
    np.testing.assert_array_equal(two.t_s, one.t_s)
    seam = plan_lanes(498, 2, config.pose.lane_warmup_frames, config.pose.lane_min_frames)[1]
    assert seam.keep_from == 249
    # Before the seam the first lane is that same tracker, frame for frame.
    np.testing.assert_array_equal(two.xy[:249], one.xy[:249])
    joints = list(SIDE_JOINTS["left"].values())
    gap = np.hypot(*(two.xy[249:, joints] - one.xy[249:, joints]).transpose(2, 0, 1))
    assert np.median(gap) < 3.0 and np.percentile(gap, 99) < 15.0
    assert summary.report["rep_count"] == 3


@pytest.mark.slow
@pytest.mark.skipif(not MODEL.is_file(), reason="the pose model is absent")
@pytest.mark.parametrize(
    "video", cases(sorted(p.name for p in SAMPLES.glob("*.mp4")), strict=False)
)
def test_every_sample_through_two_lanes_matches_its_truth(video: str, tmp_path: Path) -> None:
    """The path users run (two lanes, with their seam): reps and faults as rendered."""
    import dataclasses
    import json

    from hipthrust_cam.app.runs import analyze_video
    from hipthrust_cam.config import Config

    config = Config()
    config = dataclasses.replace(config, pose=dataclasses.replace(config.pose, lanes=2))
    truth = json.loads((SAMPLES / video.replace(".mp4", ".truth.json")).read_text())
    report = analyze_video(SAMPLES / video, tmp_path / "run", config, video_out=False).report
    assert not problems(truth, report), f"{video}: {'; '.join(problems(truth, report))}"
