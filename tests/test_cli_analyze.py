"""`hipthrust-cam analyze` end to end on a bundled render, in-process through `main`."""

from __future__ import annotations

import json
import subprocess

import cv2
import imageio_ffmpeg
import pytest
from conftest import MODEL, SAMPLES

from hipthrust_cam.cli import main
from hipthrust_cam.pose.keypoints import load_keypoints

pytestmark = pytest.mark.slow  # the pose model over whole sample videos

SAMPLE = SAMPLES / "clean_left.mp4"


def _frame_count(path) -> int:
    return int(cv2.VideoCapture(str(path)).get(cv2.CAP_PROP_FRAME_COUNT))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    if not SAMPLE.is_file() or SAMPLE.stat().st_size < 1000 or not MODEL.is_file():
        pytest.skip("the bundled sample video or the pose model is missing")
    out = tmp_path_factory.mktemp("run") / "clean"
    assert main(["analyze", str(SAMPLE), "--out", str(out)]) == 0
    return out


def test_analyze_writes_every_output(run_dir) -> None:
    for name in (
        "annotated.mp4",
        "keypoints.npz",
        "report.json",
        "reps.csv",
        "timeline.csv",
        "report.html",
    ):
        assert (run_dir / name).is_file(), name
    assert list((run_dir / "thumbnails").glob("rep_*.jpg"))


def test_annotated_video_is_browser_playable_with_every_frame(run_dir) -> None:
    probe = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(run_dir / "annotated.mp4")],
        capture_output=True,
        text=True,
    )
    assert "h264" in probe.stderr and "yuv420p" in probe.stderr
    assert _frame_count(run_dir / "annotated.mp4") == _frame_count(SAMPLE)


def test_keypoints_cover_every_frame_and_replay_to_the_same_report(run_dir, tmp_path) -> None:
    series = load_keypoints(run_dir / "keypoints.npz")
    assert len(series) == _frame_count(SAMPLE)
    assert (series.num_poses > 0).all()
    again = tmp_path / "again"
    assert (
        main(["analyze", "--keypoints", str(run_dir / "keypoints.npz"), "--out", str(again)]) == 0
    )
    first = json.loads((run_dir / "report.json").read_text())
    second = json.loads((again / "report.json").read_text())
    assert second["rep_count"] == first["rep_count"]
    assert [r["faults"] for r in second["reps"]] == [r["faults"] for r in first["reps"]]


def test_clean_render_counts_its_reps_without_faults(run_dir) -> None:
    truth = json.loads(SAMPLE.with_suffix(".truth.json").read_text())
    report = json.loads((run_dir / "report.json").read_text())
    assert report["rep_count"] == truth["rep_count"]
    assert all(not r["faults"] for r in report["reps"])


def test_existing_run_folder_needs_force(run_dir, capsys) -> None:
    assert main(["analyze", str(SAMPLE), "--out", str(run_dir), "--no-video"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--force" in err and len(err.splitlines()) == 1


def test_a_folder_of_videos_is_analysed_file_by_file_and_a_bad_one_does_not_stop_it(
    tmp_path, capsys
) -> None:
    if not SAMPLE.is_file() or not MODEL.is_file():
        pytest.skip("the bundled sample video or the pose model is missing")
    folder = tmp_path / "sets"
    folder.mkdir()
    names = ("clean_left", "rushed_no_pause")
    for name in names:
        (folder / f"{name}.mp4").write_bytes((SAMPLES / f"{name}.mp4").read_bytes())
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500)
    out = tmp_path / "runs"
    assert main(["analyze", str(folder), "--out", str(out), "--no-video"]) == 2
    err = capsys.readouterr().err
    assert sum("broken.mp4" in line for line in err.splitlines()) == 1  # one line for it
    assert "Traceback" not in err
    for name in names:
        truth = json.loads((SAMPLES / f"{name}.truth.json").read_text())
        report = json.loads((out / name / "report.json").read_text())
        assert report["rep_count"] == truth["rep_count"], name
        assert not (out / name / "annotated.mp4").exists()
