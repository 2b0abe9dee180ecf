"""Trends over sessions, for the Progress page: weekly totals and per-set lockout figures.

Inputs: `SetRow`s (their per-rep facts and notes). Outputs: `Week`s (reps, clean share, each
fault's rate) and `SetPoint`s (one set's median lockout hip and knee angle, pause, load, RPE).
Pure: no I/O.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from hipthrust_cam.store.records import SetRow


@dataclass(frozen=True)
class Week:
    """One calendar week (Monday first) of sets.

    Attributes:
        start: The week's Monday.
        sets: Sets filmed that week.
        reps: Reps counted.
        clean: Clean reps.
        fault_reps: Fault code -> reps with that fault.
    """

    start: date
    sets: int
    reps: int
    clean: int
    fault_reps: dict[str, int] = field(default_factory=dict)

    @property
    def clean_share(self) -> float | None:
        """Clean reps / reps, or None for a week without reps."""
        return self.clean / self.reps if self.reps else None

    def fault_rate(self, code: str) -> float | None:
        """Share of the week's reps with this fault, or None without reps."""
        return self.fault_reps.get(code, 0) / self.reps if self.reps else None


@dataclass(frozen=True)
class SetPoint:
    """One set's figures at lockout (medians over its reps; None when not measured)."""

    set_id: int
    when: datetime
    hip_deg: float | None
    knee_deg: float | None
    pause_s: float | None
    load_kg: float | None
    rpe: float | None


def _median(values: Iterable[object]) -> float | None:
    found = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return statistics.median(found) if found else None


def week_start(when: datetime) -> date:
    """The Monday of the week `when` falls in (its own local date)."""
    day = when.date()
    return day - timedelta(days=day.weekday())


def weekly(sets: Sequence[SetRow]) -> list[Week]:
    """The weeks from the first set to the last, oldest first (empty weeks included)."""
    if not sets:
        return []
    buckets: dict[date, list[SetRow]] = {}
    for row in sets:
        buckets.setdefault(week_start(row.when), []).append(row)
    first, last = min(buckets), max(buckets)
    weeks = []
    day = first
    while day <= last:
        rows = buckets.get(day, [])
        faults: Counter[str] = Counter()
        for row in rows:
            for rep in row.reps:
                faults.update(set(rep.get("faults") or []))
        weeks.append(
            Week(
                start=day,
                sets=len(rows),
                reps=sum(r.rep_count for r in rows),
                clean=sum(r.clean_reps for r in rows),
                fault_reps=dict(faults),
            )
        )
        day += timedelta(days=7)
    return weeks


def set_points(sets: Sequence[SetRow]) -> list[SetPoint]:
    """One point per set, oldest first."""
    return [
        SetPoint(
            set_id=row.id,
            when=row.when,
            hip_deg=_median(rep.get("hip") for rep in row.reps),
            knee_deg=_median(rep.get("knee") for rep in row.reps),
            pause_s=_median(rep.get("pause") for rep in row.reps),
            load_kg=row.notes.load_kg,
            rpe=row.notes.rpe,
        )
        for row in sorted(sets, key=lambda r: (r.when, r.id))
    ]


def faults_seen(weeks: Sequence[Week], priority: Sequence[str]) -> list[str]:
    """The fault codes seen in any week, in cue priority order (unknown codes last)."""
    seen = {code for week in weeks for code in week.fault_reps}
    rank = {code: i for i, code in enumerate(priority)}
    return sorted(seen, key=lambda c: (rank.get(c, len(rank)), c))
