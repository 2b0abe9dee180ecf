"""The Progress page's figures: which plots, from which trends, against which targets.

Inputs: the config and the sets (`SetRow`s). Outputs: `Card`s (title, what it shows, the SVG,
its legend) for the template. The figures come from `store.trends`; the targets from the same
config the reports use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from hipthrust_cam.config import Config
from hipthrust_cam.report.tables import fault_title, target_bands
from hipthrust_cam.store.records import SetRow
from hipthrust_cam.store.trends import Week, faults_seen, set_points, weekly
from hipthrust_cam.web.charts import Series, bar_chart, line_chart

FAULT_COLOURS = 9  # CSS classes f0..f8 in style.css


@dataclass(frozen=True)
class Card:
    """One plot on the page."""

    title: str
    what: str
    svg: Markup
    legend: list[tuple[str, str]] = field(default_factory=list)  # (name, CSS class)


def _pct(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def _weekly_cards(weeks: Sequence[Week], config: Config) -> list[Card]:
    labels = [f"{w.start.day} {w.start:%b}" for w in weeks]
    bars = [
        Series("reps", [float(w.reps) for w in weeks], "bar-all"),
        Series("clean reps", [float(w.clean) for w in weeks], "bar-clean"),
    ]
    share = Series("clean", [_pct(w.clean_share) for w in weeks], "s-clean")
    cards = [
        Card(
            "Reps per week",
            "All reps (light) and clean reps (green), week by week",
            bar_chart("Reps per week", labels, bars),
            [("all reps", "bar-all"), ("clean reps", "bar-clean")],
        ),
        Card(
            "Clean reps per week",
            "Share of reps with nothing to fix, %",
            line_chart("Clean-rep share", labels, [share], "{:.0f}%", floor=0.0),
        ),
    ]
    codes = faults_seen(weeks, config.cues.priority)
    rates = [
        Series(fault_title(c), [_pct(w.fault_rate(c)) for w in weeks], f"f{i % FAULT_COLOURS}")
        for i, c in enumerate(codes)
    ]
    if rates:
        cards.append(
            Card(
                "Faults per week",
                "Share of reps with each fault, %",
                line_chart("Fault rates", labels, rates, "{:.0f}%", floor=0.0),
                [(s.name, s.css) for s in rates],
            )
        )
    return cards


def _set_cards(rows: Sequence[SetRow], config: Config) -> list[Card]:
    points = set_points(rows)
    labels = [f"{p.when.day} {p.when:%b}" for p in points]
    bands = target_bands(config.analysis_dict())
    hip, knee = bands["hip_extension_deg"], bands["knee_angle_deg"]
    pause = config.faults.no_pause.pause_min_s

    def one(name: str, values: list[float | None], css: str = "s-main") -> list[Series]:
        return [Series(name, values, css)]

    cards = [
        Card(
            "Hips at the top",
            f"Hip angle at lockout, median per set (aim {hip.text()})",
            line_chart(
                "Lockout hip angle",
                labels,
                one("hip", [p.hip_deg for p in points]),
                "{:.0f}°",
                band=(hip.lo, hip.hi),
            ),
        ),
        Card(
            "Knees at the top",
            f"Knee angle at lockout, median per set (aim {knee.text()})",
            line_chart(
                "Knee angle at lockout",
                labels,
                one("knee", [p.knee_deg for p in points]),
                "{:.0f}°",
                band=(knee.lo, knee.hi),
            ),
        ),
        Card(
            "Pause at the top",
            f"Median pause per set, s (aim at least {pause:g} s)",
            line_chart(
                "Pause length",
                labels,
                one("pause", [p.pause_s for p in points]),
                "{:.1f} s",
                band=(pause, None),
                floor=0.0,
            ),
        ),
    ]
    if any(p.load_kg is not None for p in points):
        loads = one("load", [p.load_kg for p in points], "s-load")
        cards.append(
            Card(
                "Load",
                "Load per set, kg (from your notes)",
                line_chart("Load", labels, loads, "{:g} kg", floor=0.0),
            )
        )
    return cards


def progress_charts(config: Config, rows: Sequence[SetRow]) -> list[Card]:
    """Every plot of the Progress page, weekly ones first."""
    return [*_weekly_cards(weekly(rows), config), *_set_cards(rows, config)]
