"""What ../shared/clips/MANIFEST.md says a good analyzer reports on each real clip, as checks.

Used by `test_real_clips.py` and by `tools/real_clips.py` (the README's table). Each check
takes the report.json dict and returns None when it holds, or what went wrong in a few words.
A mirrored clip (`cv2.flip(frame, 1)`: the other side faces the camera) must give the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Report = dict[str, Any]
Check = Callable[[Report], str | None]

FOOT_FAULTS = ("feet_too_far", "feet_too_close")


def faults(rep: dict[str, Any], *, possible: bool = False) -> set[str]:
    """The rep's fault codes: the definite ones, or with `possible` also the possible ones."""
    return {f["code"] for f in rep["faults"] if possible or not f["possible"]}


def reps(n: int) -> Check:
    def check(r: Report) -> str | None:
        return None if r["rep_count"] == n else f"{r['rep_count']} reps, not {n}"

    return check


def every_rep_has(code: str) -> Check:
    def check(r: Report) -> str | None:
        missing = [rep["index"] for rep in r["reps"] if code not in faults(rep)]
        return f"rep {missing} without {code}" if missing else None

    return check


def no_rep_has(*codes: str) -> Check:
    def check(r: Report) -> str | None:
        found = {c for rep in r["reps"] for c in faults(rep) if c in codes}
        return f"reported {', '.join(sorted(found))}" if found else None

    return check


def warns(*codes: str) -> Check:
    """At least one of `codes` is among the set's warnings."""

    def check(r: Report) -> str | None:
        got = set(r["setup"]["warning_codes"])
        return None if got & set(codes) else f"no {' / '.join(codes)} warning (got {sorted(got)})"

    return check


def never_warns(*codes: str) -> Check:
    def check(r: Report) -> str | None:
        got = set(r["setup"]["warning_codes"]) & set(codes)
        return f"warned {sorted(got)}" if got else None

    return check


def movement(name: str) -> Check:
    def check(r: Report) -> str | None:
        got = r["setup"]["movement"]
        return None if got == name else f"movement {got}, not {name}"

    return check


def knee_between(lo: float, hi: float) -> Check:
    def check(r: Report) -> str | None:
        bad = [rep["knee_angle_deg"] for rep in r["reps"]]
        bad = [k for k in bad if k is None or not lo <= k <= hi]
        return f"knee {bad} outside {lo}-{hi}" if bad else None

    return check


def first_rep_after(t_s: float) -> Check:
    def check(r: Report) -> str | None:
        start = r["reps"][0]["start_s"] if r["reps"] else None
        return None if start is not None and start > t_s else f"first rep starts at {start}"

    return check


NOT_IN_FRAME = ("knees_out", "feet_out")

EXPECTED: dict[str, tuple[str, tuple[Check, ...]]] = {
    # clip -> (what MANIFEST says a good analyzer reports, the checks)
    "ht_db_feetclose_side_tiktok.mp4": (
        "2 reps; feet too close on both",
        (reps(2), every_rep_has("feet_too_close"), no_rep_has("feet_too_far"),
         knee_between(55.0, 80.0)),
    ),
    "ht_db_feetfar_side_tiktok.mp4": (
        "2 reps; feet too far on both; the trailing start is no rep",
        (reps(2), every_rep_has("feet_too_far"), no_rep_has("feet_too_close"),
         knee_between(103.0, 125.0)),
    ),
    "ht_db_shinsvertical_side_tiktok.mp4": (
        "2 reps; no foot fault; the lockout at most possible",
        (reps(2), no_rep_has(*FOOT_FAULTS, "incomplete_lockout"), knee_between(78.0, 105.0)),
    ),
    "ht_barbell_side_gym.mp4": (
        # MANIFEST's lockouts: 1.1-2.05 s and 4.3-5.0 s, both held well past "no pause" (0.3 s).
        "2 reps; no foot fault; no 'not a hip thrust', no 'move back'; lockout at most possible; "
        "held at the top",
        (reps(2), no_rep_has(*FOOT_FAULTS, "incomplete_lockout", "no_pause"),
         never_warns("not_hip_thrust", *NOT_IN_FRAME), movement("hip_thrust")),
    ),
    "gb_band_side_pexels.mp4": (
        "2 reps; a glute bridge; the start at the top adds no rep",
        (reps(2), movement("glute_bridge"), first_rep_after(1.0)),
    ),
    "neg_deadlift_side_gym.mp4": (
        "no reps; not a hip thrust",
        (reps(0), warns("not_hip_thrust")),
    ),
    "neg_squat_front_pexels.mp4": (
        "no reps; a side view is needed",
        (reps(0), warns("front_view")),
    ),
    "neg_pushup_rot90meta_gym.mp4": (
        "no reps; not a hip thrust",
        (reps(0), warns("not_hip_thrust")),
    ),
    "neg_inclinepushup_side_closeup_pexels.mp4": (
        "no reps; knees/feet not visible",
        (reps(0), warns(*NOT_IN_FRAME)),
    ),
}  # fmt: skip


def problems(clip: str, report: Report) -> list[str]:
    """Every check of `clip` that fails on `report` (empty: it reports what MANIFEST says)."""
    return [msg for check in EXPECTED[clip][1] if (msg := check(report)) is not None]
