"""Every real clip in ../shared/clips, and its mirror image, gives what MANIFEST.md says.

The clips are other people's footage: they are read from ../shared/clips, never copied here, and
these tests skip with the reason when the folder is absent. Keypoints come from the product's
own `analyze` path (pose model, analysis rate, lanes), cached across runs by the content of the
clip and of the model, so a change of the analyzer is tested in seconds and a change of the
model re-runs it. The mirror (`hflip`) puts the other side of the body toward the camera.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from clip_expectations import EXPECTED, problems

from hipthrust_cam.config import Config
from hipthrust_cam.datatypes import KeypointSeries
from hipthrust_cam.report.assemble import analyze_series

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT.parent / "shared" / "clips"
SETTINGS = "analyze-v1"
"""Names the product's pose settings in cache keys: change it when the defaults change."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def mirrored(clip: Path, out: Path) -> Path:
    """The clip flipped left-right (upright first: the rotation flag is applied), losslessly."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    cmd = [ffmpeg, "-loglevel", "error", "-y", "-i", str(clip), "-vf", "hflip", "-an",
           "-c:v", "libx264", "-preset", "veryfast", "-crf", "12", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True)
    return out


def product_keypoints(video: Path, out_dir: Path) -> KeypointSeries:
    """The keypoints `hipthrust-cam analyze` records for a video (default config, no video)."""
    from hipthrust_cam.app.runs import analyze_video
    from hipthrust_cam.pose.keypoints import load_keypoints

    analyze_video(video, out_dir, Config(), video_out=False)
    return load_keypoints(out_dir / "keypoints.npz")


@pytest.fixture(scope="session")
def clip_series(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, bool], KeypointSeries]:
    """Returns `get(clip, mirror)`: the clip's keypoints from the product, cached across runs."""
    from hipthrust_cam.pose.blazepose import model_path
    from hipthrust_cam.pose.keypoints import load_keypoints, save_keypoints

    cache = Path(request.config.cache.mkdir("real_clips"))
    model = model_path(Config().pose.model)

    def get(clip: str, mirror: bool) -> KeypointSeries:
        path = CLIPS / clip
        if not path.is_file():
            pytest.skip(f"reference clip {path} is absent (../shared/clips sits beside the repo)")
        if not model.is_file():
            pytest.skip(f"pose model {model} is absent")
        name = f"{path.stem}{'-mirror' if mirror else ''}-{_sha(path)}-{_sha(model)}-{SETTINGS}"
        cached = cache / f"{name}.npz"
        if cached.is_file():
            return load_keypoints(cached)
        work = tmp_path_factory.mktemp(path.stem)
        video = mirrored(path, work / path.name) if mirror else path
        series = product_keypoints(video, work / "run")
        save_keypoints(series, cached)
        return series

    return get


@pytest.mark.slow
@pytest.mark.parametrize("mirror", [False, True], ids=["as-filmed", "mirrored"])
@pytest.mark.parametrize("clip", sorted(EXPECTED))
def test_the_clip_gives_what_its_manifest_says(
    clip_series: Callable[[str, bool], KeypointSeries], clip: str, mirror: bool
) -> None:
    _, report = analyze_series(clip_series(clip, mirror), Config())
    wrong = problems(clip, report)
    assert not wrong, f"{clip}{' (mirrored)' if mirror else ''}: {'; '.join(wrong)}"


@pytest.mark.slow
def test_the_barbell_lockout_is_judged_or_possible_with_its_confidence(
    clip_series: Callable[[str, bool], KeypointSeries],
) -> None:
    """The plate hides the hip: the lockout is no sure fault, and every fault says how sure."""
    _, report = analyze_series(clip_series("ht_barbell_side_gym.mp4", False), Config())
    for rep in report["reps"]:
        lockout = [f for f in rep["faults"] if f["code"] == "incomplete_lockout"]
        assert all(f["possible"] for f in lockout)
        assert all(0.0 < f["confidence"] <= 1.0 for f in rep["faults"])
        assert 0.0 < rep["confidence"] <= 1.0


@pytest.mark.slow
def test_the_mirrored_clip_is_judged_from_the_other_side(
    clip_series: Callable[[str, bool], KeypointSeries],
) -> None:
    _, filmed = analyze_series(clip_series("ht_db_feetfar_side_tiktok.mp4", False), Config())
    _, mirror = analyze_series(clip_series("ht_db_feetfar_side_tiktok.mp4", True), Config())
    assert {filmed["setup"]["side"], mirror["setup"]["side"]} == {"left", "right"}
