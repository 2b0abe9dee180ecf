"""The Progress page's plots as inline SVG: bars per week and lines per set.

Inputs: labels and numbers the store's `trends` computed. Outputs: `Markup` SVG strings with
every label escaped. Drawing only: the figures come in computed; styling is by CSS class
(the page's stylesheet), so the strict Content-Security-Policy needs no inline styles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 720, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 34


@dataclass(frozen=True)
class Series:
    """One line or bar series: a name for the legend, values (None = no data), a CSS class."""

    name: str
    values: Sequence[float | None]
    css: str


def _nice_range(values: Sequence[float], lo: float | None, hi: float | None) -> tuple[float, float]:
    found = [v for v in values if math.isfinite(v)]
    vmin = min([*found, *([lo] if lo is not None else [])], default=0.0)
    vmax = max([*found, *([hi] if hi is not None else [])], default=1.0)
    if vmax - vmin < 1e-9:
        vmin, vmax = vmin - 1.0, vmax + 1.0
    pad = 0.08 * (vmax - vmin)
    return (vmin - pad if lo is None else vmin), vmax + pad


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(count + 2) if first + i * step <= hi + 1e-9]


class _Frame:
    """The plot area: maps data to pixels, draws grid, axes and x labels."""

    def __init__(self, n: int, lo: float, hi: float) -> None:
        self.n, self.lo, self.hi = n, lo, hi
        self.w, self.h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(self, i: float) -> float:
        return LEFT + (i + 0.5) * self.w / max(self.n, 1)

    def y(self, v: float) -> float:
        return TOP + self.h * (1 - (v - self.lo) / (self.hi - self.lo))

    def grid(self, fmt: str) -> str:
        parts = []
        for t in _ticks(self.lo, self.hi):
            y = self.y(t)
            parts.append(
                f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                f"{escape(fmt.format(t))}</text>"
            )
        return "".join(parts)

    def labels(self, labels: Sequence[str]) -> str:
        every = max(1, math.ceil(len(labels) / 8))
        return "".join(
            f'<text class="axis" x="{self.x(i):.1f}" y="{HEIGHT - 12}" text-anchor="middle">'
            f"{escape(label)}</text>"
            for i, label in enumerate(labels)
            if i % every == 0 or i == len(labels) - 1
        )


def _svg(title: str, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>'
    )


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], fmt: str = "{:.0f}"
) -> Markup:
    """Grouped bars, one group per label (e.g. per week)."""
    values = [v for s in series for v in s.values if v is not None]
    _, hi = _nice_range(values, 0.0, None)
    frame = _Frame(len(labels), 0.0, hi)
    slot = frame.w / max(len(labels), 1)
    bar = min(28.0, 0.8 * slot / max(len(series), 1))
    body = [frame.grid(fmt)]
    for k, s in enumerate(series):
        for i, v in enumerate(s.values):
            if v is None:
                continue
            x = frame.x(i) - bar * len(series) / 2 + k * bar
            y = frame.y(v)
            body.append(
                f'<rect class="{s.css}" x="{x:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" '
                f'height="{frame.y(0) - y:.1f}"><title>{escape(labels[i])}: '
                f"{escape(s.name)} {escape(fmt.format(v))}</title></rect>"
            )
    body.append(frame.labels(labels))
    return _svg(title, "".join(body))


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: str = "{:.0f}",
    band: tuple[float | None, float | None] | None = None,
    floor: float | None = None,
) -> Markup:
    """Lines with dots, one point per label; `band`: the target range, shaded."""
    values = [v for s in series for v in s.values if v is not None]
    lo_hint = floor if floor is not None else None
    extra = [b for b in (band or ()) if b is not None]
    lo, hi = _nice_range([*values, *extra], lo_hint, None)
    frame = _Frame(len(labels), lo, hi)
    body = [frame.grid(fmt)]
    if band is not None:
        top = frame.y(min(band[1] if band[1] is not None else hi, hi))
        bottom = frame.y(max(band[0] if band[0] is not None else lo, lo))
        body.append(
            f'<rect class="band" x="{LEFT}" y="{top:.1f}" width="{frame.w}" '
            f'height="{max(bottom - top, 0):.1f}"><title>target</title></rect>'
        )
    for s in series:
        points = [(frame.x(i), frame.y(v), v) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            body.append(f'<polyline class="line {s.css}" points="{path}"/>')
        body += [
            f'<circle class="dot {s.css}" cx="{x:.1f}" cy="{y:.1f}" r="4">'
            f"<title>{escape(s.name)} {escape(fmt.format(v))}</title></circle>"
            for x, y, v in points
        ]
    body.append(frame.labels(labels))
    return _svg(title, "".join(body))
