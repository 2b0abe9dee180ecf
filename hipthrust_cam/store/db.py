"""The store: sets, their notes and the upload queue in one SQLite file.

Inputs: the database path. Outputs: rows (`SetRow`, `JobRow`). Every write is one transaction
(`BEGIN IMMEDIATE` ... `COMMIT`), so a crash or a full disk leaves the previous state, never half
of a change. Each call opens its own short connection: the web server's threads and the
analysis worker processes share the file safely (WAL journal, a busy timeout).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hipthrust_cam.store.records import JobRow, NewSet, Notes, SetRow, now_iso
from hipthrust_cam.store.schema import SchemaError, migrate

__all__ = ["SchemaError", "Store", "StoreError"]

BUSY_TIMEOUT_MS = 10_000
JOB_STATES = ("queued", "running", "done", "failed")


class StoreError(Exception):
    """The history database cannot be opened or written (one-line message)."""


class Store:
    """The history database at `path` (created and migrated by `open`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def open(cls, path: Path) -> Store:
        """Creates or migrates the database at `path` and returns the store.

        Raises:
            StoreError: It cannot be opened, is not a database, or is from a newer release.
        """
        store = cls(path)
        try:
            with store._connection() as conn:
                migrate(conn)
        except (StoreError, SchemaError) as exc:
            raise StoreError(f"{path}: cannot use the history database ({exc})") from exc
        return store

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection; any SQLite failure (a full disk, a locked file) as a `StoreError`."""
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the history database ({exc})") from exc
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            yield conn
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: the history database failed ({exc})") from exc
        finally:
            conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # a failed COMMIT already rolled back
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._connection() as conn:
            return conn.execute(sql, args).fetchall()

    # -- sets ---------------------------------------------------------------------------------

    def add_set(self, new: NewSet, conn: sqlite3.Connection | None = None) -> int:
        """Adds a set (or updates the one already at its run folder); returns its id."""
        if conn is None:
            with self.transaction() as own:
                return self.add_set(new, own)
        cols = new.columns()
        names = ", ".join(cols)
        marks = ", ".join(f":{k}" for k in cols)
        update = ", ".join(f"{k} = excluded.{k}" for k in cols if k not in ("run_dir",))
        conn.execute(
            f"INSERT INTO sets ({names}) VALUES ({marks}) "
            f"ON CONFLICT(run_dir) DO UPDATE SET {update}",
            cols,
        )
        row = conn.execute("SELECT id FROM sets WHERE run_dir = ?", (cols["run_dir"],)).fetchone()
        return int(row["id"])

    def sets(self) -> list[SetRow]:
        """Every set, newest first, with its notes."""
        rows = self._read(
            "SELECT s.*, n.load, n.load_unit, n.equipment, n.rpe, n.note FROM sets s "
            "LEFT JOIN notes n ON n.set_id = s.id ORDER BY s.performed_at DESC, s.id DESC"
        )
        return [_set_row(r) for r in rows]

    def get_set(self, set_id: int) -> SetRow | None:
        """The set with this id, or None."""
        rows = self._read(
            "SELECT s.*, n.load, n.load_unit, n.equipment, n.rpe, n.note FROM sets s "
            "LEFT JOIN notes n ON n.set_id = s.id WHERE s.id = ?",
            (set_id,),
        )
        return _set_row(rows[0]) if rows else None

    def set_at(self, run_dir: Path) -> int | None:
        """The id of the set whose run folder is `run_dir`, or None."""
        rows = self._read("SELECT id FROM sets WHERE run_dir = ?", (str(run_dir),))
        return int(rows[0]["id"]) if rows else None

    def delete_set(self, set_id: int, conn: sqlite3.Connection | None = None) -> bool:
        """Removes a set and its notes from the history; True when it was there."""
        if conn is None:
            with self.transaction() as own:
                return self.delete_set(set_id, own)
        return conn.execute("DELETE FROM sets WHERE id = ?", (set_id,)).rowcount > 0

    def save_notes(self, set_id: int, notes: Notes) -> None:
        """Replaces a set's notes.

        Raises:
            KeyError: No such set.
        """
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM sets WHERE id = ?", (set_id,)).fetchone() is None:
                raise KeyError(set_id)
            conn.execute(
                "INSERT INTO notes (set_id, load, load_unit, equipment, rpe, note, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(set_id) DO UPDATE SET "
                "load = excluded.load, load_unit = excluded.load_unit, "
                "equipment = excluded.equipment, rpe = excluded.rpe, note = excluded.note, "
                "updated_at = excluded.updated_at",
                (
                    set_id,
                    notes.load,
                    notes.load_unit,
                    notes.equipment,
                    notes.rpe,
                    notes.note,
                    now_iso(),
                ),
            )

    # -- the upload queue -----------------------------------------------------------------------

    def add_job(self, name: str, upload: Path, performed_at: str) -> int:
        """Queues an uploaded video (already in place at `upload`); returns the job id."""
        now = now_iso()
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO jobs (created_at, updated_at, state, name, upload, performed_at) "
                "VALUES (?, ?, 'queued', ?, ?, ?)",
                (now, now, name, str(upload), performed_at),
            )
            return int(cur.lastrowid or 0)

    def claim_job(self, run_dir_for: Any) -> JobRow | None:
        """Marks the oldest queued job running and gives it its run folder.

        Args:
            run_dir_for: `(job id, name) -> Path`, the folder the finished run will have.

        Returns:
            The claimed job, or None when nothing is queued.
        """
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            run_dir = str(run_dir_for(int(row["id"]), str(row["name"])))
            conn.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, progress = 0, "
                "run_dir = ?, message = '', updated_at = ? WHERE id = ?",
                (run_dir, now_iso(), row["id"]),
            )
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (row["id"],)).fetchone()
        return _job_row(row)

    def job_progress(self, job_id: int, fraction: float) -> None:
        """Records how far a running job is, [0, 1]."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND state = 'running'",
                (min(max(float(fraction), 0.0), 1.0), now_iso(), job_id),
            )

    def finish_job(self, job_id: int, new: NewSet) -> int:
        """In one transaction: adds the job's set and marks the job done; returns the set id."""
        with self.transaction() as conn:
            set_id = self.add_set(new, conn)
            conn.execute(
                "UPDATE jobs SET state = 'done', progress = 1, set_id = ?, message = '', "
                "updated_at = ? WHERE id = ?",
                (set_id, now_iso(), job_id),
            )
        return set_id

    def end_job(self, job_id: int, state: str, message: str = "") -> None:
        """Moves a job to `state` ("queued" to redo it, "failed" with a message)."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE jobs SET state = ?, message = ?, progress = 0, updated_at = ? WHERE id = ?",
                (state, message, now_iso(), job_id),
            )

    def undo_claim(self, job_id: int) -> None:
        """Puts a job cut off by the server stopping back in the queue, its attempt uncounted."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE jobs SET state = 'queued', progress = 0, "
                "attempts = MAX(attempts - 1, 0), updated_at = ? "
                "WHERE id = ? AND state = 'running'",
                (now_iso(), job_id),
            )

    def jobs(self, states: tuple[str, ...] = JOB_STATES) -> list[JobRow]:
        """Jobs in these states, oldest first."""
        marks = ", ".join("?" for _ in states)
        rows = self._read(f"SELECT * FROM jobs WHERE state IN ({marks}) ORDER BY id", states)
        return [_job_row(r) for r in rows]

    def get_job(self, job_id: int) -> JobRow | None:
        """The job with this id, or None."""
        rows = self._read("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _job_row(rows[0]) if rows else None


def _set_row(row: sqlite3.Row) -> SetRow:
    notes = Notes()
    if row["load_unit"] is not None:  # a notes row exists
        notes = Notes(row["load"], row["load_unit"], row["equipment"], row["rpe"], row["note"])
    try:
        reps = json.loads(row["reps_json"])
    except json.JSONDecodeError:
        reps = []
    return SetRow(
        id=int(row["id"]),
        run_dir=Path(row["run_dir"]),
        origin=str(row["origin"]),
        performed_at=str(row["performed_at"]),
        created_at=str(row["created_at"]),
        name=str(row["name"]),
        rep_count=int(row["rep_count"]),
        clean_reps=int(row["clean_reps"]),
        main_fault=row["main_fault"],
        main_cue=row["main_cue"],
        partial=bool(row["partial"]),
        variant=row["variant"],
        reps=reps if isinstance(reps, list) else [],
        notes=notes,
    )


def _job_row(row: sqlite3.Row) -> JobRow:
    return JobRow(
        id=int(row["id"]),
        state=str(row["state"]),
        name=str(row["name"]),
        upload=Path(row["upload"]),
        performed_at=str(row["performed_at"]),
        run_dir=Path(row["run_dir"]) if row["run_dir"] else None,
        progress=float(row["progress"]),
        message=str(row["message"]),
        attempts=int(row["attempts"]),
        set_id=None if row["set_id"] is None else int(row["set_id"]),
    )
