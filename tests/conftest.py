"""Shared fixtures: paths to the reference clips, their keypoints from the real pose stage, and
the committed golden keypoints of the rendered samples (see tests/golden/README.md)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from hipthrust_cam.config import Config
from hipthrust_cam.datatypes import KeypointSeries

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT.parent / "shared" / "clips"
SAMPLES = ROOT / "sample_videos"
GOLDEN = ROOT / "tests" / "golden"
MODEL = ROOT / "models" / "pose_landmarker_full.task"
POSE_SETTINGS = "track1-count15"
"""Names the pose stage's behaviour in cache keys (its settings, libraries and code are also
keyed, by `pose_stage_key`): change it when something else alters its output."""


def pytest_configure(config: pytest.Config) -> None:
    """Runs that `analyze` and `live` add to the history go to a throwaway data folder, never
    the user's own (a test that needs its own passes --data-dir or sets the variable)."""
    import os
    import tempfile

    os.environ["HIPTHRUST_CAM_DATA_DIR"] = tempfile.mkdtemp(prefix="hipthrust-test-data-")


def pytest_unconfigure(config: pytest.Config) -> None:
    import os
    import shutil

    folder = os.environ.get("HIPTHRUST_CAM_DATA_DIR", "")
    if "hipthrust-test-data-" in folder:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/ from the current pose model and analyzer (see its README)",
    )


def default_model() -> Path:
    """The `.task` file the default `Config()` runs (`pose.model`)."""
    from hipthrust_cam.pose.blazepose import model_path

    return model_path(Config().pose.model)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@cache
def pose_stage_key() -> str:
    """Names everything besides the video and the model that the pose stage's output depends on.

    The default pose and video settings, the versions of MediaPipe and OpenCV (the decoder)
    and the source of the pose stage and the video reader: a cache entry made with other
    settings, libraries or code is never served.
    """
    from importlib.metadata import version

    import cv2

    package = ROOT / "hipthrust_cam"
    code = sorted([*(package / "pose").glob("*.py"), package / "media" / "sources.py"])
    config = Config().to_dict()
    stage = {
        "behaviour": POSE_SETTINGS,
        "code": [_sha(path) for path in code],
        "pose": config["pose"],
        "video": config["video"],
        "mediapipe": version("mediapipe"),
        "opencv": cv2.__version__,
    }
    return hashlib.sha256(json.dumps(stage, sort_keys=True).encode()).hexdigest()[:12]


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
    the default model's content and `pose_stage_key()`, so a changed clip, model, default pose
    setting, pose-stage code or MediaPipe/OpenCV version is never served stale keypoints.
    """
    from hipthrust_cam.pose.keypoints import load_keypoints, save_keypoints

    cache_dir = Path(request.config.cache.mkdir("clip_keypoints"))
    memo: dict[str, KeypointSeries] = {}

    def get(name: str) -> KeypointSeries:
        if name in memo:
            return memo[name]
        path = SAMPLES / name if (SAMPLES / name).is_file() else require_clip(name)
        model = default_model()
        if not model.is_file():
            pytest.skip(f"pose model {model} is absent")
        cached = cache_dir / f"{path.stem}-{_sha(path)}-{_sha(model)}-{pose_stage_key()}.npz"
        if cached.is_file():
            series = load_keypoints(cached)
        else:
            series = extract_keypoints(path)
            save_keypoints(series, cached)
        memo[name] = series
        return series

    return get


def extract_keypoints(path: Path, config: Config | None = None) -> KeypointSeries:
    """Runs the real pose stage over a whole video as `analyze` does with one lane.

    The backend and the decoder are built from `config` (default `Config()`) by the product's
    own `pose_backend`; the frames `rate.analysed` picks at `pose.max_fps` go through its
    `stream`, and the series carries the analysed rate, as in `analyze_video`.
    """
    from hipthrust_cam.app.runs import pose_backend
    from hipthrust_cam.media.sources import VideoFileSource
    from hipthrust_cam.pose.protocol import poses
    from hipthrust_cam.pose.rate import analysed_fps, analysed_frames

    config = config or Config()
    max_fps = config.pose.max_fps
    with VideoFileSource(path, config.video.max_long_side) as source, pose_backend(config) as pose:
        frames = [pose_frame for _, pose_frame in poses(pose, analysed_frames(source, max_fps))]
        info = source.info
    size, rate = (info.width, info.height), analysed_fps(info.fps, max_fps)
    return KeypointSeries.from_frames(frames, size, rate, str(path))


def golden_path(name: str, kind: str) -> Path:
    """`tests/golden/<stem>.<kind>` for a sample video `name` (kind: keypoints.npz, report.json)."""
    return GOLDEN / f"{Path(name).stem}.{kind}"


@pytest.fixture(scope="session")
def golden_keypoints() -> Callable[[str], KeypointSeries]:
    """Returns `get(name)`: a rendered sample's committed golden keypoints (no pose model)."""
    from hipthrust_cam.pose.keypoints import load_keypoints

    memo: dict[str, KeypointSeries] = {}

    def get(name: str) -> KeypointSeries:
        if name not in memo:
            path = golden_path(name, "keypoints.npz")
            if not path.is_file():
                pytest.fail(
                    f"{path.relative_to(ROOT)} is missing: make it with "
                    "`python -m pytest tests/test_golden.py --regen-golden`"
                )
            memo[name] = load_keypoints(path)
        return memo[name]

    return get


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray instance (every core of this machine) shared by the tests that need Ray,
    stopped at the end of the session: starting one takes several seconds."""
    import logging

    ray = pytest.importorskip(
        "ray", reason='ray is not installed: pip install -c constraints.txt -e ".[cluster]"'
    )
    ray.init(address="local", logging_level=logging.ERROR, log_to_driver=False)
    yield ray
    ray.shutdown()
