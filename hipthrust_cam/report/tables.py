"""Per-rep report data: CSV text, target bands and fault sentences, built from plain data.

Inputs: the report.json dict (schema_version 1) and the per-frame timeline dict (columns `t_s`,
`phase`, `rep`, the five lockout angles in degrees, `faults`). Outputs: strings only
(`reps_csv`, `timeline_csv`, `fault_sentence`), the lockout target bands (`target_bands`) and
the timeline parsed back from CSV (`parse_timeline_csv`). The HTML page is `report_page`
(its plots `report_plot`); `report_io` writes the files. No I/O here.
Null or NaN numbers mean "not judged" and are shown that way, never as 0.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

NOT_JUDGED = "not judged"
SAFETY_NOTE = (
    "Technique feedback, not medical advice. If anything hurts, stop and see a professional."
)
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

REP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rep", "index"),
    ("start_s", "start_s"),
    ("lockout_start_s", "lockout_start_s"),
    ("lockout_end_s", "lockout_end_s"),
    ("end_s", "end_s"),
    ("concentric_s", "concentric_s"),
    ("pause_s", "pause_s"),
    ("eccentric_s", "eccentric_s"),
    ("rom_deg", "rom_deg"),
    ("hip_extension_deg", "hip_extension_deg"),
    ("torso_angle_deg", "torso_angle_deg"),
    ("knee_angle_deg", "knee_angle_deg"),
    ("shin_angle_deg", "shin_angle_deg"),
    ("head_angle_deg", "head_angle_deg"),
    ("complete", "complete"),
    ("judged", "judged"),
    ("confidence", "confidence"),
)
"""reps.csv columns before the extras and the two fault columns: (header, report.json key)."""

ANGLE_COLUMNS = (
    "hip_extension_deg",
    "torso_angle_deg",
    "knee_angle_deg",
    "shin_angle_deg",
    "head_angle_deg",
)
TIMELINE_COLUMNS = ("t_s", "phase", "rep", *ANGLE_COLUMNS, "faults")
_TEXT_COLUMNS = frozenset({"phase", "faults"})


class ReportError(ValueError):
    """A run folder or report dict that cannot be turned into a report."""


@dataclass(frozen=True)
class Band:
    """A target band for one lockout angle, degrees; None = open on that side."""

    lo: float | None
    hi: float | None

    def contains(self, value: float) -> bool:
        """Whether `value` (degrees) lies in the band, ends included."""
        return (self.lo is None or value >= self.lo) and (self.hi is None or value <= self.hi)

    def text(self) -> str:
        """Describe the band for a lifter: "80-100°", "≥ 170°", "≤ 20°"."""
        if self.lo is not None and self.hi is not None:
            sep = " to " if self.lo < 0 else "-"
            return f"{self.lo:g}{sep}{self.hi:g}°"
        return f"≥ {deg_text(self.lo)}" if self.lo is not None else f"≤ {deg_text(self.hi)}"


DEFAULT_BANDS: dict[str, Band] = {
    "hip_extension_deg": Band(170.0, 188.0),
    "torso_angle_deg": Band(-15.0, 15.0),
    "knee_angle_deg": Band(80.0, 100.0),
    "shin_angle_deg": Band(-10.0, 10.0),
    "head_angle_deg": Band(None, 20.0),
}
"""FORM.md's lockout targets, used for any band the run's config does not give."""

FAULT_TEXT: dict[str, tuple[str, str, str]] = {
    "lumbar_hyperextension": (
        "Lower back arching at the top",
        "hip_extension_deg",
        "hips {v} at the top, past a straight line (aim {aim})",
    ),
    "incomplete_lockout": (
        "Hips not all the way up",
        "hip_extension_deg",
        "hips {v} at the top (aim {aim})",
    ),
    "feet_too_far": ("Feet too far forward", "knee_angle_deg", "knee {v} at the top (aim {aim})"),
    "feet_too_close": ("Feet too close", "knee_angle_deg", "knee {v} at the top (aim {aim})"),
    "head_back": ("Head thrown back", "head_angle_deg", "head {v} back at the top (aim {aim})"),
    "no_pause": ("No pause at the top", "pause_s", "held {v} (aim 1-3 s)"),
    "fast_eccentric": (
        "Dropping the hips too fast",
        "eccentric_s",
        "way down took {v} (aim at least {limit})",
    ),
    "heels_up": ("Heels coming off the floor", "", "heels rose {v} shin lengths"),
    "bench_slide": ("Sliding on the bench", "", "shoulders moved {v} torso lengths"),
}
"""Fault code -> (title for a lifter, report key of the measure shown, sentence template)."""


def num(value: Any) -> float | None:
    """Return a finite float, or None for null, NaN, inf, booleans and non-numbers."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def deg_text(value: float | None) -> str:
    """Degrees for a lifter ("112°"), or "not judged" for None."""
    return NOT_JUDGED if value is None else f"{value:.0f}°"


def signed_text(value: float) -> str:
    """A signed whole number ("+2", "-4"); "0" when it rounds to zero, never "-0"."""
    whole = round(value)
    return "0" if whole == 0 else f"{whole:+d}"


def sec_text(value: float | None) -> str:
    """Seconds for a lifter ("1.4 s"), or "not judged" for None."""
    return NOT_JUDGED if value is None else f"{value:.1f} s"


def section(report: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """report[key] when it is a dict, else an empty one."""
    value = report.get(key)
    return value if isinstance(value, Mapping) else {}


def esc(value: Any) -> str:
    """HTML-escaped text of `value` (quotes too); "" for None."""
    return escape("" if value is None else str(value), quote=True)


BAND_LIMITS: dict[str, tuple[str, str]] = {
    "hip_extension_deg": (
        "faults.incomplete_lockout.hip_min_deg",
        "faults.lumbar_hyperextension.hip_max_deg",
    ),
    "torso_angle_deg": ("faults.lumbar_hyperextension.torso_min_deg", ""),
    "knee_angle_deg": ("", ""),
    "shin_angle_deg": ("faults.feet_too_close.shin_min_deg", "faults.feet_too_far.shin_max_deg"),
    "head_angle_deg": ("", "faults.head_back.head_max_deg"),
}
"""Dotted config keys whose fault limits bound each target band ("" = keep FORM.md's end).
The knee band stays 80-100 deg: its fault limits (78/105) are deliberately looser."""


def _lookup(config: Mapping[str, Any], dotted: str) -> float | None:
    node: Any = config
    for part in dotted.split(".") if dotted else ():
        node = node.get(part) if isinstance(node, Mapping) else None
    return num(node) if dotted else None


def _explicit_band(targets: Any, key: str) -> Band | None:
    entry = targets.get(key) if isinstance(targets, Mapping) else None
    if isinstance(entry, Mapping):
        entry = (entry.get("min"), entry.get("max"))
    if isinstance(entry, Sequence) and not isinstance(entry, str) and len(entry) == 2:
        lo, hi = num(entry[0]), num(entry[1])
        return Band(lo, hi) if lo is not None or hi is not None else None
    if entry is not None:
        logger.warning("Ignoring target band %s=%r: expected [lo, hi]", key, entry)
    return None


def target_bands(config: Mapping[str, Any] | None) -> dict[str, Band]:
    """Lockout target bands from the run's config, FORM.md defaults for anything missing.

    An explicit `targets` table (top level or under `report`), entries `[lo, hi]` or
    `{"min": lo, "max": hi}` in degrees, wins; else the fault limits in `BAND_LIMITS`; else
    `DEFAULT_BANDS`.

    Args:
        config: report.json's "config" dict, or None.

    Returns:
        Angle key (e.g. "knee_angle_deg") -> Band.

    """
    config = config if isinstance(config, Mapping) else {}
    report_cfg = config.get("report")
    targets = config.get("targets") or (
        report_cfg.get("targets") if isinstance(report_cfg, Mapping) else None
    )
    bands = {}
    for key, default in DEFAULT_BANDS.items():
        lo, hi = (_lookup(config, path) for path in BAND_LIMITS[key])
        bands[key] = _explicit_band(targets, key) or Band(
            default.lo if lo is None else lo, default.hi if hi is None else hi
        )
    return bands


# ----------------------------------------------------------------------------------- CSV


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(round(float(value), 4)) if math.isfinite(value) else ""
    return "" if value is None else str(value)


def rep_faults(rep: Mapping[str, Any], *, possible: bool = False) -> list[Mapping[str, Any]]:
    """The rep's definite fault dicts, or with `possible=True` only its "possible" ones.

    A possible fault is one read just past its limit where the camera may be misled (a load on
    the hips hiding the joint): shown as a note, not a fault to fix. Non-dict entries are skipped.
    """
    faults = rep.get("faults") or []
    return [f for f in faults if isinstance(f, Mapping) and bool(f.get("possible")) == possible]


def reps_csv(report: Mapping[str, Any]) -> str:
    """reps.csv: one header row with units in the names, one row per rep.

    Not-judged numbers are empty cells. Scalar rep keys beyond the schema's are kept as extra
    columns; faults become ";"-joined columns, `fault_codes` and `fault_cues`, and the
    possible ones (see `rep_faults`) `possible_faults`.

    Args:
        report: The report.json dict.

    Returns:
        CSV text (RFC 4180, CRLF line ends).

    """
    reps = [r for r in report.get("reps") or [] if isinstance(r, Mapping)]
    known = {key for _, key in REP_COLUMNS} | {"faults"}
    extras: list[str] = []
    for rep in reps:
        extras += [
            k
            for k, v in rep.items()
            if k not in known
            and k not in extras
            and (v is None or isinstance(v, (str, int, float, bool)))
        ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [h for h, _ in REP_COLUMNS] + extras + ["fault_codes", "fault_cues", "possible_faults"]
    )
    for rep in reps:
        faults = rep_faults(rep)
        writer.writerow(
            [_cell(rep.get(key)) for _, key in REP_COLUMNS]
            + [_cell(rep.get(key)) for key in extras]
            + [
                ";".join(str(f.get("code", "")) for f in faults),
                ";".join(str(f.get("cue", "")) for f in faults),
                ";".join(str(f.get("code", "")) for f in rep_faults(rep, possible=True)),
            ]
        )
    return out.getvalue()


def timeline_csv(timeline: Mapping[str, Any]) -> str:
    """timeline.csv: one row per frame; NaN angles are empty cells.

    Args:
        timeline: Column name -> (N,) list or array; the standard columns first, then any extras.

    Returns:
        CSV text.

    """
    names = [c for c in TIMELINE_COLUMNS if c in timeline]
    names += [c for c in timeline if c not in names]
    columns = [
        list(np.asarray(timeline[c]).tolist()) if c not in _TEXT_COLUMNS else list(timeline[c])
        for c in names
    ]
    lengths = {len(c) for c in columns}
    if len(lengths) > 1:
        raise ReportError(f"timeline columns differ in length: {sorted(lengths)}")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    for row in zip(*columns, strict=True):
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def parse_timeline_csv(text: str) -> dict[str, Any]:
    """Parse timeline.csv back into columns.

    Args:
        text: The CSV text `timeline_csv` wrote.

    Returns:
        `phase` and `faults` as lists of str, `rep` as (N,) int64, every other column as (N,)
        float64 with NaN for empty cells (a column with non-numbers stays a list of str).

    """
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ReportError("timeline CSV is empty (no header row)")
    header, body = rows[0], rows[1:]
    out: dict[str, Any] = {}
    for i, name in enumerate(header):
        cells = [row[i] if i < len(row) else "" for row in body]
        if name in _TEXT_COLUMNS:
            out[name] = cells
            continue
        try:
            values = np.array([float(c) if c else np.nan for c in cells], np.float64)
        except ValueError:
            out[name] = cells
            continue
        out[name] = np.nan_to_num(values).astype(np.int64) if name == "rep" else values
    return out


# ------------------------------------------------------------------------------ fault text


def fault_title(code: str) -> str:
    """Name a fault code for a lifter ("feet_too_far" -> "Feet too far forward")."""
    entry = FAULT_TEXT.get(code)
    return entry[0] if entry else str(code).replace("_", " ").capitalize()


def fault_sentence(
    fault: Mapping[str, Any],
    rep: Mapping[str, Any],
    bands: Mapping[str, Band],
    *,
    with_cue: bool = True,
) -> str:
    """Describe one fault in plain words for a lifter.

    Example: "Feet too far forward: knee 112° at the top (aim 80-100°). Cue: Feet closer".
    The number shown is the rep's lockout measure named in `FAULT_TEXT`, else the fault's value.
    Heuristic faults below 75 % confidence say "likely".
    """
    code = str(fault.get("code", ""))
    _, key, template = FAULT_TEXT.get(code, ("", "", ""))
    value = num(rep.get(key)) if key else None
    if value is None:
        value = num(fault.get("value"))
    limit = num(fault.get("limit"))
    unit = (
        sec_text
        if key.endswith("_s")
        else deg_text
        if key.endswith("_deg")
        else (lambda x: NOT_JUDGED if x is None else f"{x:.2f}")
    )
    text = fault_title(code)
    if template and value is not None:
        aim = bands[key].text() if key in bands else ""
        detail = template.format(v=unit(value), aim=aim, limit=unit(limit))
        text += ": " + detail.replace(" (aim )", "")
    elif value is not None:
        text += f": measured {value:.3g}" + ("" if limit is None else f" (limit {limit:.3g})")
    conf = num(fault.get("confidence"))
    if conf is not None and conf < 0.75:
        text += f" (likely, {conf:.0%} confidence)"
    cue = fault.get("cue")
    return text + (f". Cue: {cue}" if cue and with_cue else "")
