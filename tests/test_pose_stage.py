"""The pose stage and its edges: sources, the MediaPipe and replay backends, the video writer."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MODEL, SAMPLES, require_clip

from hipthrust_cam.analysis.silhouette import silhouette_profiles
from hipthrust_cam.datatypes import Frame, KeypointSeries, Landmark, PoseFrame
from hipthrust_cam.media.sources import SourceError, VideoFileSource
from hipthrust_cam.pose.blazepose import MediaPipePose
from hipthrust_cam.pose.protocol import PoseError
from hipthrust_cam.pose.replay import ReplayPose


def _frames(n: int, size: tuple[int, int] = (64, 48)) -> list[Frame]:
    w, h = size
    rng = np.random.default_rng(0)
    return [Frame(i, i / 30.0, rng.integers(0, 255, (h, w, 3), np.uint8)) for i in range(n)]


def test_rotated_phone_video_comes_out_upright() -> None:
    path = require_clip("neg_pushup_rot90meta_gym.mp4")
    with VideoFileSource(path) as source:
        first = next(iter(source))
    assert (source.info.width, source.info.height) == (720, 1280)
    assert first.image.shape == (1280, 720, 3)


def test_source_times_come_from_the_container_and_increase() -> None:
    path = require_clip("neg_deadlift_side_gym.mp4")  # 60 fps, irregular first interval
    with VideoFileSource(path) as source:
        times = np.array([f.t_s for f in source])
    assert len(times) == 430
    assert np.all(np.diff(times) > 0)
    assert times[-1] == pytest.approx(7.15, abs=0.05)


def test_large_video_is_analysed_at_a_bounded_size() -> None:
    path = require_clip("neg_pushup_rot90meta_gym.mp4")
    with VideoFileSource(path, max_long_side=640) as source:
        first = next(iter(source))
    assert max(first.image.shape[:2]) == 640
    assert source.info.height == 640


@pytest.mark.parametrize("content", [b"", b"not a video at all\n" * 20])
def test_unreadable_files_raise_a_one_line_source_error(tmp_path, content) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    with pytest.raises(SourceError) as info:
        VideoFileSource(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_missing_model_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(PoseError, match="not found"), MediaPipePose(tmp_path / "none.task"):
        pass


@pytest.mark.slow  # the pose model over a whole clip (cached across runs)
def test_lifter_is_found_in_every_frame_of_a_real_side_view_set(clip_keypoints) -> None:
    series = clip_keypoints("ht_db_feetfar_side_tiktok.mp4")
    assert len(series) == 400
    assert (series.num_poses > 0).all()
    w, h = series.image_size
    hip = series.xy[:, Landmark.LEFT_HIP]
    # The lifter lies on a box in the right half, hips in the middle band of the frame.
    assert np.all((hip[:, 0] > 0.3 * w) & (hip[:, 0] < 0.8 * w))
    assert np.all((hip[:, 1] > 0.3 * h) & (hip[:, 1] < 0.8 * h))
    # Left side faces the camera: its hip is the more visible one.
    assert (
        series.visibility[:, Landmark.LEFT_HIP].mean()
        > series.visibility[:, Landmark.RIGHT_HIP].mean()
    )


@pytest.mark.slow  # the pose model over a whole clip (cached across runs)
def test_backends_share_one_contract(clip_keypoints) -> None:
    """MediaPipe and replay both give well-formed PoseFrames with the frame's time."""
    if not MODEL.is_file():
        pytest.skip("pose model absent")
    frames = _frames(3)
    series = KeypointSeries.from_frames([PoseFrame.empty(f.t_s) for f in frames], (64, 48), 30.0)
    for backend in (MediaPipePose(MODEL), ReplayPose(series)):
        with backend as pose:
            results = [pose.detect(f) for f in frames]
        assert [r.t_s for r in results] == [f.t_s for f in frames]
        for r in results:
            assert r.xy.shape == (33, 2) and r.visibility.shape == (33,)
            assert not r.detected  # noise frames hold nobody
            assert np.isnan(r.xy).all() and (r.visibility == 0).all()


@pytest.mark.slow  # the pose model over a whole clip (cached across runs)
def test_replay_serves_the_recorded_poses_in_order(clip_keypoints) -> None:
    series = clip_keypoints("gb_band_side_pexels.mp4")
    frames = _frames(len(series) + 2)
    with ReplayPose(series) as pose:
        got = [pose.detect(f) for f in frames]
    np.testing.assert_array_equal(got[10].xy, series.xy[10])
    assert not got[-1].detected  # past the end: nobody, not a crash


def test_silhouette_profiles_trace_the_back_and_chest_of_a_mask() -> None:
    mask = np.zeros((200, 400), np.float32)
    mask[80:131, 50:351] = 1.0  # a horizontal torso band, 50 px thick
    shoulder, hip = np.array([60.0, 100.0]), np.array([340.0, 100.0])  # line 20 px from top
    back, front = silhouette_profiles(mask, shoulder, hip)
    length = 280.0
    np.testing.assert_allclose(back, 31 / length, atol=2 / length)  # down to row 130
    np.testing.assert_allclose(front, 21 / length, atol=2 / length)  # up to row 80
    # An arch: the back contour rises in the middle.
    mask[115:131, 150:250] = 0.0
    arched, _ = silhouette_profiles(mask, shoulder, hip)
    assert arched[7] < back[7] - 10 / length and arched[0] == pytest.approx(back[0])


def test_silhouette_is_nan_without_a_torso() -> None:
    nowhere = np.array([np.nan, 5.0])
    back, front = silhouette_profiles(np.ones((10, 10)), np.array([5.0, 5.0]), nowhere)
    assert np.isnan(back).all() and np.isnan(front).all()


def _two_people_video(path) -> None:
    """Two lifters side by side (the bundled render and its mirror image)."""
    import cv2

    from hipthrust_cam.media.video import H264Writer

    with (
        VideoFileSource(SAMPLES / "clean_left.mp4") as source,
        H264Writer(path, (854, 480), 30.0) as writer,
    ):
        for frame in source:
            if frame.index >= 90:
                break
            if frame.index >= 60:
                small = cv2.resize(frame.image, (427, 240))
                image = np.full((480, 854, 3), 200, np.uint8)
                image[120:360, :427] = small
                image[120:360, 427:] = cv2.flip(small, 1)
                writer.write(image)


@pytest.mark.slow  # the pose model over two videos
def test_several_people_are_counted_while_one_lifter_is_tracked(tmp_path) -> None:
    if not (SAMPLES / "clean_left.mp4").is_file() or not MODEL.is_file():
        pytest.skip("the bundled sample or the pose model is missing")
    path = tmp_path / "two.mp4"
    _two_people_video(path)
    with VideoFileSource(path) as source, MediaPipePose(MODEL) as pose:
        counts = [pose.detect(frame).num_poses for frame in source]
    assert len(counts) == 30 and min(counts) >= 1
    assert sum(c >= 2 for c in counts) >= 15  # "several people" is seen
    with VideoFileSource(SAMPLES / "clean_left.mp4") as source, MediaPipePose(MODEL) as pose:
        alone = [pose.detect(frame).num_poses for _, frame in zip(range(90), source, strict=False)]
    assert max(alone) == 1


@pytest.mark.slow  # the pose model over a video, twice
def test_streamed_poses_equal_detected_ones_with_the_count_running_behind(tmp_path) -> None:
    """`stream` lets the people count lag behind the tracker; the poses must not change."""
    if not (SAMPLES / "clean_left.mp4").is_file() or not MODEL.is_file():
        pytest.skip("the bundled sample or the pose model is missing")
    path = tmp_path / "two.mp4"
    _two_people_video(path)
    with VideoFileSource(path) as source:
        frames = list(source)
    with MediaPipePose(MODEL, count_people_every=4) as pose:
        detected = [pose.detect(frame) for frame in frames]
    with MediaPipePose(MODEL, count_people_every=4) as pose:
        streamed = list(pose.stream(frames, lag=3))
    assert [f.index for f, _ in streamed] == [f.index for f in frames]
    assert [p.num_poses for _, p in streamed] == [p.num_poses for p in detected]
    assert max(p.num_poses for p in detected) >= 2
    for (_, a), b in zip(streamed, detected, strict=True):
        np.testing.assert_array_equal(a.xy, b.xy)
        np.testing.assert_array_equal(a.back_profile, b.back_profile)
