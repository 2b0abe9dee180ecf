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
