"""When to add load: only once the target reps are done with clean form, set after set.

Inputs: `SetRow`s with their notes, how many recent sets must qualify (N) and the target reps.
Output: one `Advice` per exercise setup (equipment, with or without a bench): "ready to add
load" when each of the last N sets at the current load reached the target reps with every rep
clean, or else what still holds the load back, with the sets it is based on. Pure: no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hipthrust_cam.store.records import SetRow

VARIANT_WORDS = {"bench": "hip thrust", "bridge": "glute bridge"}
LOAD_TOLERANCE_KG = 0.01


@dataclass(frozen=True)
class Advice:
    """The verdict for one exercise setup.

    Attributes:
        setup: The setup in words, e.g. "Barbell hip thrust".
        load: The current load as noted ("60 kg", "bodyweight").
        ready: Every one of the last N sets at this load was clean and reached the target.
        reason: Why (ready) or what holds it back, one sentence.
        sets: The sets the verdict is based on, newest first.
    """

    setup: str
    load: str
    ready: bool
    reason: str
    sets: tuple[SetRow, ...]


def setup_name(row: SetRow) -> str | None:
    """A set's exercise setup in words, or None when its equipment is not noted."""
    if row.notes.equipment is None:
        return None
    movement = VARIANT_WORDS.get(str(row.variant), "hip thrust")
    return f"{row.notes.equipment.capitalize()} {movement}"


def advise(
    sets: Sequence[SetRow], needed: int, target_reps: int, cues: Mapping[str, str]
) -> list[Advice]:
    """One `Advice` per setup, the most recently trained setup first.

    Args:
        sets: The history (any order); sets without equipment or load are left out.
        needed: N, how many recent sets at the current load must all qualify.
        target_reps: Reps each of them must reach.
        cues: Fault code -> cue text, to name what keeps coming back.
    """
    by_setup: dict[str, list[SetRow]] = {}
    for row in sorted(sets, key=lambda r: (r.when, r.id), reverse=True):
        name = setup_name(row)
        if name is not None and row.notes.load_kg is not None and row.files_present:
            by_setup.setdefault(name, []).append(row)
    return [_advice(name, rows, needed, target_reps, cues) for name, rows in by_setup.items()]


def _advice(
    name: str, rows: list[SetRow], needed: int, target: int, cues: Mapping[str, str]
) -> Advice:
    current = rows[0].notes.load_kg or 0.0
    same = [r for r in rows if abs((r.notes.load_kg or 0.0) - current) <= LOAD_TOLERANCE_KG]
    recent = tuple(same[:needed])
    load = rows[0].notes.load_text
    short = [r for r in recent if r.rep_count < target]
    faulty = [r for r in recent if r.clean_reps < r.rep_count]
    if len(recent) == needed and not short and not faulty:
        return Advice(
            name,
            load,
            True,
            f"Ready to add load: your last {needed} sets at {load} each reached {target} reps "
            "with every rep clean.",
            recent,
        )
    reasons = []
    if faulty:
        reasons.append(_recurring_fault(recent, cues))
    if short:
        fewest = min(r.rep_count for r in short)
        reasons.append(
            f"{len(short)} of these sets stopped short of {target} reps (fewest {fewest})"
        )
    if len(recent) < needed:
        reasons.append(f"{len(recent)} of the {needed} sets needed at {load} so far")
    return Advice(name, load, False, "Stay at this load: " + "; ".join(reasons) + ".", recent)


def _recurring_fault(rows: Sequence[SetRow], cues: Mapping[str, str]) -> str:
    counts: Counter[str] = Counter()
    for row in rows:
        for rep in row.reps:
            counts.update(set(rep.get("faults") or []))
    total = sum(r.rep_count for r in rows)
    if not counts:
        return "some reps were not clean"
    code, hits = counts.most_common(1)[0]
    cue = cues.get(code, code.replace("_", " "))
    return f"“{cue}” keeps coming back ({hits} of {total} reps in those sets)"
