"""What a correct analyzer reports on a rendered sample, from its truth JSON.

A turned camera (the truth's `camera.faults_needing_a_side_view`) hides some faults: there
they must not be reported at all, not even as possible ones, and the rest are scored as usual.
"""

from __future__ import annotations

from typing import Any


def hidden(truth: dict[str, Any]) -> set[str]:
    """The faults this render's camera angle cannot show."""
    return set(truth.get("camera", {}).get("faults_needing_a_side_view", []))


def expected_faults(truth: dict[str, Any]) -> list[list[str]]:
    """Per rep, the sorted fault codes a correct analyzer reports as faults (not possible)."""
    return [sorted(set(rep["faults"]) - hidden(truth)) for rep in truth["reps"]]


def reported(report: dict[str, Any], *, possible: bool = False) -> list[list[str]]:
    """Per rep, the sorted fault codes the report gives (with `possible`: only those)."""
    return [
        sorted(f["code"] for f in rep["faults"] if f["possible"] == possible)
        for rep in report["reps"]
    ]


def problems(truth: dict[str, Any], report: dict[str, Any]) -> list[str]:
    """How the report departs from the truth (empty: it matches)."""
    wrong = []
    if report["rep_count"] != truth["rep_count"]:
        wrong.append(f"{report['rep_count']} reps, truth {truth['rep_count']}")
    elif reported(report) != expected_faults(truth):
        wrong.append(f"faults {reported(report)}, truth {expected_faults(truth)}")
    shown = {c for rep in reported(report, possible=True) for c in rep} & hidden(truth)
    if shown:
        wrong.append(f"the camera angle hides {sorted(shown)}, yet they were reported")
    return wrong


KNOWN_LIMITS: dict[str, str] = {
    "gym_barbell_left.mp4": (
        "the pose model puts the ear of the upside-down frontal face photo on the chest side of "
        "the torso line (head angle read -24 to -31 deg, drawn +30): head thrown back is "
        "missed or only possible; the reps and every other fault are right"
    ),
    "gym_feet_far_tall.mp4": (
        "under the dark trousers the full model's knee and ankle are off by a median 35 and "
        "59 px (visibility 0.23): feet too far is reported as possible, not as a fault; the "
        "reps and every other fault are right"
    ),
}
"""Renders whose faults the pose model cannot see well enough: expected to fail, listed here
so the gap stays visible (a strict xfail turns red the day it is closed)."""


def cases(names: list[str], *, strict: bool = True) -> list[Any]:
    """`names` as pytest params, the known limits marked as expected failures."""
    import pytest

    def mark(name: str) -> Any:
        video = name.replace(".truth.json", ".mp4")
        if video in KNOWN_LIMITS:
            return pytest.param(
                name, marks=pytest.mark.xfail(reason=KNOWN_LIMITS[video], strict=strict)
            )
        return name

    return [mark(n) for n in names]
