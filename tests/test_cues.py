"""Cue selection: one at a time, by priority, after a hold, with a cooldown; never flickers."""

from __future__ import annotations

import dataclasses
import itertools

from hipthrust_cam.analysis.cues import CueManager
from hipthrust_cam.config import CuesConfig

CFG = CuesConfig(hold_s=0.4, show_s=2.0, cooldown_s=4.0, good_rep_s=1.5)
DT = 1 / 30


def play(
    manager: CueManager,
    frames: list[tuple[tuple[str, ...], tuple[str, ...] | None]],
    t0: float = 0.0,
):
    """Feed (live codes, rep faults) per frame; returns [(t, cue code or None, good_rep)]."""
    out = []
    for i, (live, rep) in enumerate(frames):
        t = t0 + i * DT
        cue, good = manager.update(t, live, rep)
        out.append((t, cue[0] if cue else None, good))
    return out


def first_shown(out, code: str) -> float:
    return next(t for t, c, _ in out if c == code)


def test_a_live_fault_must_last_hold_s_before_its_cue() -> None:
    blip = [(("head_back",), None)] * 6 + [((), None)] * 30  # 0.2 s: too short
    assert all(c is None for _, c, _ in play(CueManager(CFG), blip))
    steady = [(("head_back",), None)] * 30
    out = play(CueManager(CFG), steady)
    assert first_shown(out, "head_back") >= CFG.hold_s - 1e-9


def test_one_cue_at_a_time_by_priority() -> None:
    out = play(
        CueManager(CFG), [(("head_back", "feet_too_far", "lumbar_hyperextension"), None)] * 40
    )
    shown = {c for _, c, _ in out if c}
    assert shown == {"lumbar_hyperextension"}


def test_a_shown_cue_stays_show_s_and_does_not_flicker() -> None:
    frames = [(("feet_too_far",), None) if i % 2 else ((), None) for i in range(6)]  # noisy edges
    frames = [(("feet_too_far",), None)] * 20 + frames + [((), None)] * 120
    out = play(CueManager(CFG), frames)
    codes = [c for _, c, _ in out]
    changes = sum(1 for a, b in itertools.pairwise(codes) if a != b)
    assert changes == 2  # on once, off once
    on = [t for t, c, _ in out if c]
    assert on[-1] - on[0] >= CFG.show_s - 2 * DT


def test_cooldown_stops_the_same_cue_repeating() -> None:
    manager = CueManager(CFG)
    out = play(manager, [(("head_back",), None)] * int(10 / DT))
    pairs = itertools.pairwise(out)
    starts = [t for (_, prev, _), (t, c, _) in pairs if c == "head_back" and prev != c]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps and all(g >= CFG.show_s + CFG.cooldown_s - 2 * DT for g in gaps)


def test_rep_faults_show_at_once_and_the_good_sign_after_a_clean_rep() -> None:
    out = play(CueManager(CFG), [((), ("no_pause",))] + [((), None)] * 10)
    assert out[0][1] == "no_pause"
    good = play(CueManager(CFG), [((), ())] + [((), None)] * 60)
    assert good[0][2] and good[30][2] and not good[-1][2]
    assert all(c is None for _, c, _ in good)


def test_texts_come_from_the_table() -> None:
    cfg = dataclasses.replace(CFG, texts={**CFG.texts, "head_back": "Eyes forward"})
    cue, _ = CueManager(cfg).update(0.0, (), ("head_back",))
    assert cue == ("head_back", "Eyes forward")
