"""What the history keeps of a set, read from its report.json; the rows the store returns.

Inputs: a report.json dict (schema_version 1). Outputs: `NewSet` (what a set row is made
from), `SetRow` (a row with its notes), `Notes` and `JobRow`. Plain data; a `SetRow` only
looks on disk for its own folder.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EQUIPMENT: tuple[str, ...] = ("bodyweight", "barbell", "dumbbell", "band", "machine")
LOAD_UNITS: tuple[str, ...] = ("kg", "lb")
LB_IN_KG = 0.45359237
ORIGINS: dict[str, str] = {
    "upload": "uploaded",
    "browser": "filmed live",
    "analyze": "analysed from a video file",
    "live": "filmed live (desktop window)",
    "found": "found in the data folder",
}
"""Where a set came from -> how the pages name it."""


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def iso_from_timestamp(seconds: float) -> str:
    """A POSIX time as ISO 8601 UTC (e.g. a video file's modification time)."""
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=0).isoformat()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def rep_facts(rep: Mapping[str, Any]) -> dict[str, Any]:
    """What the trends need of one rep: lockout angles, pause, its (sure) faults."""
    faults = [
        str(f.get("code"))
        for f in rep.get("faults") or []
        if isinstance(f, Mapping) and not f.get("possible")
    ]
    return {
        "hip": _number(rep.get("hip_extension_deg")),
        "knee": _number(rep.get("knee_angle_deg")),
        "pause": _number(rep.get("pause_s")),
        "faults": faults,
        "clean": not faults,
    }


@dataclass(frozen=True)
class NewSet:
    """A set to add to the history.

    Attributes:
        run_dir: Its run folder (absolute).
        origin: A key of `ORIGINS`.
        performed_at: When it was filmed, ISO 8601 UTC.
        name: The video's name as the user knows it (display only, never a path).
        report: Its report.json dict.
    """

    run_dir: Path
    origin: str
    performed_at: str
    name: str
    report: Mapping[str, Any]

    def columns(self) -> dict[str, Any]:
        """The `sets` row's columns."""
        report = self.report
        summary = report.get("summary") or {}
        setup = report.get("setup") or {}
        reps = [r for r in report.get("reps") or [] if isinstance(r, Mapping)]
        facts = [rep_facts(r) for r in reps]
        return {
            "run_dir": str(self.run_dir),
            "origin": self.origin,
            "performed_at": self.performed_at,
            "created_at": now_iso(),
            "name": self.name,
            "rep_count": int(report.get("rep_count") or len(reps)),
            "clean_reps": sum(f["clean"] for f in facts),
            "main_fault": summary.get("most_frequent_fault"),
            "main_cue": summary.get("most_frequent_cue"),
            "partial": int(bool(summary.get("partial"))),
            "variant": setup.get("variant"),
            "reps_json": json.dumps(facts),
        }


@dataclass(frozen=True)
class Notes:
    """The lifter's notes on a set.

    Attributes:
        load: The weight moved, in `load_unit` (None: not noted).
        load_unit: "kg" or "lb".
        equipment: One of `EQUIPMENT`, or None.
        rpe: Effort, rate of perceived exertion 1-10 (None: not noted).
        note: Free text.
    """

    load: float | None = None
    load_unit: str = "kg"
    equipment: str | None = None
    rpe: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.load is not None and not (math.isfinite(self.load) and 0 <= self.load <= 2000):
            raise ValueError("the load must be a number from 0 to 2000")
        if self.load_unit not in LOAD_UNITS:
            raise ValueError("the load unit must be kg or lb")
        if self.equipment is not None and self.equipment not in EQUIPMENT:
            raise ValueError(f"the equipment must be one of {', '.join(EQUIPMENT)}")
        if self.rpe is not None and not (math.isfinite(self.rpe) and 1 <= self.rpe <= 10):
            raise ValueError("the effort (RPE) must be from 1 to 10")
        if len(self.note) > 2000:
            raise ValueError("the note must be at most 2000 characters")

    @property
    def load_kg(self) -> float | None:
        """The load in kg (bodyweight with no load noted counts as 0)."""
        if self.load is None:
            return 0.0 if self.equipment == "bodyweight" else None
        return self.load * (LB_IN_KG if self.load_unit == "lb" else 1.0)

    @property
    def load_text(self) -> str:
        """The load as the lifter wrote it: "60 kg", "bodyweight", or ""."""
        if self.load is None:
            return "bodyweight" if self.equipment == "bodyweight" else ""
        return f"{self.load:g} {self.load_unit}"

    @property
    def empty(self) -> bool:
        """Nothing noted."""
        return self == Notes()


@dataclass(frozen=True)
class SetRow:
    """A set in the history, with its notes."""

    id: int
    run_dir: Path
    origin: str
    performed_at: str
    created_at: str
    name: str
    rep_count: int
    clean_reps: int
    main_fault: str | None
    main_cue: str | None
    partial: bool
    variant: str | None
    reps: list[dict[str, Any]] = field(default_factory=list)
    notes: Notes = field(default_factory=Notes)

    @property
    def files_present(self) -> bool:
        """Its run folder still holds its report (it may have been moved or deleted)."""
        return (self.run_dir / "report.json").is_file()

    @property
    def video(self) -> Path | None:
        """Its annotated video (`annotated.mp4`, or a live set's `live.mp4`), if present."""
        for name in ("annotated.mp4", "live.mp4"):
            if (self.run_dir / name).is_file():
                return self.run_dir / name
        return None

    @property
    def when(self) -> datetime:
        """`performed_at` as an aware datetime in the local time zone."""
        return datetime.fromisoformat(self.performed_at).astimezone()


@dataclass(frozen=True)
class JobRow:
    """An uploaded video's analysis in the queue."""

    id: int
    state: str
    name: str
    upload: Path
    performed_at: str
    run_dir: Path | None
    progress: float
    message: str
    attempts: int
    set_id: int | None
