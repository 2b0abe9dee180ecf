"""Writing and re-rendering a run's report files: the I/O edge of `report`.

Inputs: a run folder plus the report dict, timeline columns and lockout thumbnails (JPEG bytes)
the analyzer and the CLI produce. Outputs, in the run folder: report.json, reps.csv,
timeline.csv, report.html and thumbnails/rep_NN.jpg. Every file is written atomically (a temp
file in the same folder, then `os.replace`), so a reader never sees half a file.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hipthrust_cam.atomic import atomic_open
from hipthrust_cam.datatypes import json_safe
from hipthrust_cam.report.page import render_html
from hipthrust_cam.report.tables import (
    ReportError,
    parse_timeline_csv,
    reps_csv,
    timeline_csv,
)

__all__ = [
    "ReportError",
    "load_run",
    "rerender",
    "thumbnail_name",
    "write_atomic",
    "write_run_reports",
]

logger = logging.getLogger(__name__)

THUMB_DIR = "thumbnails"
_THUMB_RE = re.compile(r"^rep_(\d+)\.jpg$")


def thumbnail_name(index: int) -> str:
    """File name of a rep's lockout thumbnail: 3 -> "rep_03.jpg"."""
    return f"rep_{int(index):02d}.jpg"


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write `data` to `path` via a temp file in the same folder and `os.replace`.

    Args:
        path: Destination file; its folder must exist.
        data: Bytes, or text written as UTF-8 with line ends kept as given.

    Returns:
        `path`.

    """
    path = Path(path)
    with atomic_open(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _write_thumbnails(run_dir: Path, thumbnails: Mapping[Any, bytes]) -> list[Path]:
    folder = run_dir / THUMB_DIR
    folder.mkdir(exist_ok=True)
    keep = {thumbnail_name(int(k)) for k in thumbnails}
    for old in folder.glob("rep_*.jpg"):
        if _THUMB_RE.match(old.name) and old.name not in keep:
            old.unlink()
    return [
        write_atomic(folder / thumbnail_name(int(k)), bytes(v))
        for k, v in sorted(thumbnails.items(), key=lambda kv: int(kv[0]))
    ]


def write_run_reports(
    out_dir: str | Path,
    report: Mapping[str, Any],
    timeline: Mapping[str, Any],
    thumbnails: Mapping[Any, bytes] | None = None,
) -> list[Path]:
    """Write every report file of a run.

    Args:
        out_dir: The run folder (created if missing).
        report: The report.json dict; NaN numbers are written as null.
        timeline: Per-frame columns, see `report.timeline_csv`.
        thumbnails: Rep index -> JPEG bytes of the lockout frame. Older thumbnails of reps
            that are no longer in the report are removed.

    Returns:
        The paths written: report.json, timeline.csv, reps.csv, report.html, thumbnails.

    """
    run_dir = Path(out_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    thumbnails = dict(thumbnails or {})
    safe = json_safe(report)
    text = json.dumps(safe, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    written = [
        write_atomic(run_dir / "report.json", text),
        write_atomic(run_dir / "timeline.csv", timeline_csv(timeline)),
    ]
    written += _render(run_dir, safe, timeline, thumbnails)
    written += _write_thumbnails(run_dir, thumbnails)
    logger.info("Wrote %d report files to %s", len(written), run_dir)
    return written


def _render(
    run_dir: Path,
    report: Mapping[str, Any],
    timeline: Mapping[str, Any],
    thumbnails: Mapping[Any, bytes],
) -> list[Path]:
    return [
        write_atomic(run_dir / "reps.csv", reps_csv(report)),
        write_atomic(run_dir / "report.html", render_html(report, timeline, thumbnails)),
    ]


def _read_thumbnails(run_dir: Path) -> dict[int, bytes]:
    folder = run_dir / THUMB_DIR
    found = {}
    for path in sorted(folder.glob("rep_*.jpg")) if folder.is_dir() else []:
        match = _THUMB_RE.match(path.name)
        if match:
            found[int(match.group(1))] = path.read_bytes()
    return found


def rerender(run_dir: str | Path) -> list[Path]:
    """Rebuild reps.csv and report.html of a finished run from its report.json.

    timeline.csv and thumbnails/ are used when present (without them the page has no plots or
    pictures, and says so).

    Args:
        run_dir: A folder written by `write_run_reports`.

    Returns:
        The paths rewritten (reps.csv, report.html).

    Raises:
        ReportError: The folder or its report.json is missing or unreadable.

    """
    run_dir = Path(run_dir)
    report, timeline, thumbnails = load_run(run_dir)
    return _render(run_dir, report, timeline, thumbnails)


def load_run(run_dir: str | Path) -> tuple[dict[str, Any], dict[str, Any], dict[int, bytes]]:
    """A run folder's report, timeline columns and lockout thumbnails, read back.

    Args:
        run_dir: A folder written by `write_run_reports`.

    Returns:
        (report.json dict, timeline columns or {} without timeline.csv, rep -> JPEG bytes).

    Raises:
        ReportError: The folder or its report.json is missing or unreadable.

    """
    run_dir = Path(run_dir)
    report_path = run_dir / "report.json"
    if not report_path.is_file():
        raise ReportError(f"{run_dir}: no report.json here; is this a hipthrust-cam run folder?")
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{report_path}: cannot read the report: {exc}") from exc
    if not isinstance(report, dict):
        raise ReportError(f"{report_path}: expected a JSON object, got {type(report).__name__}")
    timeline: dict[str, Any] = {}
    timeline_path = run_dir / "timeline.csv"
    if timeline_path.is_file():
        timeline = parse_timeline_csv(timeline_path.read_text(encoding="utf-8"))
    else:
        logger.warning("%s missing: the page will have no angle plots", timeline_path)
    return report, timeline, _read_thumbnails(run_dir)
