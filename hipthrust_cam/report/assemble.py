"""Assembling report.json: an analysed set as one plain, JSON-safe dict.

Inputs: an `Analyzer` after (or during) a set, and what the source was. Outputs: the report.json
dict (schema_version 1; NaN as null, valid at any time, so an interrupted set is reported too),
the per-frame timeline columns, and `analyze_series`, which runs a whole recording's keypoints
through a fresh analyzer and returns its results and report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

from hipthrust_cam.analysis.analyzer import Analyzer
from hipthrust_cam.analysis.faults import POSSIBLE_ONLY, VIEW_JUDGES
from hipthrust_cam.analysis.features import ANGLE_NAMES
from hipthrust_cam.analysis.framing import MESSAGES
from hipthrust_cam.analysis.reps import RepEvent
from hipthrust_cam.analysis.results import FrameResult
from hipthrust_cam.config import Config
from hipthrust_cam.datatypes import KeypointSeries, json_safe

SCHEMA_VERSION = 1
DISCLAIMER = (
    "Technique feedback, not medical advice. If anything hurts, stop and see a professional."
)
SIDE_VIEW_ONLY = "Knees caving in needs a front view; a side view cannot judge it."


def build_report(
    analyzer: Analyzer,
    source: Mapping[str, Any],
    *,
    partial: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report.json dict of a set, valid at any time, NaN as null.

    Args:
        analyzer: The set's analyzer (after `finish` for a complete set).
        source: The report's "source" block (path, fps, frames, size, duration).
        partial: The set was interrupted (Ctrl-C): what was measured so far.
        extra: More top-level blocks (e.g. live mode's "live").
    """
    cfg = analyzer.cfg
    texts = cfg.cues.texts
    report = {
        "schema_version": SCHEMA_VERSION,
        "source": dict(source),
        "setup": _setup_block(analyzer),
        "rep_count": len(analyzer.reps),
        "reps": [r.to_dict(texts) for r in analyzer.reps],
        "partial_reps": [_partial_block(e) for e in analyzer.partials],
        "summary": _summary(analyzer, partial),
        "config": cfg.analysis_dict(),
        "disclaimer": DISCLAIMER,
        **dict(extra or {}),
    }
    return json_safe(report)


def _setup_block(analyzer: Analyzer) -> dict[str, Any]:
    setup = analyzer.setup_summary()
    return {
        "side": setup.side,
        "view": setup.view,
        "camera_yaw_deg": round(setup.yaw_deg, 1),
        "not_judged_from_view": [
            code for code in analyzer.cfg.cues.priority if code not in VIEW_JUDGES[setup.view]
        ],
        "possible_only_from_view": sorted(POSSIBLE_ONLY.get(setup.view, ())),
        "variant": setup.variant,
        "movement": setup.movement,
        "warnings": [MESSAGES[c] for c in setup.warning_codes],
        "warning_codes": list(setup.warning_codes),
        "side_view_only": SIDE_VIEW_ONLY,
        "rejected_candidates": [
            {"start_s": r.measures.start_s, "end_s": r.measures.end_s, "movement": r.movement}
            for r in analyzer.rejected
        ],
    }


def _partial_block(event: RepEvent) -> dict[str, Any]:
    return {
        "start_s": event.start_s,
        "end_s": event.end_s,
        "peak_hip_deg": event.peak_deg,
        "rom_deg": event.rom_deg,
        "reached_lockout": False,
    }


def _summary(analyzer: Analyzer, partial: bool) -> dict[str, Any]:
    cfg, reps = analyzer.cfg, analyzer.reps
    counts = Counter(f.code for r in reps for f in r.faults if not f.possible)
    possible = Counter(f.code for r in reps for f in r.faults if f.possible)
    rank = {code: i for i, code in enumerate(cfg.cues.priority)}
    top = min(counts, key=lambda c: (-counts[c], rank.get(c, len(rank)))) if counts else None
    t = analyzer.timeline.t_s
    return {
        "clean_reps": sum(r.clean for r in reps),
        "most_frequent_fault": top,
        "most_frequent_cue": cfg.cues.texts.get(top) if top else None,
        "fault_counts": dict(counts),
        "possible_fault_counts": dict(possible),
        "set_duration_s": (t[-1] - t[0]) if len(t) > 1 else 0.0,
        "time_under_tension_s": sum(r.measures.end_s - r.measures.start_s for r in reps),
        "judged_reps": sum(r.measures.judged for r in reps),
        "partial": partial,
    }


def timeline_columns(analyzer: Analyzer) -> dict[str, np.ndarray | list[str]]:
    """Per-frame columns: t_s, phase, rep (1-based, 0 none), the five angles, faults (";")."""
    tl = analyzer.timeline
    t = np.array(tl.t_s, dtype=np.float64)
    rep = np.zeros(len(t), dtype=np.int32)
    faults = [set(f) for f in tl.faults]
    for r in analyzer.reps:
        m = r.measures
        rep[(t >= m.start_s) & (t <= m.end_s)] = m.index
        for f in r.faults:
            for i in np.flatnonzero((t >= f.t_start_s) & (t <= f.t_end_s)):
                faults[i].add(f.code)
    angles = np.array(tl.angles, dtype=np.float64).reshape(len(t), len(ANGLE_NAMES))
    out: dict[str, np.ndarray | list[str]] = {"t_s": t, "phase": list(tl.phase), "rep": rep}
    out.update({name: angles[:, i] for i, name in enumerate(ANGLE_NAMES)})
    out["faults"] = [";".join(sorted(f)) for f in faults]
    return out


def analyze_series(
    series: KeypointSeries, config: Config
) -> tuple[list[FrameResult], dict[str, Any]]:
    """Analyse a whole recording offline.

    Args:
        series: The recording's keypoints.
        config: The effective config.

    Returns:
        (one `FrameResult` per frame, the report.json dict).
    """
    fps = float(series.fps) if series.fps and series.fps > 0 else 30.0
    analyzer = Analyzer(config, series.image_size, offline=True, fps=fps)
    results: list[FrameResult] = []
    for i in range(len(series)):
        results.extend(analyzer.push(series.frame(i)))
    results.extend(analyzer.finish())
    source = {
        "path": series.source,
        "fps": fps,
        "frames": len(series),
        "image_size": list(series.image_size),
        "duration_s": float(series.t_s[-1] - series.t_s[0]) if len(series) > 1 else 0.0,
    }
    return results, build_report(analyzer, source)
