"""Frame-sequence tables for the rep state machine: hip-angle sequence in, events out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hipthrust_cam.analysis.reps import RepCounter
from hipthrust_cam.config import RepsConfig

FPS = 30.0


def track(start: float, *segments: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Cosine-eased hip angle: from `start`, (duration s, target deg) segment after segment."""
    values = [start]
    for duration, target in segments:
        n = max(1, round(duration * FPS))
        s = np.arange(1, n + 1) / n
        a = values[-1]
        values.extend(a + (target - a) * (1 - np.cos(np.pi * s)) / 2)
    x = np.array(values)
    return np.arange(len(x)) / FPS, x


def rep(
    bottom: float = 100.0,
    top: float = 180.0,
    up: float = 0.8,
    hold: float = 1.0,
    down: float = 1.2,
    rest: float = 0.5,
):
    return [(up, top), (hold, top), (down, bottom), (rest, bottom)]


def run(t: np.ndarray, x: np.ndarray, cfg: RepsConfig | None = None):
    counter = RepCounter(cfg or RepsConfig())
    events, phases = [], []
    for ti, xi in zip(t, x, strict=True):
        ev = counter.update(float(ti), float(xi))
        phases.append(counter.phase)
        if ev is not None:
            events.append(ev)
    ev = counter.finish()
    if ev is not None:
        events.append(ev)
    return events, phases


def kinds(events) -> list[str]:
    return [e.kind for e in events]


CASES = {
    # name: (track, expected event kinds)
    "three clean reps": (track(100, (0.5, 100), *rep(), *rep(), *rep()), ["rep"] * 3),
    "plate hides the hip: top looks like 165": (
        track(100, (0.5, 100), *rep(top=165), *rep(top=165)),
        ["rep", "rep"],
    ),
    "clip starts at the top": (
        track(180, (0.6, 180), (1.2, 100), (0.5, 100), *rep(), *rep()),
        ["rep", "rep"],
    ),
    "last rep cut off before the top": (
        track(100, (0.5, 100), *rep(), *rep(), (0.15, 125)),
        ["rep", "rep", "partial"],
    ),
    "tiny twitch at the end adds nothing": (track(100, (0.5, 100), *rep(), (0.1, 108)), ["rep"]),
    "a start that never locks out is a partial": (
        track(100, (0.5, 100), (0.6, 122), (0.6, 100), (0.5, 100), *rep()),
        ["partial", "rep"],
    ),
    "getting into position (sitting -> lying) adds nothing": (
        track(95, (1.0, 95), (1.5, 105), (0.3, 100), (0.8, 110), (0.5, 104), (0.5, 104), *rep()),
        ["rep"],
    ),
    "no pause at the top": (track(100, (0.5, 100), *rep(hold=0.0), *rep(hold=0.0)), ["rep", "rep"]),
    "fast drop": (track(100, (0.5, 100), *rep(down=0.35), *rep(down=0.35)), ["rep", "rep"]),
    "rep ends the clip while held at the top": (
        track(100, (0.5, 100), *rep(), (0.8, 180), (2.0, 180)),
        ["rep", "rep"],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_event_sequence(name: str) -> None:
    (t, x), expected = CASES[name]
    events, _ = run(t, x)
    assert kinds(events) == expected


def test_jitter_does_not_split_a_rep() -> None:
    t, x = track(100, (0.5, 100), *rep(), *rep(), *rep())
    rng = np.random.default_rng(3)
    events, _ = run(t, x + rng.normal(0, 2.0, len(x)))
    assert kinds(events) == ["rep"] * 3


def test_dropouts_do_not_lose_or_add_reps() -> None:
    t, x = track(100, (0.5, 100), *rep(), *rep(), *rep())
    x = x.copy()
    x[40:46] = np.nan  # mid-concentric of rep 1
    x[150:158] = np.nan  # mid-eccentric of rep 2
    events, _ = run(t, x)
    assert kinds(events) == ["rep"] * 3


def test_rep_times_match_the_schedule() -> None:
    t, x = track(100, (0.5, 100), *rep(up=0.8, hold=1.0, down=1.2, rest=0.5))
    (event,), _ = run(t, x)
    assert event.start_s == pytest.approx(0.5, abs=0.15)
    assert event.lockout_start_s == pytest.approx(1.3, abs=0.2)
    assert event.lockout_end_s == pytest.approx(2.3, abs=0.2)
    assert event.end_s == pytest.approx(3.5, abs=0.2)
    assert event.rom_deg == pytest.approx(80, abs=1)
    assert event.complete


def test_phases_run_in_order() -> None:
    t, x = track(100, (0.5, 100), *rep(), *rep())
    _, phases = run(t, x)
    order = [p for i, p in enumerate(phases) if i == 0 or p != phases[i - 1]]
    assert order[:5] == ["setup", "concentric", "lockout", "eccentric", "bottom"]
    assert order[5:8] == ["concentric", "lockout", "eccentric"]


def test_small_rom_after_big_reps_is_not_a_rep() -> None:
    # Relative to the lifter's own range: 35 deg after 80 deg reps is a partial, not a rep.
    t, x = track(100, (0.5, 100), *rep(), *rep(), *rep(top=135))
    events, _ = run(t, x)
    assert kinds(events) == ["rep", "rep", "partial"]


def test_long_gap_resets_without_inventing_a_rep() -> None:
    t, x = track(100, (0.5, 100), *rep(), (0.4, 150))
    x = np.concatenate([x, np.full(90, np.nan)])
    t = np.arange(len(x)) / FPS
    events, _ = run(t, x)
    assert kinds(events) == ["rep", "partial"]
    assert math.isfinite(events[0].end_s)


@pytest.mark.parametrize(("hold", "down"), [(0.0, 1.2), (1.0, 1.2), (2.0, 0.4)])
def test_pause_and_eccentric_durations(hold: float, down: float) -> None:
    t, x = track(100, (0.5, 100), *rep(hold=hold, down=down))
    (event,), _ = run(t, x)
    assert event.lockout_end_s - event.lockout_start_s == pytest.approx(hold, abs=0.2)
    assert event.end_s - event.lockout_end_s == pytest.approx(down, abs=0.2)


def test_a_hold_that_creeps_up_with_one_noisy_high_reading_is_still_the_hold() -> None:
    # A plate over the hip, or a lifter small in the frame: the hip angle creeps from 160 to
    # 167 deg during a 0.8 s squeeze at the top, and one reading jumps 5 deg high. The hold is
    # the whole 0.8 s, not the last instant before the way down (which read as "no pause").
    t, x = track(100, (0.5, 100), (0.8, 160), (0.8, 167), (1.2, 100), (0.5, 100))
    rng = np.random.default_rng(3)
    x = x + rng.normal(0.0, 0.6, len(x))
    top = int(np.argmax(x))
    x[top - 6] += 5.0
    (event,), _ = run(t, x)
    assert event.lockout_end_s - event.lockout_start_s == pytest.approx(0.8, abs=0.2)
    assert event.end_s - event.lockout_end_s == pytest.approx(1.2, abs=0.25)
