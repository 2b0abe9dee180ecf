"""Shared fixtures: paths to the reference clips and their keypoints from the real pose stage."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from hipthrust_cam.datatypes import KeypointSeries

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT.parent / "shared" / "clips"
SAMPLES = ROOT / "sample_videos"
MODEL = ROOT / "models" / "pose_landmarker_full.task"
POSE_SETTINGS = "track1-count15"
"""Names the pose stage's default settings in cache keys: change it when they change."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def require_clip(name: str) -> Path:
    """The path of a reference clip, or a skip saying why it is missing."""
    path = CLIPS / name
    if not CLIPS.is_dir():
        pytest.skip(f"reference clips folder {CLIPS} is absent (it sits beside the repository)")
    if not path.is_file():
        pytest.skip(f"reference clip {name} is absent from {CLIPS}")
    return path


@pytest.fixture(scope="session")
def clip_keypoints(request: pytest.FixtureRequest) -> Callable[[str], KeypointSeries]:
    """Returns `get(name)`: a video's keypoints from the real pose stage, cached across runs.

    `name` is a file in ../shared/clips or in sample_videos/. The cache key is the video's and
    the model's content, so a changed clip or model is never served stale keypoints.
    """
    from hipthrust_cam.pose.keypoints import load_keypoints, save_keypoints

    cache_dir = Path(request.config.cache.mkdir("clip_keypoints"))
    memo: dict[str, KeypointSeries] = {}

    def get(name: str) -> KeypointSeries:
        if name in memo:
            return memo[name]
        path = SAMPLES / name if (SAMPLES / name).is_file() else require_clip(name)
        if not MODEL.is_file():
            pytest.skip(f"pose model {MODEL} is absent")
        cached = cache_dir / f"{path.stem}-{_sha(path)}-{_sha(MODEL)}-{POSE_SETTINGS}.npz"
        if cached.is_file():
            series = load_keypoints(cached)
        else:
            series = extract_keypoints(path)
            save_keypoints(series, cached)
        memo[name] = series
        return series

    return get


def extract_keypoints(path: Path) -> KeypointSeries:
    """Runs the real pose stage over a whole video."""
    from hipthrust_cam.media.sources import VideoFileSource
    from hipthrust_cam.pose.blazepose import MediaPipePose

    with VideoFileSource(path) as source, MediaPipePose(MODEL) as pose:
        frames = [pose.detect(frame) for frame in source]
        info = source.info
    return KeypointSeries.from_frames(frames, (info.width, info.height), info.fps, str(path))
