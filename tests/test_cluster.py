"""`analyze --ray` and `app --ray`: videos as Ray tasks on a local Ray instance of this machine.

What a user would notice: the same reports as the local batch, file for file; a bad file is one
line and exit 2 while the others finish; a worker lost mid-task is run again and its run written
once; Ctrl-C stops the tasks and keeps what finished; the app's queue finishes its jobs on
Ray; without Ray, or with an address that does not answer, one line says what to do.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from app_server import wait_gone
from cluster_helpers import alive, kill_worker, wait_for_frames, worker_reading
from conftest import MODEL, SAMPLES
from test_bad_input import make_video, one_line_error
from test_golden import report_diff

from hipthrust_cam import cli
from hipthrust_cam.app.cluster import RayExecutor, TaskLost, analyze_on_ray, install_run
from hipthrust_cam.app.cluster_task import relabel
from hipthrust_cam.cli.output import progress
from hipthrust_cam.config import Config

needs_model = pytest.mark.skipif(not MODEL.is_file(), reason=f"pose model {MODEL} is absent")
REPORT_FILES = {"report.json", "reps.csv", "timeline.csv", "report.html", "keypoints.npz"}
COMPARED = ("front_oblique_clean.mp4", "rushed_no_pause.mp4")
"""Two short renders with reps and per-rep faults (7.6 s and 10 s)."""


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


def one_lane(folder: Path) -> Path:
    """A config with one pose lane per video: the same poses whatever runs it."""
    path = folder / "lanes1.toml"
    path.write_text("[pose]\nlanes = 1\n")
    return path


def run_files(run_dir: Path) -> set[str]:
    return {p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file()}


def leftovers(out: Path) -> list[str]:
    """Hidden folders a run may leave beside its folder (partial or replaced ones)."""
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


# ---------------------------------------------------------------------------------------------
# One line, no cluster needed


def test_without_ray_one_line_says_how_to_install_it(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if not installed
    video = make_video(tmp_path / "a.mp4")
    status, out, err = run("analyze", video, "--ray", "--no-history")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "needs Ray", 'pip install -c constraints.txt -e ".[cluster]"')
    assert out == "" and not (tmp_path / "a-hipthrust").exists()


def test_the_default_path_runs_without_ray(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    status, _, err = run("analyze", "--keypoints", tmp_path / "missing.npz", "--out", tmp_path)
    assert status == cli.Exit.BAD_INPUT and "ray" not in err.lower()  # got past the imports


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # free again once closed: nothing listens there


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("127.0.0.1:{port}", ["cannot reach a Ray cluster at 127.0.0.1:", "ray start --head"]),
        ("ray://127.0.0.1:10001", ["Ray Client addresses are not supported"]),
        ("just-a-name", ["HOST:PORT"]),
    ],
)
def test_an_unusable_address_is_one_line(run, tmp_path, address, words):
    pytest.importorskip("ray", reason="ray is not installed")
    video = make_video(tmp_path / "a.mp4")
    argv = ("analyze", video, "--ray", address.format(port=_closed_port()), "--no-history")
    status, out, err = run(*argv)
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, *words)
    assert out == ""


def test_a_video_taken_as_the_address_is_one_line(run, tmp_path):
    a, b = make_video(tmp_path / "a.mp4"), make_video(tmp_path / "b.mp4")
    status, _, err = run("analyze", "--ray", a, b)
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "--ray took", "after the videos")


def test_keypoints_are_not_sent_to_a_cluster(run, tmp_path):
    status, _, err = run("analyze", "--keypoints", tmp_path / "k.npz", "--ray")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "drop --ray")


def test_a_run_replacing_another_keeps_the_users_own_files(tmp_path):
    out = tmp_path / "run"
    (out / "thumbnails").mkdir(parents=True)
    (out / "report.json").write_text("old")
    (out / "thumbnails" / "rep_09.jpg").write_text("old")
    (out / "my notes.txt").write_text("mine")
    new = tmp_path / ".partial-run-1"
    new.mkdir()
    (new / "report.json").write_text("new")
    install_run(new, out)
    assert (out / "report.json").read_text() == "new"
    assert (out / "my notes.txt").read_text() == "mine"
    assert not (out / "thumbnails").exists()  # the old run's files went with it
    assert leftovers(tmp_path) == []


def test_a_workers_error_names_the_users_path():
    missing = OSError(2, "No such file or directory", "/tmp/x/a.mp4")
    error = relabel(missing, "/tmp/x/a.mp4", "a.mp4")
    assert isinstance(error, FileNotFoundError) and error.filename == "a.mp4"
    error = relabel(ValueError("/tmp/x/a.mp4: damaged"), "/tmp/x/a.mp4", "sets/a.mp4")
    assert type(error) is ValueError and str(error) == "sets/a.mp4: damaged"


# ---------------------------------------------------------------------------------------------
# On a local Ray instance


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("samples") / "sets"
    folder.mkdir()
    for name in COMPARED:
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    return folder


@pytest.fixture(scope="module")
def local_batch(samples: Path) -> Path:
    """The samples through the local batch (worker processes), one lane each."""
    if not MODEL.is_file():
        pytest.skip(f"pose model {MODEL} is absent")
    out = samples.parent / "local"
    argv = ["analyze", str(samples), "--out", str(out), "--config", str(one_lane(samples.parent))]
    assert cli.main([*argv, "--no-history"]) == cli.Exit.OK
    return out


@pytest.mark.slow  # the pose model over two renders, twice
@pytest.mark.parametrize("shared", [False, True], ids=["bytes-through-ray", "shared-fs"])
def test_ray_gives_the_same_reports_as_the_local_batch(
    ray_local, local_batch, samples, run, tmp_path, shared
):
    out = tmp_path / "ray"
    argv = ["analyze", samples, "--out", out, "--config", one_lane(tmp_path), "--no-history"]
    status, stdout, err = run(*argv, "--ray", *(["--ray-shared-fs"] if shared else []))
    assert status == cli.Exit.OK, err
    assert err == "" and "on a local Ray instance" in stdout
    for name in COMPARED:
        here, there = local_batch / Path(name).stem, out / Path(name).stem
        assert run_files(there) == run_files(here) >= REPORT_FILES | {"annotated.mp4"}
        local = json.loads((here / "report.json").read_text())
        on_ray = json.loads((there / "report.json").read_text())
        assert on_ray["rep_count"] == local["rep_count"] > 0
        faults = [[f["code"] for f in rep["faults"]] for rep in local["reps"]]
        assert [[f["code"] for f in rep["faults"]] for rep in on_ray["reps"]] == faults
        assert report_diff(local, on_ray) == [], name
        assert f"== {name}" in stdout
    assert leftovers(out) == []


@pytest.mark.slow
@needs_model
def test_a_bad_file_is_one_line_and_exit_2_while_the_others_finish(ray_local, run, tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    make_video(folder / "a.mp4")
    (folder / "b.mp4").write_text("this is not a video\n" * 50)
    (folder / "c.mp4").write_bytes(b"")
    status, out, err = run("analyze", folder, "--out", tmp_path / "runs", "--ray", "--no-history")
    assert status == cli.Exit.BAD_INPUT
    lines = err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("hipthrust-cam: ") for line in lines)
    assert any("clips/b.mp4: cannot be read as a video" in line for line in lines), lines
    assert any("clips/c.mp4: the file is empty" in line for line in lines), lines
    assert run_files(tmp_path / "runs" / "a") >= REPORT_FILES | {"annotated.mp4"}
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["a"]
    assert "== a.mp4" in out


def _killed_once(video: Path) -> list[tuple[int, Path]]:
    """Kills the Ray worker analysing `video` once it has analysed frames: [(pid, its temp)]."""
    try:
        pid, temp = worker_reading(video.name)
        wait_for_frames(temp / "run" / "annotated.mp4")
        kill_worker(pid)
    except BaseException as exc:  # shown by the test's assertion
        return [(-1, Path(f"{type(exc).__name__}: {exc}"))]
    return [(pid, temp)]


@pytest.mark.slow
@needs_model
def test_a_worker_killed_mid_task_is_retried_and_the_run_written_once(ray_local, run, tmp_path):
    video = tmp_path / "retried_set_7f3a.mp4"  # a name no other process has open
    video.write_bytes((SAMPLES / "oblique45_clean.mp4").read_bytes())
    out = tmp_path / "runs"
    killed: list[tuple[int, Path]] = []
    killer = threading.Thread(target=lambda: killed.extend(_killed_once(video)), daemon=True)
    killer.start()
    status, stdout, err = run("analyze", video, "--out", out / "set", "--ray", "--no-history")
    killer.join(timeout=60)
    assert killed and killed[0][0] > 0, killed
    assert not alive(killed[0][0])  # the first attempt's worker was lost mid-task...
    assert status == cli.Exit.OK, err  # ...and the task ran again to the end
    assert stdout.count(f"== {video.name}") == 1
    assert sorted(p.name for p in out.iterdir()) == ["set"]  # once, no partial folders
    report = json.loads((out / "set" / "report.json").read_text())
    truth = json.loads((SAMPLES / "oblique45_clean.truth.json").read_text())
    assert report["rep_count"] == truth["rep_count"]
    assert run_files(out / "set") >= REPORT_FILES | {"annotated.mp4"}
    assert not killed[0][1].exists()  # the lost attempt's copy of the video was cleared


@pytest.mark.slow
@needs_model
def test_without_retries_a_lost_worker_is_that_videos_failure(ray_local, tmp_path):
    video = tmp_path / "lost_set_51c2.mp4"
    video.write_bytes((SAMPLES / "oblique45_clean.mp4").read_bytes())
    good = make_video(tmp_path / "good.mp4")
    killed: list[tuple[int, Path]] = []
    killer = threading.Thread(target=lambda: killed.extend(_killed_once(video)), daemon=True)
    killer.start()
    jobs = [(video, tmp_path / "runs" / "lost"), (good, tmp_path / "runs" / "good")]
    with RayExecutor(retries=0) as executor:
        outcomes = dict(analyze_on_ray(jobs, Config(), video_out=True, executor=executor))
    killer.join(timeout=60)
    assert killed and killed[0][0] > 0, killed
    shutil.rmtree(killed[0][1], ignore_errors=True)  # no later task on this machine clears it
    assert isinstance(outcomes[video], TaskLost) and str(outcomes[video]).startswith(str(video))
    assert not isinstance(outcomes[good], BaseException)
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["good"]


@pytest.mark.slow
@needs_model
def test_ctrl_c_stops_the_tasks_and_keeps_what_finished(tmp_path):
    pytest.importorskip("ray", reason="ray is not installed")
    quick = make_video(tmp_path / "quick.mp4")
    long = tmp_path / "long_set_c81e.mp4"  # a name no other process has open
    long.write_bytes((SAMPLES / "clean_left.mp4").read_bytes())
    out = tmp_path / "runs"
    argv = ["analyze", quick, long, "--out", out, "--ray", "--no-history", "--config"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "hipthrust_cam", *map(str, argv), str(one_lane(tmp_path))],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        worker, temp = worker_reading(long.name)
        wait_for_frames(temp / "run" / "annotated.mp4")  # the long one is being analysed...
        assert proc.stdout is not None
        seen = []  # ...and the quick one is written and its table printed
        while not seen or not seen[-1].startswith("== quick.mp4"):
            line = proc.stdout.readline()
            assert line, "the command ended before the quick video's table"
            seen.append(line)
        proc.send_signal(signal.SIGINT)  # as Ctrl-C in the terminal
        rest, stderr = proc.communicate(timeout=60)
        stdout = "".join(seen) + rest
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == cli.Exit.INTERRUPTED, stderr
    assert stderr.strip().splitlines()[-1] == "hipthrust-cam: stopped (Ctrl-C)"
    assert "Traceback" not in stderr and "== quick.mp4" in stdout and long.name not in stdout
    assert sorted(p.name for p in out.iterdir()) == ["quick"]  # the finished run is kept whole
    assert run_files(out / "quick") >= REPORT_FILES
    wait_gone([worker])  # the long one's task was stopped with the command


# ---------------------------------------------------------------------------------------------
# The app's queue on Ray


@pytest.mark.slow
@needs_model
def test_the_apps_queue_runs_its_jobs_on_ray(ray_local, tmp_path):
    from app_helpers import data_dir

    from hipthrust_cam.app.cluster_queue import RayJobScheduler

    data, store = data_dir(tmp_path / "data")
    uploads = {}
    for name, content in (
        ("My set.mp4", (SAMPLES / "front_oblique_clean.mp4").read_bytes()),
        ("Notes.mp4", b"not a video at all\n" * 20),
    ):
        path = data.uploads / f"{len(uploads):08x}.mp4"
        path.write_bytes(content)
        uploads[name] = store.add_job(name, path, "2026-11-02T10:00:00+00:00")
    seen: list[float] = []
    with RayExecutor() as executor:
        scheduler = RayJobScheduler(data, store, Config(), 0, 2, executor)
        scheduler.start()
        try:
            _wait_for_jobs(store, seen)
        finally:
            scheduler.stop()
    good, bad = store.get_job(uploads["My set.mp4"]), store.get_job(uploads["Notes.mp4"])
    assert bad.state == "failed" and bad.message.startswith("Notes.mp4: "), bad.message
    assert good.state == "done", good.message
    (row,) = store.sets()
    assert row.run_dir == good.run_dir.resolve()
    report = json.loads((good.run_dir / "report.json").read_text())
    assert report["source"]["name"] == "My set.mp4" and report["rep_count"] == 2
    assert run_files(good.run_dir) >= REPORT_FILES | {"annotated.mp4"}
    assert leftovers(data.runs) == [] and list(data.uploads.iterdir()) == []
    assert any(0.0 < fraction < 0.98 for fraction in seen)  # the page's bar moved on the way


def _wait_for_jobs(store, seen: list[float], timeout_s: float = 180.0) -> None:
    """Waits until no job is queued or running, noting the running jobs' progress meanwhile."""
    import time

    deadline = time.monotonic() + timeout_s
    while store.jobs(("queued", "running")):
        seen += [job.progress for job in store.jobs(("running",))]
        assert time.monotonic() < deadline, "the queue did not finish"
        time.sleep(0.1)


def test_the_app_without_ray_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)
    argv = ["app", "--ray", "--no-browser", "--port", "0", "--data-dir", str(tmp_path / "d")]
    assert cli.main(argv) == cli.Exit.BAD_INPUT
    one_line_error(capsys.readouterr().err, "needs Ray", "[cluster]")


def test_the_progress_bar_counts_files():
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = progress("videos", 10, screen, unit="files")
    assert bar is not None
    bar(2)
    assert "] 3/10 files" in screen.getvalue() and "/h" in screen.getvalue()


@pytest.mark.slow
@needs_model
def test_a_disk_filling_up_on_the_driver_leaves_no_half_run(ray_local, run, tmp_path, monkeypatch):
    import errno

    from hipthrust_cam.app import cluster

    def fill_up(folder: Path, files: dict[str, bytes]) -> None:
        name, data = next(iter(files.items()))
        (folder / name).write_bytes(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / name))

    monkeypatch.setattr(cluster, "_write_files", fill_up)
    video = make_video(tmp_path / "a.mp4")
    out = tmp_path / "runs"
    status, _, err = run("analyze", video, "--out", out / "a", "--ray", "--no-history")
    assert status == cli.Exit.BAD_INPUT
    one_line_error(err, "the disk is full")
    assert list(out.iterdir()) == []  # no run folder, no partial one


@pytest.mark.slow
@needs_model
def test_the_app_on_ray_finishes_uploads_and_requeues_a_cut_off_one_on_stop(tmp_path):
    pytest.importorskip("ray", reason="ray is not installed")
    from app_server import AppServer

    from hipthrust_cam.store.db import Store

    app = AppServer(tmp_path / "data", "--config", str(one_lane(tmp_path)), "--ray")
    try:
        quick = app.upload(SAMPLES / "front_oblique_clean.mp4", "quick.mp4")
        long = app.upload(SAMPLES / "clean_left.mp4", "long.mp4")
        app.wait_job(quick, lambda j: j["state"] == "done")
        app.wait_job(long, lambda j: j["state"] == "running" and j["progress"] > 0.05)
    finally:
        status, out, err = app.stop()  # Ctrl-C while the long one is analysed
    assert status == 0 and "stopped" in out and "Traceback" not in err
    store = Store(app.data / "history.sqlite3")
    assert [row.name for row in store.sets()] == ["quick.mp4"]
    assert store.get_job(long).state == "queued"  # done again at the next start
    assert [p.name.startswith(".") for p in (app.data / "runs").iterdir()] == [False]
