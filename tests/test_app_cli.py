"""The history from the command line (`analyze` and `live` register, `history` lists), the
`app` command's bad input, and the job worker's handling of a failing analysis."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import pytest
from conftest import GOLDEN

from hipthrust_cam.app import jobs
from hipthrust_cam.cli import main
from hipthrust_cam.config import Config
from hipthrust_cam.store.db import Store
from hipthrust_cam.store.folders import partial_dir, run_dir_for
from hipthrust_cam.store.layout import ENV_VAR, DataDir

KEYPOINTS = GOLDEN / "clean_left.keypoints.npz"


def test_analyze_adds_its_run_to_the_history_that_history_prints(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    out = tmp_path / "run"
    assert (
        main(["analyze", "--keypoints", str(KEYPOINTS), "--out", str(out), "--data-dir", str(data)])
        == 0
    )
    capsys.readouterr()
    assert main(["history", "--data-dir", str(data)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["id", "date", "reps", "clean"]
    assert "   3     3" in lines[1] and str(out.resolve()) in lines[1]
    assert lines[-1].startswith("1 sets in")


def test_no_history_keeps_the_run_out_of_it(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    out = tmp_path / "run"
    args = ["analyze", "--keypoints", str(KEYPOINTS), "--out", str(out), "--data-dir", str(data)]
    assert main([*args, "--no-history"]) == 0
    assert (out / "report.json").is_file()
    assert Store.open(DataDir.resolve(data).ensure().db).sets() == []


def test_the_data_folder_comes_from_the_environment(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env-data"))
    assert main(["history"]) == 0
    assert "no sets yet in" in capsys.readouterr().out
    assert (tmp_path / "env-data" / "history.sqlite3").is_file()


def test_a_damaged_history_is_one_line_not_a_traceback(tmp_path: Path, capsys) -> None:
    (tmp_path / "history.sqlite3").write_text("not a database " * 100)
    assert main(["history", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot use the history database" in err[0]


def test_a_damaged_history_does_not_fail_the_analysis(tmp_path: Path, capsys) -> None:
    (tmp_path / "history.sqlite3").write_text("not a database " * 100)
    out = tmp_path / "run"
    args = [
        "analyze",
        "--keypoints",
        str(KEYPOINTS),
        "--out",
        str(out),
        "--data-dir",
        str(tmp_path),
    ]
    assert main(args) == 0
    assert "not added to the history" in capsys.readouterr().err
    assert (out / "report.json").is_file()


def test_app_refuses_an_impossible_port(tmp_path: Path, capsys) -> None:
    assert main(["app", "--no-browser", "--port", "70000", "--data-dir", str(tmp_path)]) == 2
    assert "give a port from 0 to 65535" in capsys.readouterr().err


def test_app_says_when_its_port_is_taken(tmp_path: Path, capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        status = main(["app", "--no-browser", "--port", str(port), "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and "that port is in use" in err[0]


@pytest.fixture
def claimed(tmp_path: Path) -> tuple[DataDir, Store, int]:
    data = DataDir.resolve(tmp_path / "data").ensure()
    store = Store.open(data.db)
    upload = data.uploads / "0123abcd.mp4"
    upload.write_bytes(b"video bytes")
    job_id = store.add_job("My set.mp4", upload, "2026-11-02T10:00:00+00:00")
    store.claim_job(lambda i, n: run_dir_for(data, n, f"u{i}"))
    return data, store, job_id


def test_a_full_disk_fails_the_job_with_a_message_and_no_record(claimed, monkeypatch) -> None:
    data, store, job_id = claimed

    def full_disk(video: Path, out_dir: Path, config: Config, **kwargs) -> None:
        out_dir.mkdir(parents=True)
        (out_dir / "report.json").write_text("{")  # half written when the disk filled up
        raise OSError(errno.ENOSPC, "No space left on device", str(video))

    monkeypatch.setattr("hipthrust_cam.app.runs.analyze_video", full_disk)
    monkeypatch.setattr(jobs.signal, "signal", lambda *a: None)  # keep pytest's Ctrl-C
    jobs.run_job(str(data.root), job_id, Config())
    job = store.get_job(job_id)
    assert job.state == "failed" and "No space left on device" in job.message
    assert "My set.mp4" in job.message and "0123abcd" not in job.message
    assert store.sets() == [] and list(data.runs.iterdir()) == []
    assert not partial_dir(job.run_dir).exists() and list(data.uploads.iterdir()) == []


def test_a_video_without_frames_fails_the_job_with_the_sources_reason(claimed, monkeypatch) -> None:
    data, store, job_id = claimed
    monkeypatch.setattr(jobs.signal, "signal", lambda *a: None)
    jobs.run_job(str(data.root), job_id, Config())  # the "upload" holds 11 bytes of text
    job = store.get_job(job_id)
    assert job.state == "failed" and job.message.startswith("My set.mp4: ")
    assert store.sets() == [] and list(data.runs.iterdir()) == []
