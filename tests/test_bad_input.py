"""Every bad input or fault gives a clear one-line error, the right exit status, and
loses nothing that was already measured.

The table runs `cli.main([...])` in-process in a scratch folder and checks the exit status, that
stderr is one line without a traceback (for errors), and which files were written. Inputs are
tiny videos made with the ffmpeg that imageio-ffmpeg ships (64-160 px, under 2 s) and doctored
keypoints of the reference clips; Ctrl-C is tested on a subprocess.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import MODEL, ROOT
from processes import read_stderr_until, wait_for_video_data

from hipthrust_cam import cli

REPORT_FILES = {"report.json", "reps.csv", "timeline.csv", "report.html", "keypoints.npz"}

needs_model = pytest.mark.skipif(not MODEL.is_file(), reason=f"pose model {MODEL} is absent")


# ---------------------------------------------------------------------------------------------
# Inputs


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def make_video(
    path: Path,
    *args: str,
    size: str = "96x64",
    rate: int = 10,
    seconds: float = 1.0,
    source: str = "noise",
) -> Path:
    """Encodes a short H.264 MP4 of random noise (nobody in it) or a test pattern."""
    lavfi = {
        "noise": f"nullsrc=s={size}:r={rate},geq=random(1)*255:128:128",
        "pattern": f"testsrc=size={size}:rate={rate}",
    }[source]
    subprocess.run(
        [
            _ffmpeg(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            lavfi,
            "-t",
            str(seconds),
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            *args,
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every bad (and one good) input file, made once for the module."""
    d = tmp_path_factory.mktemp("media")
    m: dict[str, Path] = {}
    m["good"] = make_video(d / "good.mp4")
    m["long"] = make_video(d / "long.mp4", "-g", "4", "-movflags", "+faststart", seconds=2.0)
    full = m["long"].read_bytes()
    (d / "half.mp4").write_bytes(full[: len(full) // 2])
    m["half"] = d / "half.mp4"
    # Long enough for two lanes (300 frames claimed), cut to about half.
    m["long_lanes"] = make_video(
        d / "long_lanes.mp4", "-g", "4", "-movflags", "+faststart", rate=10, seconds=30.0
    )
    whole = m["long_lanes"].read_bytes()
    (d / "half_lanes.mp4").write_bytes(whole[: len(whole) // 2])
    m["half_lanes"] = d / "half_lanes.mp4"
    rng = np.random.default_rng(8)
    mid = bytearray(full)
    n = len(mid)
    mid[n // 3 : n // 3 + n // 4] = rng.integers(0, 256, n // 4, dtype=np.uint8).tobytes()
    (d / "mid.mp4").write_bytes(bytes(mid))
    m["mid"] = d / "mid.mp4"
    (d / "text.mp4").write_text("this is not a video\n" * 50)
    m["text"] = d / "text.mp4"
    (d / "zero.mp4").write_bytes(b"")
    m["zero"] = d / "zero.mp4"
    import cv2

    cv2.imwrite(str(d / "photo.png"), np.full((48, 64, 3), 120, np.uint8))
    m["png"] = d / "photo.png"
    m["noframes"] = make_video(d / "noframes.mp4", "-frames:v", "0")
    m["fps_absurd"] = d / "fps_absurd.mp4"
    subprocess.run(
        [
            _ffmpeg(),
            "-v",
            "error",
            "-y",
            "-i",
            str(m["good"]),
            "-c",
            "copy",
            "-bsf:v",
            "setts=ts=N*100000000:duration=100000000",
            str(m["fps_absurd"]),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    m["fps_1000"] = make_video(d / "fps_1000.mp4", rate=1000, seconds=0.02, source="pattern")
    m["4k"] = make_video(d / "4k.mp4", size="3840x2160", rate=10, seconds=0.3, source="pattern")
    return m


@pytest.fixture
def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """`run(*argv)` -> (status, stdout, stderr) of the CLI, in a scratch current folder."""
    monkeypatch.chdir(tmp_path)

    def call(*argv: str | Path) -> tuple[int, str, str]:
        status = cli.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return status, out, err

    return call


def one_line_error(err: str, *words: str) -> None:
    """stderr is exactly one `hipthrust-cam: ...` line holding each of `words`."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hipthrust-cam: ")
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]


def written(folder: Path) -> set[str]:
    """Names of files (not folders) directly in `folder`, empty when it does not exist."""
    return {p.name for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()


def report_of(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Files that are not (usable) videos: exit 2, one line, nothing written


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("missing", ["missing.mp4", "no such file"]),
        ("text", ["text.mp4", "cannot be read as a video"]),
        ("zero", ["zero.mp4", "empty"]),
        ("png", ["photo.png", "image, not a video"]),
        ("noframes", ["noframes.mp4", "video"]),
    ],
)
def test_unusable_file_is_one_clear_line_and_writes_nothing(run, media, tmp_path, name, words):
    path = media.get(name, tmp_path / "missing.mp4")
    status, out, err = run("analyze", path, "--out", tmp_path / "run")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, *words)
    assert not (tmp_path / "run").exists()
    assert out == ""


def test_folder_without_videos_says_so(run, tmp_path):
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "notes.txt").write_text("hello")
    status, _, err = run("analyze", tmp_path / "clips")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "clips", "no video files")


@pytest.mark.slow  # worker processes, one per file
@needs_model
def test_folder_with_a_bad_video_still_analyses_the_good_ones(run, media, tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(media["good"].read_bytes())
    (folder / "b.mp4").write_bytes(media["text"].read_bytes())
    status, out, err = run("analyze", folder, "--out", tmp_path / "runs", "--no-video")
    assert status == cli.Exit.BAD_INPUT  # one input was bad...
    one_line_error(err, "b.mp4")
    assert written(tmp_path / "runs" / "a") >= REPORT_FILES  # ...but the good one is written
    assert not (tmp_path / "runs" / "b").exists()
    assert "wrote" in out


# ---------------------------------------------------------------------------------------------
# Damaged or odd videos that still hold frames: analysed, never a crash


@needs_model
@pytest.mark.parametrize("name", ["mid", "fps_absurd", "fps_1000"])
def test_damaged_or_odd_video_is_analysed_or_refused_cleanly(run, media, tmp_path, name):
    status, _, err = run("analyze", media[name], "--out", tmp_path / "run", "--no-video")
    assert status in (cli.Exit.OK, cli.Exit.BAD_INPUT)
    if status == cli.Exit.BAD_INPUT:
        one_line_error(err, media[name].name)
        return
    source = report_of(tmp_path / "run")["source"]
    assert 1.0 <= source["fps"] <= 1000.0  # absurd metadata never reaches the report
    assert source["frames"] >= 1
    assert 0 < source["duration_s"] < 60  # frames 28 h apart in the file: times not trusted


@needs_model
@pytest.mark.parametrize(  # one tracker, and two lanes planned (the model over 30 s: slow)
    "name", ["long", pytest.param("long_lanes", marks=pytest.mark.slow)]
)
def test_video_cut_short_is_analysed_up_to_the_cut_with_one_warning(
    run, media, tmp_path, caplog, name
):
    import cv2

    status, _, _ = run("analyze", media[name], "--out", tmp_path / "full", "--no-video")
    assert status == cli.Exit.OK
    full_frames = report_of(tmp_path / "full")["source"]["frames"]
    cut = media[name.replace("long", "half")]
    caplog.clear()
    status, _, _ = run("analyze", cut, "--out", tmp_path / "run", "--no-video")
    assert status == cli.Exit.OK
    readable = 0
    capture = cv2.VideoCapture(str(cut))
    while capture.read()[0]:
        readable += 1
    frames = report_of(tmp_path / "run")["source"]["frames"]
    assert 0 < frames == readable < full_frames  # every readable frame, each once
    assert sum("ended after" in r.getMessage() for r in caplog.records) == 1


@needs_model
def test_4k_video_is_analysed_at_a_bounded_size(run, media, tmp_path):
    import cv2

    status, _, _ = run("analyze", media["4k"], "--out", tmp_path / "run")
    assert status == cli.Exit.OK
    source = report_of(tmp_path / "run")["source"]
    assert max(source["width"], source["height"]) <= 1280
    cap = cv2.VideoCapture(str(tmp_path / "run" / "annotated.mp4"))
    assert cap.get(cv2.CAP_PROP_FRAME_WIDTH) <= 1280
    cap.release()


@needs_model
def test_nobody_in_frame_is_a_report_that_says_so(run, media, tmp_path):
    status, out, _ = run("analyze", media["good"], "--out", tmp_path / "run")
    assert status == cli.Exit.OK
    report = report_of(tmp_path / "run")
    assert report["rep_count"] == 0
    assert "nobody" in report["setup"]["warning_codes"]
    assert "Nobody" in out
    assert REPORT_FILES | {"annotated.mp4"} <= written(tmp_path / "run")


# ---------------------------------------------------------------------------------------------
# People: leaving mid-set, two people, front view, partial body (real clips' keypoints)


def _doctored(series, tmp_path: Path, name: str, **changes: Callable[[dict], None]) -> Path:
    from hipthrust_cam.datatypes import KeypointSeries
    from hipthrust_cam.pose.keypoints import save_keypoints

    arrays = {
        f.name: np.array(getattr(series, f.name))
        for f in dataclasses.fields(series)
        if isinstance(getattr(series, f.name), np.ndarray)
    }
    for change in changes.values():
        change(arrays)
    doctored = KeypointSeries(
        **arrays, image_size=series.image_size, fps=series.fps, source=series.source
    )
    return save_keypoints(doctored, tmp_path / name)


def _blank(t0: float, t1: float) -> Callable[[dict], None]:
    def change(a: dict) -> None:
        gone = (a["t_s"] >= t0) & (a["t_s"] < t1)
        for key in ("xy", "world", "back_profile", "front_profile"):
            a[key][gone] = np.nan
        a["visibility"][gone] = 0.0
        a["presence"][gone] = 0.0
        a["num_poses"][gone] = 0

    return change


@pytest.mark.slow  # the pose model over a whole clip (cached across runs)
def test_person_leaving_mid_set_and_coming_back_keeps_both_reps(run, clip_keypoints, tmp_path):
    series = clip_keypoints("ht_db_feetfar_side_tiktok.mp4")  # tops at ~2.9 s and ~8.8 s
    path = _doctored(series, tmp_path, "left.npz", gone=_blank(4.8, 6.8))
    status, _, _ = run("analyze", "--keypoints", path, "--out", tmp_path / "run")
    assert status == cli.Exit.OK
    report = report_of(tmp_path / "run")
    assert report["rep_count"] == 2
    assert report["source"]["frames"] == len(series)


@pytest.mark.slow  # the pose model over a whole clip (cached across runs)
def test_two_people_in_frame_is_warned_about(run, clip_keypoints, tmp_path):
    series = clip_keypoints("ht_db_feetfar_side_tiktok.mp4")

    def second_person(a: dict) -> None:
        a["num_poses"][:] = 2

    path = _doctored(series, tmp_path, "two.npz", two=second_person)
    status, _, _ = run("analyze", "--keypoints", path, "--out", tmp_path / "run")
    assert status == cli.Exit.OK
    assert "several" in report_of(tmp_path / "run")["setup"]["warning_codes"]


@pytest.mark.slow  # the pose model over whole clips (cached across runs)
@pytest.mark.parametrize(
    ("clip", "code"),
    [
        ("neg_squat_front_pexels.mp4", "front_view"),
        ("neg_inclinepushup_side_closeup_pexels.mp4", None),
    ],
)
def test_front_view_or_partial_body_counts_nothing_and_says_why(
    run, clip_keypoints, tmp_path, clip, code
):
    from hipthrust_cam.pose.keypoints import save_keypoints

    path = save_keypoints(clip_keypoints(clip), tmp_path / "clip.npz")
    status, _, _ = run("analyze", "--keypoints", path, "--out", tmp_path / "run")
    assert status == cli.Exit.OK
    report = report_of(tmp_path / "run")
    assert report["rep_count"] == 0
    assert report["setup"]["warnings"]  # the user is told why nothing was counted
    if code:
        assert code in report["setup"]["warning_codes"]


# ---------------------------------------------------------------------------------------------
# Output folders


@pytest.fixture
def keypoints_npz(tmp_path: Path) -> Path:
    """A short synthetic set's keypoints (no pose model needed to analyse it)."""
    from hipthrust_cam.pose.keypoints import save_keypoints
    from hipthrust_cam.synth import SetSpec, simulate

    return save_keypoints(simulate(SetSpec(reps=2)).series, tmp_path / "set.npz")


def test_output_folder_that_cannot_be_written_is_one_line(run, keypoints_npz, tmp_path):
    (tmp_path / "somefile.txt").write_text("a file, not a folder")
    status, _, err = run(
        "analyze", "--keypoints", keypoints_npz, "--out", tmp_path / "somefile.txt" / "run"
    )
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "somefile.txt", "choose another --out")


def test_output_path_that_is_a_file_is_one_line(run, keypoints_npz, tmp_path):
    (tmp_path / "taken").write_text("a file where the run folder should go")
    status, _, err = run("analyze", "--keypoints", keypoints_npz, "--out", tmp_path / "taken")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "taken", "choose another --out")
    assert (tmp_path / "taken").read_text().startswith("a file")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: d / "none.npz", ["none.npz", "not found"]),
        (lambda d: d, ["keypoints"]),
        (lambda d: (d / "t.npz").write_text("text") and d / "t.npz", ["t.npz", "keypoints"]),
    ],
    ids=["missing", "folder", "text"],
)
def test_bad_keypoints_file_is_one_line(run, tmp_path, make, words):
    status, _, err = run("analyze", "--keypoints", make(tmp_path), "--out", tmp_path / "run")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, *words)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [(None, ["no report.json"]), ("{ half a json", ["report.json"]), ("[1, 2]", ["report.json"])],
    ids=["not-a-run", "damaged", "not-an-object"],
)
def test_report_of_a_bad_run_folder_is_one_line(run, tmp_path, content, words):
    folder = tmp_path / "run"
    folder.mkdir()
    if content is not None:
        (folder / "report.json").write_text(content)
    status, _, err = run("report", folder)
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, *words)


def test_explicit_out_holding_a_run_needs_force(run, keypoints_npz, tmp_path):
    out = tmp_path / "run"
    assert run("analyze", "--keypoints", keypoints_npz, "--out", out)[0] == cli.Exit.OK
    before = {name: (out / name).read_bytes() for name in written(out)}
    status, _, err = run("analyze", "--keypoints", keypoints_npz, "--out", out)
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "already holds a run", "--force")
    assert {name: (out / name).read_bytes() for name in written(out)} == before
    assert run("analyze", "--keypoints", keypoints_npz, "--out", out, "--force")[0] == 0


@needs_model
def test_default_out_holding_a_run_writes_beside_it(run, media, tmp_path):
    assert run("analyze", media["good"], "--no-video")[0] == cli.Exit.OK
    first = tmp_path / "good-hipthrust"
    before = (first / "report.json").read_bytes()
    assert run("analyze", media["good"], "--no-video")[0] == cli.Exit.OK
    assert (first / "report.json").read_bytes() == before
    assert written(tmp_path / "good-hipthrust-2") >= REPORT_FILES


# ---------------------------------------------------------------------------------------------
# Disk full, atomic writes


def _failing_replace(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    """`os.replace` works `after` times, then fails as on a full disk."""
    real = os.replace
    calls = {"n": 0}

    def replace(src, dst, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("after", [0, 1, 3])
def test_disk_full_while_writing_is_one_line_and_leaves_no_half_files(
    run, keypoints_npz, tmp_path, monkeypatch, after
):
    out = tmp_path / "run"
    assert run("analyze", "--keypoints", keypoints_npz, "--out", out)[0] == cli.Exit.OK
    old = {name: (out / name).read_bytes() for name in written(out)}
    config = tmp_path / "c.toml"  # a different config, so the new report differs from the old
    config.write_text("[reps]\nmin_rom_deg = 31.0\n")
    _failing_replace(monkeypatch, after)
    status, _, err = run(
        "analyze", "--keypoints", keypoints_npz, "--out", out, "--force", "--config", config
    )
    monkeypatch.undo()
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "disk is full")
    # Atomic: every report file is the old one or a complete new one; no temp files remain.
    assert written(out) == set(old)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["config"]["reps"]["min_rom_deg"] in (30.0, 31.0)
    if (out / "report.json").read_bytes() == old["report.json"]:
        assert report["config"]["reps"]["min_rom_deg"] == 30.0


def test_disk_full_while_saving_keypoints_is_one_line(run, keypoints_npz, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(np, "savez_compressed", full)
    status, _, err = run("analyze", "--keypoints", keypoints_npz, "--out", tmp_path / "run")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "disk is full")


# ---------------------------------------------------------------------------------------------
# Config files


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[reps]\nmin_rom_degs = 30\n", "reps.min_rom_degs"),
        ('[faults.feet_too_far]\nknee_max_deg = "abc"\n', "faults.feet_too_far.knee_max_deg"),
        ("[pose]\nmin_detection_confidence = 1.5\n", "pose.min_detection_confidence"),
        ("[reps]\nmin_duration_s = -1.0\n", "reps.min_duration_s"),
        ("[smoothing]\nwindow_frames = 8\n", "smoothing.window_frames"),
        ("[reps\nmin_rom_deg = 30\n", "invalid TOML"),
        ("reps = 3\n", "reps"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(run, keypoints_npz, tmp_path, toml, key):
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    status, _, err = run(
        "analyze", "--keypoints", keypoints_npz, "--config", config, "--out", tmp_path / "run"
    )
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, key)
    assert not (tmp_path / "run").exists()


def test_config_that_is_not_text_is_one_line(run, keypoints_npz, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_bytes(b"\xff\xfe[reps]\x00\x80")
    status, _, err = run("analyze", "--keypoints", keypoints_npz, "--config", config)
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "bad.toml")


def test_missing_config_is_one_line(run, keypoints_npz, tmp_path):
    status, _, err = run("analyze", "--keypoints", keypoints_npz, "--config", "nope.toml")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "nope.toml")


# ---------------------------------------------------------------------------------------------
# Command line misuse, internal errors


def test_unknown_option_is_one_line(run):
    status, _, err = run("analyze", "--frobnicate")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "--frobnicate", "--help")


def test_internal_error_is_one_line_and_debug_shows_the_traceback(
    run, keypoints_npz, monkeypatch, capsys
):
    from hipthrust_cam.app import runs

    def broken(*args, **kwargs):
        raise RuntimeError("boom in the analysis")

    monkeypatch.setattr(runs, "reanalyse_keypoints", broken)
    status, _, err = run("analyze", "--keypoints", keypoints_npz)
    assert status == cli.Exit.INTERNAL
    one_line_error(err, "internal error", "boom in the analysis", "--debug")
    status = cli.main(["--debug", "analyze", "--keypoints", str(keypoints_npz)])
    err = capsys.readouterr().err
    assert status == cli.Exit.INTERNAL
    assert "Traceback" in err and "boom in the analysis" in err and "broken" in err


def test_camera_that_cannot_be_opened_is_one_line(run, tmp_path):
    status, _, err = run("live", "--camera", "57", "--no-window", "--out", tmp_path / "live")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "camera 57")


# ---------------------------------------------------------------------------------------------
# Real processes: fd-level stderr (FFmpeg's own log) and Ctrl-C


def _spawn(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "hipthrust_cam", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.mark.slow  # real processes
@needs_model
@pytest.mark.parametrize("name", ["mid", "good"])
def test_stderr_holds_only_our_own_lines_in_a_real_process(media, tmp_path, name):
    """No FFmpeg, OpenCV, MediaPipe or numpy noise: one line for an error, none for a clean run."""
    proc = _spawn(["analyze", str(media[name]), "--out", "run", "--no-video"], tmp_path)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (cli.Exit.OK, cli.Exit.BAD_INPUT)
    lines = err.strip().splitlines()
    if proc.returncode == cli.Exit.BAD_INPUT:
        assert len(lines) == 1, err
    assert all(line.startswith("hipthrust-cam: ") for line in lines), err
    if name == "good":
        assert lines == [], err


@pytest.fixture(scope="module")
def long_noise(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 s of noise: long enough to be interrupted mid-analysis."""
    return make_video(tmp_path_factory.mktemp("long") / "set.mp4", rate=30, seconds=20.0)


def _interrupt(proc: subprocess.Popen, out: Path, times: int) -> tuple[str, str]:
    """Presses Ctrl-C on the run's group once it is writing video; a second time, if asked, once
    the run has said it is writing what it measured. Returns (stdout, stderr)."""
    wait_for_video_data(proc, out / ".annotated.partial.mp4")
    os.killpg(proc.pid, signal.SIGINT)
    said = ""
    if times == 2:
        said = read_stderr_until(proc, "interrupted: writing what was measured")
        os.killpg(proc.pid, signal.SIGINT)
    stdout, err = proc.communicate(timeout=60)
    return stdout, said + err


@pytest.mark.slow  # a real process
@needs_model
def test_ctrl_c_writes_the_report_so_far_marked_partial(long_noise, tmp_path):
    proc = _spawn(["analyze", str(long_noise), "--out", "run"], tmp_path)
    stdout, err = _interrupt(proc, tmp_path / "run", 1)
    assert proc.returncode == cli.Exit.INTERRUPTED, err
    assert "Traceback" not in err
    report = report_of(tmp_path / "run")
    assert report["summary"]["partial"] is True
    assert 0 < report["source"]["frames"] < 600
    assert REPORT_FILES | {"annotated.mp4"} <= written(tmp_path / "run")
    assert "partial" in stdout


@pytest.mark.slow  # a real process
@needs_model
def test_second_ctrl_c_stops_at_once(long_noise, tmp_path):
    proc = _spawn(["analyze", str(long_noise), "--out", "run"], tmp_path)
    _, err = _interrupt(proc, tmp_path / "run", 2)
    assert proc.returncode == cli.Exit.INTERRUPTED, err
    assert "Traceback" not in err
    assert "stopped at once" in err
    # Whatever was written is complete (atomic): never a half report.
    if (tmp_path / "run" / "report.json").exists():
        report_of(tmp_path / "run")


# ---------------------------------------------------------------------------------------------
# A failing video writer, a really full disk, a very long video


@needs_model
def test_video_writer_failing_midway_keeps_the_reports(run, media, tmp_path, monkeypatch):
    from hipthrust_cam.media.video import H264Writer, VideoWriteError

    real_write = H264Writer.write

    def write(self, image):
        if self.frames >= 3:
            self._failed = True
            raise VideoWriteError(f"{self.path}: writing the video failed: the disk is full")
        real_write(self, image)

    monkeypatch.setattr(H264Writer, "write", write)
    status, _, err = run("analyze", media["good"], "--out", tmp_path / "run")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "disk is full", "report files were written")
    assert written(tmp_path / "run") >= REPORT_FILES
    assert not (tmp_path / "run" / "annotated.mp4").exists()  # never half a video
    assert not list((tmp_path / "run").glob(".*partial*"))


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 96 KiB tmpfs (needs root with mount rights; skipped otherwise)."""
    where = tmp_path / "tiny"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tiny tmpfs here (not root, or no mount rights)")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], capture_output=True, check=False)


@pytest.mark.slow  # the pose model over a 10 s video
@needs_model
def test_disk_filling_up_while_writing_the_video_keeps_the_reports(run, tiny_disk, tmp_path):
    noise = make_video(tmp_path / "noise.mp4", size="128x96", rate=15, seconds=10.0)
    status, _, err = run("analyze", noise, "--out", tiny_disk / "run")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "annotated.mp4", "disk is full", "report files were written")
    assert written(tiny_disk / "run") >= REPORT_FILES
    assert report_of(tiny_disk / "run")["source"]["frames"] == 150
    assert not (tiny_disk / "run" / "annotated.mp4").exists()


def test_a_very_long_video_is_streamed_in_bounded_memory(run, tmp_path, monkeypatch):
    """1500 frames of 160x120 (86 MB if held): peak traced memory stays a small fraction."""
    import tracemalloc

    from hipthrust_cam.app import runs
    from hipthrust_cam.datatypes import Frame, PoseFrame
    from hipthrust_cam.media import sources

    n, w, h = 1500, 160, 120

    class LongSource:
        def __init__(self, path: Path, max_long_side: int, warn: bool = True) -> None:
            self.info = sources.SourceInfo(str(path), w, h, 30.0, n, 1.0)

        def __iter__(self) -> Iterator[Frame]:
            return self.frames()

        def frames(self, start: int = 0, max_fps: float = 0.0) -> Iterator[Frame]:
            for i in range(start, n):  # 30 fps: every frame is analysed at any max_fps >= 30
                yield Frame(i, i / 30.0, np.full((h, w, 3), i % 256, np.uint8))

        def __enter__(self) -> LongSource:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    class Nobody:
        def detect(self, frame: Frame) -> PoseFrame:
            return PoseFrame.empty(frame.t_s)

        def stream(self, frames: Iterator[Frame]) -> Iterator[tuple[Frame, PoseFrame]]:
            return ((frame, self.detect(frame)) for frame in frames)

        def __enter__(self) -> Nobody:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr(sources, "VideoFileSource", LongSource)
    monkeypatch.setattr(runs, "pose_backend", lambda config, counter=None: Nobody())
    monkeypatch.setattr(runs, "people_counter", lambda config: contextlib.nullcontext())
    tracemalloc.start()
    try:
        status, _, _ = run("analyze", tmp_path / "long.mp4", "--out", tmp_path / "run")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == cli.Exit.OK
    assert report_of(tmp_path / "run")["source"]["frames"] == n
    assert peak < 0.25 * n * w * h * 3, f"peak {peak / 1e6:.1f} MB"


def test_ctrl_c_during_a_detection_is_held_until_it_ends():
    """MediaPipe must never be cut mid-frame; the Ctrl-C is handled right after."""
    from hipthrust_cam.native import ctrl_c_held

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    finished = False
    try:
        with pytest.raises(KeyboardInterrupt), ctrl_c_held():
            signal.raise_signal(signal.SIGINT)  # handled before this call returns, unless held...
            finished = True  # ...so the detection still completes
        assert finished
    finally:
        signal.signal(signal.SIGINT, previous)
