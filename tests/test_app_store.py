"""The history store: migrations from the first schema on, sets and notes, the job queue, and
recovery after a crash so that the database and the run folders always agree."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from app_helpers import data_dir, make_run

from hipthrust_cam.app.history import history_lines
from hipthrust_cam.store import schema
from hipthrust_cam.store.db import Store, StoreError
from hipthrust_cam.store.folders import (
    delete_set,
    new_set,
    partial_dir,
    recover,
    run_dir_for,
)
from hipthrust_cam.store.progression import advise
from hipthrust_cam.store.records import Notes
from hipthrust_cam.store.trends import set_points, weekly

CUES = {"feet_too_far": "Feet closer", "head_back": "Chin tucked"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real run folders made once (copied into each test's data folder as needed)."""
    base = tmp_path_factory.mktemp("runs")
    return {s: make_run(base / s, s) for s in ("clean_left", "feet_too_far")}


def _copy_run(runs: dict[str, Path], sample: str, dest: Path) -> Path:
    shutil.copytree(runs[sample], dest)
    return dest


# -- schema ---------------------------------------------------------------------------------


def test_a_first_version_database_migrates_with_its_sets_and_jobs(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert schema.migrate(conn, target=1) == 1
    conn.execute(
        "INSERT INTO sets (run_dir, origin, performed_at, created_at, name, rep_count, "
        "clean_reps, reps_json) VALUES ('/r/1', 'analyze', '2026-01-05T10:00:00+00:00', "
        "'2026-01-05T10:00:00+00:00', 'old.mp4', 5, 4, '[]')"
    )
    conn.execute(
        "INSERT INTO jobs (created_at, updated_at, state, name, upload, performed_at) "
        "VALUES ('t', 't', 'queued', 'q.mp4', '/u/q.mp4', 't')"
    )
    conn.close()

    store = Store.open(path)  # migrates to the latest version
    assert schema.version(sqlite3.connect(path)) == schema.LATEST
    (row,) = store.sets()
    assert (row.name, row.rep_count, row.clean_reps, row.notes) == ("old.mp4", 5, 4, Notes())
    store.save_notes(row.id, Notes(load=60, equipment="barbell", rpe=8, note="felt fine"))
    assert store.get_set(row.id).notes.load_text == "60 kg"
    assert [j.name for j in store.jobs(("queued",))] == ["q.mp4"]


def test_a_database_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store.open(path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_text("this is not sqlite, just text " * 40)
    with pytest.raises(StoreError, match="cannot use the history database"):
        Store.open(path)


def test_a_failed_migration_leaves_the_previous_version(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, target=1)
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS[:1], "CREATE TABLE broken ("))
    with pytest.raises(sqlite3.Error):
        schema.migrate(conn, target=2)
    assert schema.version(conn) == 1
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'broken'").fetchone() is None


# -- sets and notes ---------------------------------------------------------------------------


def test_a_set_row_holds_what_its_report_says(tmp_path: Path, runs) -> None:
    data, store = data_dir(tmp_path)
    run = _copy_run(runs, "feet_too_far", data.runs / "a")
    set_id = store.add_set(new_set(run, "upload", "far.mp4", "2026-11-02T10:00:00+00:00"))
    row = store.get_set(set_id)
    assert (row.rep_count, row.clean_reps, row.main_cue) == (3, 0, "Feet closer")
    assert all("feet_too_far" in rep["faults"] for rep in row.reps)
    assert row.video is None and row.files_present  # re-analysed keypoints: no video
    assert store.add_set(new_set(run, "upload", "far.mp4", "2026-11-02T10:00:00+00:00")) == set_id


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        (dict(load=-5), "load"),
        (dict(load_unit="stone"), "unit"),
        (dict(equipment="kettlebell"), "equipment"),
        (dict(rpe=11), "RPE"),
        (dict(note="x" * 2001), "2000"),
    ],
)
def test_notes_out_of_range_are_refused(notes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Notes(**notes)


def test_a_set_whose_folder_was_deleted_is_listed_as_missing(tmp_path: Path, runs) -> None:
    data, store = data_dir(tmp_path)
    run = _copy_run(runs, "clean_left", data.runs / "gone")
    store.add_set(new_set(run, "upload", "gone.mp4", "2026-11-02T10:00:00+00:00"))
    shutil.rmtree(run)
    (row,) = store.sets()
    assert not row.files_present
    lines = history_lines(tmp_path)
    assert "(files missing)" in lines[1] and "1 of them lost their files" in lines[-1]


def test_deleting_an_app_set_removes_row_and_folder(tmp_path: Path, runs) -> None:
    data, store = data_dir(tmp_path)
    run = _copy_run(runs, "clean_left", data.runs / "mine")
    set_id = store.add_set(new_set(run, "upload", "mine.mp4", "2026-11-02T10:00:00+00:00"))
    store.save_notes(set_id, Notes(load=40))
    assert delete_set(store, data, set_id) == "Deleted the set and its files."
    assert store.sets() == [] and not run.exists() and list(data.runs.iterdir()) == []


def test_deleting_an_analyze_set_keeps_the_users_folder(tmp_path: Path, runs) -> None:
    data, store = data_dir(tmp_path / "data")
    run = _copy_run(runs, "clean_left", tmp_path / "my-runs" / "set1")
    set_id = store.add_set(new_set(run, "analyze", "set1.mp4", "2026-11-02T10:00:00+00:00"))
    assert "still in" in delete_set(store, data, set_id)
    assert store.sets() == [] and (run / "report.json").is_file()


# -- recovery ---------------------------------------------------------------------------------


def _job(store: Store, data, tmp_path: Path, name: str = "a.mp4") -> int:
    upload = data.uploads / f"{name}.bin"
    upload.write_bytes(b"video")
    return store.add_job(name, upload, "2026-11-02T10:00:00+00:00")


def test_a_job_cut_off_mid_run_is_queued_again_and_its_partial_removed(tmp_path: Path) -> None:
    data, store = data_dir(tmp_path)
    job_id = _job(store, data, tmp_path)
    job = store.claim_job(lambda i, n: run_dir_for(data, n, f"u{i}"))
    partial_dir(job.run_dir).mkdir()
    (partial_dir(job.run_dir) / "report.json").write_text("{half")
    notes = recover(store, data, attempts=2).notes
    assert store.get_job(job_id).state == "queued" and "queued again" in notes[0]
    assert list(data.runs.iterdir()) == [] and store.sets() == []


def test_a_job_cut_off_too_often_is_marked_failed(tmp_path: Path) -> None:
    data, store = data_dir(tmp_path)
    job_id = _job(store, data, tmp_path)
    store.claim_job(lambda i, n: run_dir_for(data, n, f"u{i}"))
    recover(store, data, attempts=1)
    job = store.get_job(job_id)
    assert job.state == "failed" and "stopped unexpectedly (the app stopped)" in job.message
    assert list(data.uploads.iterdir()) == []  # no job waits for it any more


def test_a_job_that_finished_its_folder_but_not_its_row_is_listed(tmp_path: Path, runs) -> None:
    data, store = data_dir(tmp_path)
    job_id = _job(store, data, tmp_path, "done.mp4")
    job = store.claim_job(lambda i, n: run_dir_for(data, n, f"u{i}"))
    _copy_run(runs, "clean_left", job.run_dir)  # renamed into place, then the crash
    recover(store, data, attempts=2)
    (row,) = store.sets()
    assert store.get_job(job_id).state == "done" and row.name == "done.mp4"
    assert store.get_job(job_id).set_id == row.id


def test_a_delete_cut_off_before_its_row_went_is_undone(tmp_path: Path, runs) -> None:
    data, store = data_dir(tmp_path)
    run = _copy_run(runs, "clean_left", data.runs / "keep")
    set_id = store.add_set(new_set(run, "upload", "keep.mp4", "2026-11-02T10:00:00+00:00"))
    run.rename(data.runs / f".trash-{set_id}")  # the first step of a delete, then the crash
    recover(store, data, attempts=2)
    assert store.get_set(set_id).files_present


def test_a_run_folder_without_a_row_is_listed_and_stray_uploads_go(tmp_path: Path, runs) -> None:
    data, store = data_dir(tmp_path)
    _copy_run(runs, "feet_too_far", data.runs / "20261102-live-abc")
    (data.uploads / "stray.mp4").write_bytes(b"x")
    recover(store, data, attempts=2)
    (row,) = store.sets()
    assert row.origin == "found" and row.rep_count == 3
    assert list(data.uploads.iterdir()) == []
    recover(store, data, attempts=2)
    assert len(store.sets()) == 1  # a second start finds nothing more to do


# -- trends and advice -------------------------------------------------------------------------


def _history(tmp_path: Path, runs, plan: list[tuple[str, str, Notes]]) -> list:
    data, store = data_dir(tmp_path)
    for i, (sample, when, notes) in enumerate(plan):
        run = _copy_run(runs, sample, data.runs / f"r{i}")
        set_id = store.add_set(new_set(run, "upload", f"r{i}.mp4", when))
        store.save_notes(set_id, notes)
    return store.sets()


BAR60 = Notes(load=60, equipment="barbell")


def test_ready_to_add_load_after_n_clean_sets_at_the_target(tmp_path: Path, runs) -> None:
    rows = _history(
        tmp_path,
        runs,
        [
            ("feet_too_far", "2026-11-01T10:00:00+00:00", replace(BAR60, load=50)),
            ("clean_left", "2026-11-03T10:00:00+00:00", BAR60),
            ("clean_left", "2026-11-05T10:00:00+00:00", BAR60),
        ],
    )
    (advice,) = advise(rows, needed=2, target_reps=3, cues=CUES)
    assert advice.ready and advice.setup == "Barbell hip thrust" and advice.load == "60 kg"
    assert [r.name for r in advice.sets] == ["r2.mp4", "r1.mp4"]


def test_the_cue_that_keeps_coming_back_holds_the_load(tmp_path: Path, runs) -> None:
    rows = _history(
        tmp_path,
        runs,
        [
            ("clean_left", "2026-11-01T10:00:00+00:00", BAR60),
            ("feet_too_far", "2026-11-03T10:00:00+00:00", BAR60),
            ("feet_too_far", "2026-11-05T10:00:00+00:00", BAR60),
        ],
    )
    (advice,) = advise(rows, needed=3, target_reps=3, cues=CUES)
    assert not advice.ready
    assert "“Feet closer” keeps coming back (6 of 9 reps" in advice.reason
    assert len(advice.sets) == 3


def test_too_few_sets_or_reps_hold_the_load(tmp_path: Path, runs) -> None:
    rows = _history(tmp_path, runs, [("clean_left", "2026-11-01T10:00:00+00:00", BAR60)])
    (advice,) = advise(rows, needed=3, target_reps=8, cues=CUES)
    assert not advice.ready
    assert "stopped short of 8 reps" in advice.reason and "1 of the 3 sets" in advice.reason


def test_sets_without_equipment_give_no_advice(tmp_path: Path, runs) -> None:
    rows = _history(tmp_path, runs, [("clean_left", "2026-11-01T10:00:00+00:00", Notes(load=60))])
    assert advise(rows, needed=1, target_reps=3, cues=CUES) == []


def test_weekly_trends_count_reps_clean_share_and_fault_rates(tmp_path: Path, runs) -> None:
    rows = _history(
        tmp_path,
        runs,
        [
            ("clean_left", "2026-11-03T10:00:00+00:00", BAR60),  # week of Mon 2 Nov
            ("feet_too_far", "2026-11-05T10:00:00+00:00", BAR60),
            ("clean_left", "2026-11-18T10:00:00+00:00", replace(BAR60, load=65)),  # 16 Nov
        ],
    )
    weeks = weekly(rows)
    assert [str(w.start) for w in weeks] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert [w.reps for w in weeks] == [6, 0, 3]
    assert weeks[0].clean_share == 0.5 and weeks[1].clean_share is None
    assert weeks[0].fault_rate("feet_too_far") == 0.5 and weeks[2].fault_rate("feet_too_far") == 0
    points = set_points(rows)
    assert [p.load_kg for p in points] == [60, 60, 65]
    assert all(p.hip_deg is not None and 150 < p.hip_deg < 200 for p in points)
