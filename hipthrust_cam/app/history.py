"""The history as the command line sees it: remember a finished run, list every set.

Inputs: a run folder and where it came from, or just the data folder. Outputs: the set's id,
or the lines `hipthrust-cam history` prints. The database is opened (and migrated) on demand.
"""

from __future__ import annotations

from pathlib import Path

from hipthrust_cam.store.db import Store
from hipthrust_cam.store.folders import register_run
from hipthrust_cam.store.layout import DataDir
from hipthrust_cam.store.records import ORIGINS, SetRow


def open_store(root: Path | None) -> tuple[DataDir, Store]:
    """The data folder (created) and its store (migrated)."""
    data = DataDir.resolve(root).ensure()
    return data, Store.open(data.db)


def remember(run_dir: Path, origin: str, name: str, performed_at: str, root: Path | None) -> int:
    """Adds a finished run folder to the history; returns its set id.

    Raises:
        StoreError: The database cannot be written, or the run has no readable report.
    """
    _, store = open_store(root)
    return register_run(store, run_dir.resolve(), origin, name, performed_at)


def _row_line(row: SetRow) -> str:
    when = row.when.strftime("%Y-%m-%d %H:%M")
    cue = row.main_cue or ("good" if row.rep_count and row.clean_reps == row.rep_count else "-")
    load = row.notes.load_text or "-"
    where = str(row.run_dir) if row.files_present else f"{row.run_dir} (files missing)"
    return (
        f"{row.id:>4}  {when}  {row.rep_count:>4} {row.clean_reps:>5}  {cue[:22]:<22} "
        f"{load[:12]:<12} {ORIGINS.get(row.origin, row.origin)[:14]:<14} {where}"
    )


def history_lines(root: Path | None) -> list[str]:
    """The history as a table, newest set first, for the terminal."""
    data, store = open_store(root)
    rows = store.sets()
    if not rows:
        return [f"no sets yet in {data.root}: analyse a video or start `hipthrust-cam app`"]
    header = (
        f"{'id':>4}  {'date':<16}  {'reps':>4} {'clean':>5}  {'main cue':<22} "
        f"{'load':<12} {'from':<14} folder"
    )
    missing = sum(not r.files_present for r in rows)
    tail = [f"{len(rows)} sets in {data.db}"]
    if missing:
        tail.append(f"{missing} of them lost their files (folder moved or deleted)")
    return [header, *(_row_line(r) for r in rows), *tail]
