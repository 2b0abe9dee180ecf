"""The analysis rate: 60 fps is analysed at 30 fps, and the annotated video keeps every frame."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from hipthrust_cam.datatypes import Frame
from hipthrust_cam.pose.rate import analysed, analysed_frames

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_videos" / "clean_left.mp4"


def picked(fps: float, seconds: float, max_fps: float, jitter_s: float = 0.0) -> int:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * fps)) / fps
    t = t + rng.uniform(-jitter_s, jitter_s, len(t))
    frames = [Frame(i, float(ts), np.zeros((2, 2, 3), np.uint8)) for i, ts in enumerate(t)]
    return len(list(analysed_frames(frames, max_fps)))


@pytest.mark.parametrize(
    ("fps", "expected"),
    [(60.0, 300), (59.94, 300), (50.0, 300), (30.0, 300), (29.97, 299), (25.0, 250), (120.0, 300)],
)
def test_a_fast_video_is_analysed_at_most_at_30_fps(fps: float, expected: int) -> None:
    assert abs(picked(fps, 10.0, 30.0) - expected) <= 1


def test_a_phone_videos_jittery_clock_still_gives_30_fps() -> None:
    assert abs(picked(60.0, 10.0, 30.0, jitter_s=0.003) - 300) <= 3


def test_no_limit_analyses_every_frame() -> None:
    assert picked(60.0, 2.0, 0.0) == 120
    assert analysed(None, 0.0, 30.0)  # the first frame always


def test_every_reader_picks_the_same_frames_whatever_frame_it_starts_from() -> None:
    """A lane that starts mid-video (after its warm-up frame) agrees with one reader."""
    t = [i / 60.0 for i in range(600)]
    whole = {i for i in range(1, 600) if analysed(t[i - 1], t[i], 30.0)}
    lane = {i for i in range(301, 600) if analysed(t[i - 1], t[i], 30.0)}
    assert lane == {i for i in whole if i >= 301}


def _at_60_fps(tmp_path: Path) -> Path:
    """The bundled sample re-encoded at 60 fps (each frame twice): one set, twice the frames."""
    import imageio_ffmpeg

    out = tmp_path / "clean_left_60fps.mp4"
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    cmd = [ffmpeg, "-loglevel", "error", "-i", str(SAMPLE), "-vf", "fps=60", "-c:v", "libx264",
           "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True)
    return out


def _frames_in(video: Path) -> int:
    import cv2

    cap = cv2.VideoCapture(str(video))
    count = 0
    while cap.grab():
        count += 1
    return count


@pytest.mark.slow
def test_a_60_fps_set_counts_like_the_30_fps_one_and_keeps_every_frame(tmp_path: Path) -> None:
    from hipthrust_cam.cli import main
    from hipthrust_cam.pose.keypoints import load_keypoints

    video = _at_60_fps(tmp_path)
    assert main(["analyze", str(video), "--out", str(tmp_path / "run")]) == 0
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    truth = json.loads(SAMPLE.with_suffix("").with_suffix(".truth.json").read_text())
    assert report["rep_count"] == truth["rep_count"]
    assert report["summary"]["clean_reps"] == truth["rep_count"]
    analysed_frames_count = len(load_keypoints(tmp_path / "run" / "keypoints.npz"))
    assert abs(analysed_frames_count - _frames_in(SAMPLE)) <= 2  # analysed at 30 fps
    assert _frames_in(tmp_path / "run" / "annotated.mp4") == _frames_in(video)  # every frame


@pytest.mark.parametrize("start", [0, 151])
def test_a_reader_asked_for_the_analysed_frames_gives_exactly_those(start: int) -> None:
    """A lane's decoder skips the frames it does not analyse without converting them, yet
    yields the same frames, times and pixels as filtering every frame of the video."""
    from hipthrust_cam.media.sources import VideoFileSource

    video = ROOT / "sample_videos" / "gym_barbell_left.mp4"  # 60 fps
    with VideoFileSource(video) as source:
        every = [f for f in analysed_frames(source.frames(), 30.0) if f.index >= start]
    with VideoFileSource(video) as source:
        picked_only = list(source.frames(start, 30.0))
    assert [f.index for f in picked_only] == [f.index for f in every]
    assert len(every) > 100 and {f.index % 2 for f in every} == {0}  # every other frame
    assert [f.t_s for f in picked_only] == [f.t_s for f in every]
    for a, b in zip(picked_only[::25], every[::25], strict=True):
        np.testing.assert_array_equal(a.image, b.image)
