"""The report's angle-over-time plots as inline SVG (no script, no external resource).

Inputs: the report.json dict, the per-frame timeline dict (`t_s` in seconds, `rep`, the angles
in degrees, `faults`) and the lockout target bands. Output: one HTML `<section>` string
(`plots_html`) with the hip extension, knee and shin plots: reps shaded, lockout marked, the
target band drawn, fault frames marked on the hip plot, NaN gaps left as gaps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hipthrust_cam.report.tables import NOT_JUDGED, Band, esc, fault_title, num, rep_faults


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


PlotSpec = tuple[str, str, tuple[float, float], tuple[float, float], float, int]
PLOTS: tuple[PlotSpec, ...] = (
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


def _fault_spans(
    report: Mapping[str, Any], timeline: Mapping[str, Any]
) -> list[tuple[float, float, str]]:
    """List (t_start_s, t_end_s, label) of every fault.

    From the reps' definite faults and their times. A set judged clean marks nothing: its
    possible faults are notes, and the frames the live cues fired on were judged again per rep.
    Only definite faults without times fall back on runs of frames with a non-empty `faults`
    column.
    """
    spans = []
    untimed = False
    for rep in report.get("reps") or []:
        for f in rep_faults(rep) if isinstance(rep, Mapping) else []:
            t0, t1 = num(f.get("t_start_s")), num(f.get("t_end_s"))
            untimed = untimed or t0 is None
            if t0 is not None:
                label = f"Rep {rep.get('index', '?')}: {fault_title(str(f.get('code', '')))}"
                spans.append((t0, t1 if t1 is not None else t0, label))
    if spans or not untimed or "faults" not in timeline or "t_s" not in timeline:
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
        f'{(ax.top + base) / 2:.0f})" text-anchor="middle">{esc(unit_label)}</text>'
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
                f"<title>Rep {esc(rep.get('index', ''))}: top (lockout)</title></rect>"
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
                f'text-anchor="middle">Rep {esc(rep.get("index", ""))}</text>'
            )
    return out


def _plot_svg(
    spec: PlotSpec,
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
            f"<title>Target at the top: {esc(band.text())}</title></rect>"
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
                f"<title>{esc(label)}</title></rect>"
            )
    body.append(f'<path class="line" d="{_line_path(ax, t, y)}"/>')
    body += _rep_labels(ax, reps)
    if not finite.size:
        body.append(
            f'<text class="empty" x="{ax.width / 2}" y="{height / 2}" '
            f'text-anchor="middle">{NOT_JUDGED}: no angle data</text>'
        )
    return (
        f'<figure class="plot"><figcaption>{esc(title)} (°)</figcaption>'
        f'<svg viewBox="0 0 {ax.width} {height}" role="img" aria-label="{esc(title)} '
        f'over time">{"".join(body)}</svg></figure>'
    )


def plots_html(
    report: Mapping[str, Any], timeline: Mapping[str, Any], bands: Mapping[str, Band]
) -> str:
    """The "Angles over the set" section: a legend and one SVG per row of `PLOTS`.

    Args:
        report: The report.json dict (reps with `start_s`/`end_s`/lockout times, faults).
        timeline: Per-frame columns: `t_s` (N,) seconds, the angles (N,) degrees, `rep`, `faults`.
        bands: Angle key -> target `Band` at the top.

    Returns:
        The `<section>` HTML, or "" when there is no time axis at all.
    """
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
