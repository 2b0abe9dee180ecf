"""Per-rep report: CSV text and a self-contained HTML page, built from plain data.

Inputs: the report.json dict (schema_version 1), the per-frame timeline dict (columns `t_s`,
`phase`, `rep`, the five lockout angles in degrees, `faults`) and lockout thumbnails (rep index ->
JPEG bytes). Outputs: strings only (`reps_csv`, `timeline_csv`, `render_html`) and the timeline
parsed back from CSV (`parse_timeline_csv`). No I/O here; `report_io` writes the files.
Null or NaN numbers mean "not judged" and are shown that way, never as 0.
"""

from __future__ import annotations

import base64
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
        return f"≥ {_deg(self.lo)}" if self.lo is not None else f"≤ {_deg(self.hi)}"


DEFAULT_BANDS: dict[str, Band] = {
    "hip_extension_deg": Band(170.0, 188.0),
    "torso_angle_deg": Band(-15.0, 15.0),
    "knee_angle_deg": Band(80.0, 100.0),
    "shin_angle_deg": Band(-10.0, 10.0),
    "head_angle_deg": Band(None, 20.0),
}
"""FORM.md's lockout targets, used for any band the run's config does not give."""

MEASURES: tuple[tuple[str, str, str], ...] = (
    ("hip_extension_deg", "Hips", "180° = shoulders, hips and knees in a line"),
    ("torso_angle_deg", "Torso", "0° = parallel to the floor"),
    ("knee_angle_deg", "Knees", "90° is the target"),
    ("shin_angle_deg", "Shins", "0° = vertical; + feet forward, - feet back"),
    ("head_angle_deg", "Head", "+ = head back, - = chin tucked"),
)
"""Lockout angles shown per rep: (report key, label, hint)."""

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


def _deg(value: float | None) -> str:
    return NOT_JUDGED if value is None else f"{value:.0f}°"


def _sec(value: float | None) -> str:
    return NOT_JUDGED if value is None else f"{value:.1f} s"


def _section(report: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = report.get(key)
    return value if isinstance(value, Mapping) else {}


def _esc(value: Any) -> str:
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


def _fault_list(rep: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    faults = rep.get("faults") or []
    return [f for f in faults if isinstance(f, Mapping)]


def reps_csv(report: Mapping[str, Any]) -> str:
    """reps.csv: one header row with units in the names, one row per rep.

    Not-judged numbers are empty cells. Scalar rep keys beyond the schema's are kept as extra
    columns; faults become two ";"-joined columns, `fault_codes` and `fault_cues`.

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
    writer.writerow([h for h, _ in REP_COLUMNS] + extras + ["fault_codes", "fault_cues"])
    for rep in reps:
        faults = _fault_list(rep)
        writer.writerow(
            [_cell(rep.get(key)) for _, key in REP_COLUMNS]
            + [_cell(rep.get(key)) for key in extras]
            + [
                ";".join(str(f.get("code", "")) for f in faults),
                ";".join(str(f.get("cue", "")) for f in faults),
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


# ---------------------------------------------------------------------------------- HTML


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
        _sec
        if key.endswith("_s")
        else _deg
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


def _thumb_uri(jpeg: bytes | None) -> str:
    return "" if not jpeg else "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


# ---------------------------------------------------------------------------------- plots


@dataclass(frozen=True)
class _Axes:
    """Maps seconds and degrees to SVG user units of a W x H plot with margins."""

    t0: float
    t1: float
    y0: float
    y1: float
    height: int
    width: int = 960
    left: int = 52
    right: int = 10
    top: int = 10
    bottom: int = 30

    def x(self, t: float) -> float:
        """SVG x of time `t` (s)."""
        span = max(self.t1 - self.t0, 1e-9)
        return self.left + (t - self.t0) / span * (self.width - self.left - self.right)

    def y(self, v: float) -> float:
        """SVG y of value `v` (deg), clipped to the plot."""
        frac = (min(max(v, self.y0), self.y1) - self.y0) / max(self.y1 - self.y0, 1e-9)
        return self.height - self.bottom - frac * (self.height - self.top - self.bottom)


PLOTS: tuple[tuple[str, str, tuple[float, float], tuple[float, float], float, int], ...] = (
    ("hip_extension_deg", "Hip extension", (90.0, 200.0), (40.0, 240.0), 180.0, 250),
    ("knee_angle_deg", "Knee angle", (50.0, 130.0), (20.0, 180.0), 90.0, 170),
    ("shin_angle_deg", "Shin angle (+ = feet forward)", (-30.0, 30.0), (-70.0, 70.0), 0.0, 170),
)
"""Angle plots: (timeline column, title, default y range deg, widest y range deg (values beyond
are drawn at the edge), target line deg, height px). The range grows to the 1st-99th
percentile of the frames inside reps, so getting into position does not squash the reps."""


def _nice_step(span: float, max_ticks: int) -> float:
    for step in (0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 3600):
        if span / step <= max_ticks:
            return float(step)
    return span / max_ticks


def _decimate(t: np.ndarray, y: np.ndarray, max_points: int = 2000) -> tuple[np.ndarray, ...]:
    """Block means of (N,) t and y to at most ~max_points; a NaN anywhere in a block stays NaN."""
    stride = math.ceil(len(t) / max_points) if len(t) > max_points else 1
    m = len(t) // stride * stride
    if stride == 1 or m == 0:
        return t, y
    return t[:m].reshape(-1, stride).mean(1), y[:m].reshape(-1, stride).mean(1)


def _line_path(ax: _Axes, t: np.ndarray, y: np.ndarray) -> str:
    """SVG path data; each run of finite samples is its own subpath, so NaN gaps stay gaps."""
    parts, pen_down = [], False
    for ti, yi in zip(*_decimate(t, y), strict=True):
        if not math.isfinite(yi):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{ax.x(ti):.1f} {ax.y(yi):.1f}")
        pen_down = True
    return "".join(parts)


def _fault_spans(report: Mapping[str, Any], timeline: Mapping[str, Any]) -> list[tuple]:
    """List (t_start_s, t_end_s, label) of every fault.

    From the report's fault times, else from runs of frames with a non-empty `faults` column.
    """
    spans = []
    for rep in report.get("reps") or []:
        for f in _fault_list(rep) if isinstance(rep, Mapping) else []:
            t0, t1 = num(f.get("t_start_s")), num(f.get("t_end_s"))
            if t0 is not None:
                label = f"Rep {rep.get('index', '?')}: {fault_title(str(f.get('code', '')))}"
                spans.append((t0, t1 if t1 is not None else t0, label))
    if spans or "faults" not in timeline or "t_s" not in timeline:
        return spans
    t = np.asarray(timeline["t_s"], np.float64)
    codes = [str(c) for c in timeline["faults"]] + [""]
    start = None
    for i, code in enumerate(codes):
        if code and start is None:
            start = i
        elif start is not None and code != codes[start]:
            label = ", ".join(fault_title(c) for c in codes[start].split(";") if c)
            spans.append((float(t[start]), float(t[i - 1]), label))
            start = i if code else None
    return spans


def _axes_svg(ax: _Axes, unit_label: str) -> list[str]:
    out = []
    step = _nice_step(ax.y1 - ax.y0, 6)
    for v in np.arange(math.ceil(ax.y0 / step) * step, ax.y1 + 1e-9, step):
        y = ax.y(v)
        out.append(
            f'<line class="grid" x1="{ax.left}" x2="{ax.width - ax.right}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/><text class="tick" x="{ax.left - 6}" '
            f'y="{y + 4:.1f}" text-anchor="end">{v:g}°</text>'
        )
    step = _nice_step(ax.t1 - ax.t0, 12)
    base = ax.height - ax.bottom
    for v in np.arange(math.ceil(ax.t0 / step) * step, ax.t1 + 1e-9, step):
        out.append(
            f'<text class="tick" x="{ax.x(v):.1f}" y="{base + 16}" '
            f'text-anchor="middle">{v:g}</text>'
        )
    out.append(
        f'<text class="axis" x="{ax.width - ax.right}" y="{ax.height - 1}" '
        f'text-anchor="end">time (s)</text><text class="axis" x="12" '
        f'y="{(ax.top + base) / 2:.0f}" transform="rotate(-90 12 '
        f'{(ax.top + base) / 2:.0f})" text-anchor="middle">{_esc(unit_label)}</text>'
        f'<line class="frame" x1="{ax.left}" x2="{ax.width - ax.right}" '
        f'y1="{base}" y2="{base}"/>'
    )
    return out


def _reps_svg(ax: _Axes, reps: Sequence[Mapping[str, Any]]) -> list[str]:
    out, base = [], ax.height - ax.bottom
    for rep in reps:
        t0, t1 = num(rep.get("start_s")), num(rep.get("end_s"))
        if t0 is None or t1 is None:
            continue
        out.append(
            f'<rect class="span-rep" x="{ax.x(t0):.1f}" y="{ax.top}" '
            f'width="{max(ax.x(t1) - ax.x(t0), 1):.1f}" height="{base - ax.top}"/>'
        )
        l0, l1 = num(rep.get("lockout_start_s")), num(rep.get("lockout_end_s"))
        if l0 is not None:
            l1 = l0 if l1 is None else l1
            out.append(
                f'<rect class="span-lock" x="{ax.x(l0):.1f}" y="{ax.top}" '
                f'width="{max(ax.x(l1) - ax.x(l0), 2):.1f}" height="{base - ax.top}">'
                f"<title>Rep {_esc(rep.get('index', ''))}: top (lockout)</title></rect>"
            )
    return out


def _rep_labels(ax: _Axes, reps: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for rep in reps:
        t0, t1 = num(rep.get("start_s")), num(rep.get("end_s"))
        if t0 is not None and t1 is not None:
            out.append(
                f'<text class="replabel" x="{ax.x((t0 + t1) / 2):.1f}" '
                f'y="{ax.height - ax.bottom - 7}" '
                f'text-anchor="middle">Rep {_esc(rep.get("index", ""))}</text>'
            )
    return out


def _plot_svg(
    spec: tuple,
    timeline: Mapping[str, Any],
    report: Mapping[str, Any],
    band: Band | None,
    t_range: tuple[float, float],
) -> str:
    """One angle-over-time plot as an inline SVG element."""
    key, title, (lo, hi), (lo_max, hi_max), target, height = spec
    t = np.asarray(timeline.get("t_s", []), np.float64)
    y = np.asarray(timeline.get(key, np.full(len(t), np.nan)), np.float64)
    finite = y[np.isfinite(y)]
    in_reps = np.asarray(timeline.get("rep", np.zeros(len(t))), np.float64) > 0
    core = y[np.isfinite(y) & in_reps] if len(in_reps) == len(y) and in_reps.any() else finite
    if core.size:
        p1, p99 = np.percentile(core, [1, 99])
        lo, hi = max(lo_max, min(lo, float(p1) - 5)), min(hi_max, max(hi, float(p99) + 5))
    ax = _Axes(t_range[0], t_range[1], lo, hi, height)
    reps = [r for r in report.get("reps") or [] if isinstance(r, Mapping)]
    body = _reps_svg(ax, reps)
    if band is not None:
        b0, b1 = (
            ax.y(band.hi if band.hi is not None else hi),
            ax.y(band.lo if band.lo is not None else lo),
        )
        body.append(
            f'<rect class="band" x="{ax.left}" y="{b0:.1f}" '
            f'width="{ax.width - ax.left - ax.right}" height="{b1 - b0:.1f}">'
            f"<title>Target at the top: {_esc(band.text())}</title></rect>"
        )
    body += _axes_svg(ax, "degrees")
    body.append(
        f'<line class="target" x1="{ax.left}" x2="{ax.width - ax.right}" '
        f'y1="{ax.y(target):.1f}" y2="{ax.y(target):.1f}"/>'
    )
    if key == "hip_extension_deg":
        for f0, f1, label in _fault_spans(report, timeline):
            body.append(
                f'<rect class="fault" x="{ax.x(f0):.1f}" y="{ax.top}" '
                f'width="{max(ax.x(f1) - ax.x(f0), 3):.1f}" height="7">'
                f"<title>{_esc(label)}</title></rect>"
            )
    body.append(f'<path class="line" d="{_line_path(ax, t, y)}"/>')
    body += _rep_labels(ax, reps)
    if not finite.size:
        body.append(
            f'<text class="empty" x="{ax.width / 2}" y="{height / 2}" '
            f'text-anchor="middle">{NOT_JUDGED}: no angle data</text>'
        )
    return (
        f'<figure class="plot"><figcaption>{_esc(title)} (°)</figcaption>'
        f'<svg viewBox="0 0 {ax.width} {height}" role="img" aria-label="{_esc(title)} '
        f'over time">{"".join(body)}</svg></figure>'
    )


def _plots_html(
    report: Mapping[str, Any], timeline: Mapping[str, Any], bands: Mapping[str, Band]
) -> str:
    times = [float(v) for v in np.asarray(timeline.get("t_s", []), np.float64) if math.isfinite(v)]
    for rep in report.get("reps") or []:
        if isinstance(rep, Mapping):
            times += [v for v in (num(rep.get("start_s")), num(rep.get("end_s"))) if v is not None]
    if not times:
        return ""
    t_range = (min(times), max(max(times), min(times) + 1.0))
    plots = "".join(
        _plot_svg(spec, timeline, report, bands.get(spec[0]), t_range) for spec in PLOTS
    )
    legend = (
        '<p class="legend"><span class="sw sw-rep"></span>rep '
        '<span class="sw sw-lock"></span>top of the rep (lockout) <span class="sw sw-band">'
        '</span>target at the top <span class="sw sw-fault"></span>fault '
        '<span class="sw sw-gap"></span>gap in the line = not seen by the camera</p>'
    )
    return f'<section class="plots"><h2>Angles over the set</h2>{legend}{plots}</section>'


# ----------------------------------------------------------------------------------- page


def _angle_row(key: str, label: str, hint: str, rep: Mapping[str, Any], band: Band) -> str:
    value = num(rep.get(key))
    if value is None:
        state, verdict = "nj", ""
    elif band.contains(value):
        state, verdict = "in", "✓ "
    else:
        state = "out"
        verdict = "above " if band.hi is not None and value > band.hi else "below "
    shown = (
        NOT_JUDGED
        if value is None
        else f"{value:+.0f}°"
        if band.lo is None or band.lo < 0
        else f"{value:.0f}°"
    )
    return (
        f'<tr class="{state}"><th title="{_esc(hint)}">{label}</th><td class="v">{shown}'
        f'</td><td class="aim">{verdict}aim {band.text()}</td></tr>'
    )


def _badge(rep: Mapping[str, Any], faults: list) -> tuple[str, str]:
    if rep.get("judged") is False:
        return "nj", "Not judged"
    if rep.get("complete") is False:
        return "fix", "Incomplete"
    if faults:
        return "fix", f"{len(faults)} thing{'s' if len(faults) > 1 else ''} to fix"
    return "ok", "Clean"


def _rep_html(rep: Mapping[str, Any], thumb: bytes | None, bands: Mapping[str, Band]) -> str:
    faults = _fault_list(rep)
    index = _esc(rep.get("index", "?"))
    state, badge = _badge(rep, faults)
    uri = _thumb_uri(thumb)
    img = (
        f'<img src="{uri}" alt="Rep {index} at the top">'
        if uri
        else '<div class="noimg">no picture</div>'
    )
    tempo = " · ".join(
        f"{name} <b>{_sec(num(rep.get(key)))}</b>"
        for name, key in (("Up", "concentric_s"), ("Pause", "pause_s"), ("Down", "eccentric_s"))
    )
    conf = num(rep.get("confidence"))
    rows = "".join(_angle_row(k, label, hint, rep, bands[k]) for k, label, hint in MEASURES)
    items = "".join(
        f"<li>{_esc(fault_sentence(f, rep, bands, with_cue=False))}"
        + (f'. <span class="cue">Cue: {_esc(f["cue"])}</span>' if f.get("cue") else "")
        + "</li>"
        for f in faults
    )
    verdict = (
        f'<ul class="faults">{items}</ul>'
        if items
        else '<p class="good">Good rep: nothing to fix.</p>'
        if state == "ok"
        else ""
    )
    return (
        f'<article class="rep {state}" id="rep-{index}"><figure>{img}</figure><div>'
        f'<h3>Rep {index} <span class="badge {state}">{badge}</span></h3>'
        f'<p class="tempo">{tempo} · Range of motion <b>{_deg(num(rep.get("rom_deg")))}</b>'
        + ("" if conf is None else f' <span class="conf">confidence {conf:.0%}</span>')
        + f'</p>{verdict}<table class="angles"><caption>At the top</caption>{rows}</table>'
        "</div></article>"
    )


def _summary_html(report: Mapping[str, Any]) -> str:
    summary = _section(report, "summary")
    reps = [r for r in report.get("reps") or [] if isinstance(r, Mapping)]
    count = report.get("rep_count", len(reps))
    clean = num(summary.get("clean_reps"))
    tiles = (
        ("Reps", _esc(count)),
        ("Clean reps", NOT_JUDGED if clean is None else f"{clean:.0f} of {_esc(count)}"),
        ("Set duration", _sec(num(summary.get("set_duration_s")))),
        ("Time under tension", _sec(num(summary.get("time_under_tension_s")))),
    )
    html = '<section class="summary">' + "".join(
        f'<div class="tile"><span>{name}</span><b>{value}</b></div>' for name, value in tiles
    )
    code = summary.get("most_frequent_fault")
    if code:
        hits = sum(any(f.get("code") == code for f in _fault_list(r)) for r in reps)
        cue = summary.get("most_frequent_cue")
        html += (
            f'<p class="top">Most frequent fault: <b>{_esc(fault_title(str(code)))}</b>'
            f" on {hits} of {len(reps)} reps."
            + (f' Cue: <span class="cue">{_esc(cue)}</span>' if cue else "")
            + "</p>"
        )
    elif reps and clean is not None and clean >= len(reps):
        html += '<p class="top good">Every rep was clean. Nice set.</p>'
    return html + "</section>"


def _warnings_html(report: Mapping[str, Any]) -> str:
    setup = _section(report, "setup")
    warnings = [str(w) for w in setup.get("warnings") or [] if w]
    summary = _section(report, "summary")
    if summary.get("partial"):
        warnings.append("The set was stopped early; this report covers what was recorded.")
    if not report.get("reps") and not warnings:
        warnings.append("No hip-thrust reps were counted.")
    if not warnings:
        return ""
    items = "".join(f"<li>{_esc(w)}</li>" for w in warnings)
    return f'<section class="warn" role="alert"><h2>Check this first</h2><ul>{items}</ul></section>'


def _partials_html(report: Mapping[str, Any]) -> str:
    partials = report.get("partial_reps") or []
    if not partials:
        return ""
    items = []
    for p in partials:
        if isinstance(p, Mapping):
            t0, t1 = num(p.get("start_s")), num(p.get("end_s"))
            text = "started" + ("" if t0 is None else f" at {t0:.1f} s")
            text += "" if t1 is None else f", ended at {t1:.1f} s"
            reason = p.get("reason") or p.get("note")
            if not reason and p.get("reached_lockout") is False:
                rom = num(p.get("rom_deg"))
                reason = "the hips never reached the top" + (
                    "" if rom is None else f" (rose {rom:.0f}°)"
                )
            items.append(text + (f": {reason}" if reason else ""))
        else:
            items.append(str(p))
    lis = "".join(f"<li>{_esc(i)}</li>" for i in items)
    return (
        f'<section class="partials"><h2>Partial reps (not counted): {len(partials)}</h2>'
        f"<ul>{lis}</ul></section>"
    )


def _limits_html(report: Mapping[str, Any]) -> str:
    note = _section(report, "setup").get("side_view_only")
    return f"<p>{_esc(note)}</p>" if note else ""


VARIANTS = {"bench": "bench hip thrust", "bridge": "glute bridge (no bench)"}
"""setup.variant codes -> words; unknown variants are shown as they are."""


def _source_line(report: Mapping[str, Any]) -> str:
    src = _section(report, "source")
    setup = _section(report, "setup")
    size = (
        f"{src['width']}×{src['height']}"
        if num(src.get("width")) and num(src.get("height"))
        else None
    )
    fps = num(src.get("fps"))
    parts = [
        size,
        None if fps is None else f"{fps:g} fps",
        None if num(src.get("duration_s")) is None else _sec(num(src.get("duration_s"))),
        f"{setup['side']} side to camera" if setup.get("side") else None,
        f"{setup['view']} view" if setup.get("view") else None,
        VARIANTS.get(str(setup.get("variant")), setup.get("variant")),
    ]
    return " · ".join(_esc(p) for p in parts if p)


def render_html(
    report: Mapping[str, Any],
    timeline: Mapping[str, Any] | None,
    thumbnails: Mapping[Any, bytes] | None,
) -> str:
    """Render the self-contained report page: inline CSS and SVG, thumbnails as data: URIs.

    Args:
        report: The report.json dict (schema_version 1; missing optional keys are fine).
        timeline: Per-frame columns (`t_s`, the angles in degrees, `faults`...) or None.
        thumbnails: Rep index (int or str) -> JPEG bytes of the lockout frame, or None.

    Returns:
        The HTML document. Every string from the report is escaped; nothing loads from the network.

    """
    if not isinstance(report, Mapping):
        raise ReportError(f"report must be a dict, got {type(report).__name__}")
    timeline = timeline or {}
    thumbs = {str(k): v for k, v in (thumbnails or {}).items()}
    bands = target_bands(report.get("config"))
    src = _section(report, "source")
    name = _esc(src.get("name") or src.get("path") or "recording")
    reps = [r for r in report.get("reps") or [] if isinstance(r, Mapping)]
    rep_html = "".join(_rep_html(r, thumbs.get(str(r.get("index"))), bands) for r in reps)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Hip thrust report: {name}</title><style>{CSS}</style></head><body><main>"
        f'<header><h1>Hip thrust report</h1><p class="src"><span class="name">{name}</span> '
        f"{_source_line(report)}</p></header>"
        f"{_warnings_html(report)}{_summary_html(report)}{_plots_html(report, timeline, bands)}"
        f'<section class="reps"><h2>Rep by rep</h2>{rep_html or "<p>No reps counted.</p>"}'
        f"</section>{_partials_html(report)}"
        f'<footer class="note">{_limits_html(report)}<p>{SAFETY_NOTE}</p></footer>'
        "</main></body></html>\n"
    )


CSS = """
:root{--ink:#1c2430;--mute:#5a6472;--bg:#f4f5f7;--card:#fff;--line:#dde1e6;--ok:#1a7f37;
--okbg:#e6f4ea;--warn:#9a4a00;--warnbg:#fff4e0;--bad:#c62828;--accent:#2456a6}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:980px;margin:0 auto;padding:24px 16px 40px}
h1{font-size:1.7rem;margin:0}
h2{font-size:1.2rem;margin:28px 0 10px}
h3{margin:0 0 6px;font-size:1.1rem}
.src{color:var(--mute);margin:4px 0 0}
.src .name{color:var(--ink);font-weight:600;word-break:break-all}
.warn{background:var(--warnbg);border:2px solid #e8a33d;border-radius:10px;padding:4px 18px;
margin:18px 0}
.warn h2{margin:10px 0 4px;color:var(--warn)}
.warn li{font-weight:600}
.summary{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin-top:18px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 14px}
.tile span{display:block;color:var(--mute);font-size:.85rem}
.tile b{font-size:1.5rem}
.top{grid-column:1/-1;margin:4px 0 0;background:var(--card);border-left:5px solid #e8a33d;
border-radius:6px;padding:10px 14px}
.top.good{border-color:var(--ok)}
.cue{font-weight:700;color:var(--accent)}
.rep{display:grid;grid-template-columns:320px 1fr;gap:16px;background:var(--card);
border:1px solid var(--line);border-left:6px solid var(--ok);border-radius:10px;padding:14px;
margin:0 0 12px}
.rep.fix{border-left-color:#e8a33d}
.rep.nj{border-left-color:#9aa3ad}
.rep figure{margin:0}
.rep img{width:100%;border-radius:6px;display:block}
.noimg{aspect-ratio:16/9;background:var(--bg);border-radius:6px;display:grid;place-items:center;
color:var(--mute)}
.badge{font-size:.8rem;font-weight:600;border-radius:999px;padding:2px 10px;
vertical-align:middle;margin-left:6px}
.badge.ok{background:var(--okbg);color:var(--ok)}
.badge.fix{background:var(--warnbg);color:var(--warn)}
.badge.nj{background:#eceff2;color:var(--mute)}
.tempo{margin:0 0 8px}
.conf{color:var(--mute);font-size:.85rem;margin-left:6px;white-space:nowrap}
.faults{margin:0 0 8px;padding-left:20px}
.faults li{margin:2px 0}
.good{color:var(--ok);margin:0 0 8px}
.angles{border-collapse:collapse;font-size:.92rem;width:100%;max-width:420px}
.angles caption{text-align:left;color:var(--mute);font-size:.85rem}
.angles th{text-align:left;font-weight:600;padding:2px 10px 2px 0;cursor:help}
.angles td{padding:2px 8px}
.angles .v{font-weight:700;text-align:right;font-variant-numeric:tabular-nums}
.angles .in .v{color:var(--ok)}
.angles .out .v{color:var(--warn)}
.angles .nj .v{color:var(--mute);font-weight:400}
.angles .aim{color:var(--mute)}
.angles .out .aim{color:var(--warn)}
.partials{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:2px 16px}
.plot{margin:0 0 10px;background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:8px}
.plot{overflow-x:auto}
.plot figcaption{font-weight:600;margin:0 0 2px 8px}
.plot svg{width:100%;min-width:600px;height:auto;display:block}
svg text{fill:var(--mute);font-size:12px}
svg .axis{font-size:12px}
svg .replabel{fill:var(--ink);font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg .grid{stroke:#eceff2}
svg .frame{stroke:#9aa3ad}
svg .line{fill:none;stroke:var(--accent);stroke-width:2}
svg .span-rep,.sw-rep{fill:#e8eef8;background:#e8eef8}
svg .span-lock,.sw-lock{fill:#c5d5ee;background:#c5d5ee}
svg .band,.sw-band{fill:rgba(26,127,55,.13);background:rgba(26,127,55,.2)}
svg .target{stroke:var(--ok);stroke-dasharray:6 4;stroke-width:1.5}
svg .fault,.sw-fault{fill:var(--bad);background:var(--bad)}
svg .empty{font-size:16px}
.legend{color:var(--mute);font-size:.85rem;margin:0 0 8px}
.sw{display:inline-block;width:14px;height:10px;border-radius:2px;margin:0 4px 0 12px;
vertical-align:middle}
.sw-gap{border-top:2px dashed var(--accent);height:0;border-radius:0}
.note p{margin:4px 0}
.note{margin-top:28px;color:var(--mute);font-size:.9rem;border-top:1px solid var(--line);
padding-top:12px}
@media (max-width:640px){.rep{grid-template-columns:1fr}h1{font-size:1.4rem}
.summary{grid-template-columns:1fr 1fr}}
""".replace("\n", "")
