"""Run folders and the index kept in agreement: register, delete, and recover after a crash.

Inputs: a `Store`, the `DataDir`, run folders. Outputs: set ids, and a `Recovery` saying what
a start-up found and repaired. The rules that keep the two from disagreeing:

- A run is written in a hidden `.partial-NAME` folder and renamed to `NAME` only when complete;
  the set row is added after the rename. A crash before the rename leaves a partial folder,
  which recovery removes; a crash between rename and row leaves a complete folder, which
  recovery registers.
- A deleted set's folder is first renamed to `.trash-ID`, then the row is deleted, then the
  folder removed; recovery finishes (or, if the row is still there, undoes) a cut-off delete.
- A set whose folder was removed by hand stays listed, marked as missing its files.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hipthrust_cam.store.db import Store, StoreError
from hipthrust_cam.store.layout import DataDir
from hipthrust_cam.store.records import JobRow, NewSet

log = logging.getLogger(__name__)

PARTIAL = ".partial-"
TRASH = ".trash-"
_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


def read_report(run_dir: Path) -> dict[str, Any]:
    """A run folder's report.json.

    Raises:
        StoreError: Missing, unreadable or not a report.
    """
    path = run_dir / "report.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"{path}: cannot read the report ({exc})") from exc
    if not isinstance(report, dict) or "reps" not in report:
        raise StoreError(f"{path}: not a hipthrust-cam report")
    return report


def new_set(run_dir: Path, origin: str, name: str, performed_at: str) -> NewSet:
    """The `NewSet` of a finished run folder (its report read from disk)."""
    return NewSet(run_dir.resolve(), origin, performed_at, name, read_report(run_dir))


def register_run(store: Store, run_dir: Path, origin: str, name: str, performed_at: str) -> int:
    """Adds a finished run folder to the history (again: updates it); returns the set id."""
    return store.add_set(new_set(run_dir, origin, name, performed_at))


def slug(name: str, limit: int = 40) -> str:
    """A file-name-safe stem of a user's file name: letters, digits, - and _ only."""
    text = _SLUG.sub("-", Path(name).stem).strip("-_")
    return text[:limit] or "set"


def run_dir_for(data: DataDir, name: str, key: str, when: datetime | None = None) -> Path:
    """Where a run the app writes goes: `runs/DATE-TIME-STEM-KEY` (never a user path)."""
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return data.runs / f"{stamp}-{slug(name)}-{key}"


def partial_dir(run_dir: Path) -> Path:
    """The hidden folder a run is written in before it is complete."""
    return run_dir.with_name(PARTIAL + run_dir.name)


def publish(partial: Path, run_dir: Path) -> None:
    """Renames a complete run from its partial folder to its final one (atomic)."""
    partial.rename(run_dir)


def delete_set(store: Store, data: DataDir, set_id: int) -> str:
    """Deletes a set: its row always, its folder when the app wrote it (under `data.runs`).

    Returns:
        What happened, in a sentence for the page.
    """
    row = store.get_set(set_id)
    if row is None:
        return "That set was already deleted."
    owned = row.run_dir.parent == data.runs and row.run_dir.is_dir()
    if not owned:
        store.delete_set(set_id)
        if row.run_dir.is_dir():
            return f"Removed from the history; its files are still in {row.run_dir}."
        return "Removed from the history."
    trash = data.runs / f"{TRASH}{set_id}"
    row.run_dir.rename(trash)
    try:
        store.delete_set(set_id)
    except BaseException:
        trash.rename(row.run_dir)
        raise
    shutil.rmtree(trash, ignore_errors=True)
    return "Deleted the set and its files."


@dataclass
class Recovery:
    """What a start-up repaired (each a short sentence for the log)."""

    notes: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        """Records and logs one repair."""
        self.notes.append(text)
        log.warning("%s", text)


def recover(store: Store, data: DataDir, attempts: int) -> Recovery:
    """Brings the database and the data folder back into agreement after a stop or crash.

    Args:
        store: The history.
        data: The data folder.
        attempts: Times a job may be started in all before a crash marks it failed.
    """
    done = Recovery()
    _recover_jobs(store, attempts, done)
    _recover_trash(store, data, done)
    _remove_partials(data, done)
    _register_orphans(store, data, done)
    _remove_stray_uploads(store, data, done)
    return done


def settle_cut_off_job(store: Store, job: JobRow, attempts: int, why: str) -> str:
    """Settles a job whose worker stopped mid-run: finished, queued again, or failed.

    A run renamed into place before the stop is listed; an unfinished one is removed, and the
    job is queued again while it has attempts left (else failed, its upload removed).

    Returns:
        What was done, one sentence.
    """
    run_dir = job.run_dir
    if run_dir is not None and (run_dir / "report.json").is_file():
        try:
            store.finish_job(job.id, new_set(run_dir, "upload", job.name, job.performed_at))
            return f"job {job.id} ({job.name}) had finished: its set is now listed"
        except StoreError:
            shutil.rmtree(run_dir, ignore_errors=True)
    if run_dir is not None:
        shutil.rmtree(partial_dir(run_dir), ignore_errors=True)
    if job.attempts < attempts and job.upload.is_file():
        store.end_job(job.id, "queued")
        return f"job {job.id} ({job.name}) was cut off ({why}): it is queued again"
    store.end_job(
        job.id,
        "failed",
        f"The analysis stopped unexpectedly ({why}). Upload the video again to retry.",
    )
    job.upload.unlink(missing_ok=True)
    return f"job {job.id} ({job.name}) was cut off ({why}) again: marked failed"


def _recover_jobs(store: Store, attempts: int, done: Recovery) -> None:
    for job in store.jobs(("running",)):
        done.add(settle_cut_off_job(store, job, attempts, "the app stopped"))


def _recover_trash(store: Store, data: DataDir, done: Recovery) -> None:
    for trash in data.runs.glob(f"{TRASH}*"):
        key = trash.name.removeprefix(TRASH)
        row = store.get_set(int(key)) if key.isdigit() else None
        if row is not None and not row.run_dir.exists():
            trash.rename(row.run_dir)
            done.add(f"set {key}: a delete was cut off before it was recorded: set kept")
        else:
            shutil.rmtree(trash, ignore_errors=True)


def _remove_partials(data: DataDir, done: Recovery) -> None:
    for partial in data.runs.glob(f"{PARTIAL}*"):
        shutil.rmtree(partial, ignore_errors=True)
        done.add(f"removed the unfinished run {partial.name}")


def _register_orphans(store: Store, data: DataDir, done: Recovery) -> None:
    known = {row.run_dir for row in store.sets()}
    claimed = {job.run_dir for job in store.jobs() if job.run_dir is not None}
    for folder in sorted(data.runs.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir() or folder in known | claimed:
            continue
        try:
            report = read_report(folder)
        except StoreError:
            continue
        name = str((report.get("source") or {}).get("name") or folder.name)
        when = datetime.fromtimestamp((folder / "report.json").stat().st_mtime).astimezone()
        store.add_set(NewSet(folder, "found", when.isoformat(timespec="seconds"), name, report))
        done.add(f"listed the run {folder.name}, which was not in the history")


def _remove_stray_uploads(store: Store, data: DataDir, done: Recovery) -> None:
    waiting = {job.upload for job in store.jobs(("queued", "running"))}
    for path in data.uploads.iterdir():
        if path.is_file() and path not in waiting:
            path.unlink(missing_ok=True)
            done.add(f"removed the upload {path.name}, which no job waits for")
