"""What the terminal shows: progress bars and each run's table and files."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # imported lazily below: `--help` and bad arguments stay instant
    from hipthrust_cam.app.pipeline import RunSummary
    from hipthrust_cam.datatypes import SourceInfo


def progress(
    name: str, total: int, stream: TextIO = sys.stderr, unit: str = "frames"
) -> Callable[[int], None] | None:
    """A progress-bar callback (given the index done) on a terminal; None when not a terminal."""
    if not stream.isatty():
        return None
    started = time.monotonic()

    shown = [-1.0]

    def update(index: int) -> None:
        done, now = index + 1, time.monotonic()
        if now - shown[0] < 0.1 and done != total:
            return
        shown[0] = now
        rate = done / max(now - started, 1e-6)
        frac = done / total if total else 0.0
        bar = "#" * round(24 * frac)
        tail = f"{done}/{total}" if total else f"{done}"
        speed = f"{rate:5.1f} fps" if unit == "frames" else f"{rate * 3600:.0f}/h"
        stream.write(f"\r{name} [{bar:<24}] {tail} {unit} {speed} ")
        stream.flush()

    return update


def clear_bar(bar: Callable[[int], None] | None, stream: TextIO = sys.stderr) -> None:
    """Ends the progress bar's line before other output (it is redrawn after)."""
    if bar is not None:
        stream.write("\r\033[K")
        stream.flush()


def live_started(info: SourceInfo) -> None:
    """Tells how to end, pause and reset a live set once the camera is open."""
    print(
        f"hipthrust-cam: live from {info.name}; q or Esc ends the set, space pauses, "
        "r resets the count",
        file=sys.stderr,
    )


def print_live_end(summary: RunSummary) -> None:
    """A live set's table, its latency and frames, and what was written."""
    from hipthrust_cam.app.runs import rep_table

    print(rep_table(summary.report))
    live = summary.report["live"]
    lat = live["latency_ms"]
    print(
        f"latency frame -> screen: median {lat['median']} ms, p95 {lat['p95']} ms; "
        f"{live['frames_shown']} frames shown, {live['frames_dropped']} dropped"
    )
    state = " (interrupted: partial)" if summary.interrupted else ""
    print(f"wrote {summary.out_dir}{state}: " + ", ".join(p.name for p in summary.files[:7]))


def print_summary(summary: RunSummary) -> None:
    """A run's table and the files written."""
    from hipthrust_cam.app.runs import rep_table

    if sys.stderr.isatty():
        sys.stderr.write("\n")
    print(rep_table(summary.report))
    state = " (interrupted: partial)" if summary.interrupted else ""
    top = [p.name for p in summary.files if p.parent == summary.out_dir]
    video = summary.out_dir / "annotated.mp4"
    if video.is_file() and video.name not in top:
        top.insert(0, video.name)
    thumbs = len(summary.files) - len([p for p in summary.files if p.parent == summary.out_dir])
    extra = f" + {thumbs} lockout thumbnails" if thumbs else ""
    print(f"wrote {summary.out_dir}{state}: {', '.join(top)}{extra}")
    html = summary.out_dir / "report.html"
    if html.is_file():
        print(f"open {html} in a browser")
