"""The database schema as a list of migrations, applied in order inside one transaction each.

Inputs: an open `sqlite3.Connection`. Output: the schema at `LATEST` (`PRAGMA user_version`
holds the version). A database made by a newer release is refused, never downgraded.
Migration N is `MIGRATIONS[N - 1]`; a released migration is never edited, only appended to.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: sets (one row per analysed set, pointing at its run folder) and the upload queue.
    """
    CREATE TABLE sets (
        id INTEGER PRIMARY KEY,
        run_dir TEXT NOT NULL UNIQUE,
        origin TEXT NOT NULL,
        performed_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        name TEXT NOT NULL,
        rep_count INTEGER NOT NULL,
        clean_reps INTEGER NOT NULL,
        main_fault TEXT,
        main_cue TEXT,
        partial INTEGER NOT NULL DEFAULT 0,
        variant TEXT,
        reps_json TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX sets_performed ON sets(performed_at);
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        name TEXT NOT NULL,
        upload TEXT NOT NULL,
        performed_at TEXT NOT NULL,
        run_dir TEXT,
        progress REAL NOT NULL DEFAULT 0,
        message TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        set_id INTEGER REFERENCES sets(id) ON DELETE SET NULL
    );
    CREATE INDEX jobs_state ON jobs(state);
    """,
    # 2: the lifter's notes on a set: load, equipment, effort and free text.
    """
    CREATE TABLE notes (
        set_id INTEGER PRIMARY KEY REFERENCES sets(id) ON DELETE CASCADE,
        load REAL CHECK (load IS NULL OR load >= 0),
        load_unit TEXT NOT NULL DEFAULT 'kg' CHECK (load_unit IN ('kg', 'lb')),
        equipment TEXT CHECK (equipment IS NULL OR equipment IN
            ('bodyweight', 'barbell', 'dumbbell', 'band', 'machine')),
        rpe REAL CHECK (rpe IS NULL OR (rpe >= 1 AND rpe <= 10)),
        note TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    """,
)

LATEST = len(MIGRATIONS)


class SchemaError(Exception):
    """The database cannot be used by this release (made by a newer one, or damaged)."""


def version(conn: sqlite3.Connection) -> int:
    """The schema version the database is at (0 = empty)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> int:
    """Brings the database up to `target`, one transaction per migration.

    Args:
        conn: A connection in autocommit mode (`isolation_level=None`).
        target: The version wanted (tests stop at older ones to test later migrations).

    Returns:
        The version reached.

    Raises:
        SchemaError: The database is at a newer version than this release knows.
    """
    current = version(conn)
    if current > LATEST:
        raise SchemaError(
            f"the history database is at schema version {current}, newer than this "
            f"hipthrust-cam knows ({LATEST}): upgrade hipthrust-cam"
        )
    for number in range(current + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return version(conn)


def _statements(script: str) -> list[str]:
    """A migration's statements (executescript would commit on its own, outside ours)."""
    return [s.strip() for s in script.split(";") if s.strip()]
