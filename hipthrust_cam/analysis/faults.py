"""The fault table: which faults a measured rep shows.

Inputs: a rep's `RepMeasures` (see `measures`). Outputs: the `Fault`s it shows. A fault is a
pure function `(RepMeasures, FaultsConfig) -> Fault | None`; the plain threshold checks are
rows of `THRESHOLD_ROWS`. Lumbar hyperextension combines several proxies into a confidence: it
is a heuristic about technique, never a diagnosis.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from hipthrust_cam.analysis.results import Fault, RepMeasures
from hipthrust_cam.config import FaultsConfig

POSSIBLE_BANDS: dict[str, str] = {"incomplete_lockout": "possible_band_deg"}
"""Fault code -> config field of the band past its limit where it is only "possible".

The hip is the landmark a bar, dumbbell or plate on the hips hides; the pose model then places
it a few degrees off while still reporting it visible (~1.0 on the dumbbell clips), so a
lockout read just short of the limit may be a full one: it is reported as a "possible
incomplete lockout", not cued; a reading clearly short (beyond the band) is a plain fault.
"""
LUMBAR_MAX_CONFIDENCE = 0.8
"""Ceiling of the lumbar-hyperextension confidence: no 2D proxy sees the lumbar spine."""


_OPS: dict[str, Callable[[float, float], bool]] = {">": operator.gt, "<": operator.lt}

THRESHOLD_ROWS: tuple[tuple[str, str, str, str, str, str], ...] = (
    # (fault code, measure, op, config field of faults.<code>, when: "top" | "down" | "rep",
    #  variant: "bench" | "bridge" | "any"). In a glute bridge the thigh slopes up to the knee,
    # so a good knee angle is well under 90 deg; the feet are judged by the shin there.
    ("incomplete_lockout", "hip_extension_deg", "<", "hip_min_deg", "top", "any"),
    ("feet_too_far", "knee_angle_deg", ">", "knee_max_deg", "top", "bench"),
    ("feet_too_close", "knee_angle_deg", "<", "knee_min_deg", "top", "bench"),
    ("feet_too_far", "shin_angle_deg", ">", "bridge_shin_max_deg", "top", "bridge"),
    ("feet_too_close", "shin_angle_deg", "<", "bridge_shin_min_deg", "top", "bridge"),
    ("head_back", "head_angle_deg", ">", "head_max_deg", "top", "any"),
    ("no_pause", "pause_s", "<", "pause_min_s", "top", "any"),
    ("fast_eccentric", "eccentric_s", "<", "eccentric_min_s", "down", "any"),
    ("heels_up", "heel_lift", ">", "lift_max", "top", "any"),
    ("bench_slide", "shoulder_drift", ">", "drift_max", "rep", "bench"),
)
"""The plain threshold faults: a new check is a new row."""

SUPPORT: dict[str, tuple[str, str, str]] = {
    # fault code -> (supporting measure, op, config field): agreement raises the confidence
    "feet_too_far": ("shin_angle_deg", ">", "shin_max_deg"),
    "feet_too_close": ("shin_angle_deg", "<", "shin_min_deg"),
}

FAULT_JOINTS: dict[str, tuple[str, ...]] = {
    # fault code -> the joints its measure needs: the least clearly seen sets its confidence
    "lumbar_hyperextension": ("shoulder", "hip", "knee"),
    "incomplete_lockout": ("shoulder", "hip", "knee"),
    "feet_too_far": ("hip", "knee", "ankle"),
    "feet_too_close": ("hip", "knee", "ankle"),
    "head_back": ("ear", "shoulder", "hip"),
    "no_pause": ("hip",),
    "fast_eccentric": ("hip",),
    "heels_up": ("ankle", "heel", "toe"),
    "bench_slide": ("shoulder",),
}

VIEW_JUDGES: dict[str, frozenset[str]] = {
    # camera view -> the faults it can show. Turned away from the side, the foot placement,
    # the arch, the head, the heels and how far the hips extend are distorted by the angle:
    # not judged rather than judged wrong. Reps and tempo stay countable.
    "side": frozenset(FAULT_JOINTS),
    "unknown": frozenset(FAULT_JOINTS),
    "oblique": frozenset({"no_pause", "fast_eccentric"}),
    "front": frozenset({"no_pause", "fast_eccentric"}),
}
POSSIBLE_ONLY: dict[str, frozenset[str]] = {}
"""Camera view -> faults reported there as possible at most (never cued); none today."""


def fault_confidence(m: RepMeasures, code: str) -> float:
    """How much to trust a fault of this rep: judged share x the least clear joint it needs."""
    clarity = [m.clarity[j] for j in FAULT_JOINTS.get(code, ()) if j in m.clarity]
    return m.judged_share * min(clarity) if clarity else m.confidence


_SPANS: dict[str, Callable[[RepMeasures], tuple[float, float]]] = {
    "top": lambda m: (m.lockout_start_s, m.lockout_end_s),
    "down": lambda m: (m.lockout_end_s, m.end_s),
    "rep": lambda m: (m.start_s, m.end_s),
}


def threshold_fault(row: tuple[str, ...], m: RepMeasures, cfg: FaultsConfig) -> Fault | None:
    """Check one `THRESHOLD_ROWS` row against a rep.

    A fault in `POSSIBLE_BANDS` whose value crosses the limit by less than its band is kept
    but marked `possible` (not cued), its confidence falling linearly to half at the limit.
    So is any fault whose confidence stays under `cfg.possible_below`: its landmarks were
    seen too unclearly (or were anchored) to tell the lifter to change anything.
    """
    code, measure, op, field, when, _ = row
    limits = getattr(cfg, code)
    value, limit = getattr(m, measure), getattr(limits, field)
    if not (math.isfinite(value) and _OPS[op](value, limit)):
        return None
    confidence = fault_confidence(m, code)
    if code in SUPPORT and SUPPORT[code][0] != measure:
        s_measure, s_op, s_field = SUPPORT[code]
        s_value = getattr(m, s_measure)
        agrees = math.isfinite(s_value) and _OPS[s_op](s_value, getattr(limits, s_field))
        confidence *= 1.0 if agrees else 0.75
    possible = False
    if code in POSSIBLE_BANDS:  # within the band past the limit: only a possible fault
        band = getattr(limits, POSSIBLE_BANDS[code])
        margin = min(abs(value - limit) / band, 1.0) if band > 0 else 1.0
        confidence *= 0.5 + 0.5 * margin
        possible = margin < 1.0
    possible = possible or confidence < cfg.possible_below
    t0, t1 = _SPANS[when](m)
    return Fault(code, round(float(value), 3), float(limit), round(confidence, 3), t0, t1, possible)


def _lumbar_proxies(m: RepMeasures, cfg: FaultsConfig) -> list[float]:
    """Each hyperextension proxy as a share of its limit (1 = at the limit; NaN = unseen)."""
    c = cfg.lumbar_hyperextension
    knees_normal = (
        cfg.feet_too_close.knee_min_deg <= m.knee_angle_deg <= cfg.feet_too_far.knee_max_deg
    )
    proxies = [
        (m.hip_extension_deg - 180.0) / max(c.hip_max_deg - 180.0, 1e-6),
        m.back_arch / max(c.back_arch_max, 1e-9),
        m.front_rise / max(c.front_rise_max, 1e-9),
    ]
    if knees_normal and m.torso_angle_deg < c.torso_min_deg:  # tipping past horizontal
        proxies.append(m.torso_angle_deg / c.torso_min_deg)
    return proxies


def lumbar_evidence(m: RepMeasures, cfg: FaultsConfig) -> tuple[float, int]:
    """Mean evidence of the hyperextension proxies (1 = at the limits) and how many were seen."""
    seen = [p for p in _lumbar_proxies(m, cfg) if math.isfinite(p)]
    return (float(np.mean(seen)) if seen else math.nan), len(seen)


def lumbar_hyperextension(m: RepMeasures, cfg: FaultsConfig) -> Fault | None:
    """Over-extension at the top: hip past the straight line, ribs up, lower back arched.

    The value is the hip angle (or, without it, the mean proxy evidence, 1 = at the limits).
    This is a heuristic, never a diagnosis: no side camera sees the lumbar spine, and the
    proxies (hip angle past the shoulder-knee line, silhouette arch and rib rise, torso
    tipping) also move with pelvis and bench position and with keypoint error. So the
    confidence never exceeds `LUMBAR_MAX_CONFIDENCE` (0.8), and it is cut by a quarter when
    only one proxy is at or over its own limit or the segmentation mask is missing (then the
    hip angle alone carries the claim): e.g. hip 196 deg alone -> 0.6; hip 192 deg with the
    back arch agreeing -> ~0.65; everything agreeing clearly -> 0.8. It also scales with the
    rep's own measurement confidence (visibility of the key landmarks).
    """
    c = cfg.lumbar_hyperextension
    evidence, _ = lumbar_evidence(m, cfg)
    hip_over = math.isfinite(m.hip_extension_deg) and m.hip_extension_deg > c.hip_max_deg
    if not (math.isfinite(evidence) and (evidence >= 1.0 or hip_over)):
        return None
    proxies = _lumbar_proxies(m, cfg)
    agree = sum(p >= 1.0 for p in proxies if math.isfinite(p))
    mask = math.isfinite(m.back_arch) or math.isfinite(m.front_rise)
    support = 1.0 if agree >= 2 and mask else 0.75
    strength = min(1.0, 0.5 + 0.25 * max(evidence, 1.0))  # 0.75 at the limits, 1 at twice
    measured = max(fault_confidence(m, "lumbar_hyperextension"), 0.0)
    confidence = LUMBAR_MAX_CONFIDENCE * strength * support * measured
    if confidence < c.min_confidence:
        return None
    value = m.hip_extension_deg if math.isfinite(m.hip_extension_deg) else evidence
    return Fault("lumbar_hyperextension", round(value, 3), c.hip_max_deg, round(confidence, 3),
                 m.lockout_start_s, m.lockout_end_s)  # fmt: skip


def _applies(variant_of_row: str, variant: str) -> bool:
    return variant_of_row in ("any", variant)


def rep_faults(
    m: RepMeasures, cfg: FaultsConfig, variant: str = "bench", view: str = "side"
) -> list[Fault]:
    """Every fault a rep shows that the camera's view can show: lumbar first, then the table.

    Args:
        m: The rep's measures.
        cfg: Fault limits.
        variant: "bench" (hip thrust) or "bridge" (glute bridge).
        view: The camera view ("side", "oblique", "front"; see `VIEW_JUDGES`).
    """
    found = [lumbar_hyperextension(m, cfg)]
    found += [threshold_fault(row, m, cfg) for row in THRESHOLD_ROWS if _applies(row[5], variant)]
    judged = VIEW_JUDGES.get(view, VIEW_JUDGES["side"])
    possible_only = POSSIBLE_ONLY.get(view, frozenset())
    return [
        replace(f, possible=True) if f.code in possible_only else f
        for f in found
        if f is not None and f.code in judged
    ]


FRAME_ROWS: tuple[tuple[str, str, str, str, str], ...] = (
    # faults a live frame at the top can show: (code, angle, op, config field, variant)
    ("lumbar_hyperextension", "hip_extension_deg", ">", "hip_max_deg", "any"),
    *((code, name, op, field, variant) for code, name, op, field, when, variant in THRESHOLD_ROWS
      if when == "top" and name.endswith("_deg") and code != "incomplete_lockout"),
)  # fmt: skip


def frame_faults(
    angles: dict[str, float],
    cfg: FaultsConfig,
    variant: str = "bench",
    view: str = "side",
    clarity: Mapping[str, float] | None = None,
) -> tuple[str, ...]:
    """Fault codes visible on one frame at the top (live cues before the rep is over).

    Only faults the view can show, from joints seen clearly enough to cue (`clarity`: joint
    name -> 0.5..1 as in `RepMeasures.clarity`; None = all clear).
    """
    out: list[str] = []
    judged = VIEW_JUDGES.get(view, VIEW_JUDGES["side"]) - POSSIBLE_ONLY.get(view, frozenset())
    for code, name, op, field, row_variant in FRAME_ROWS:
        value = angles.get(name, math.nan)
        if not _applies(row_variant, variant) or code in out or code not in judged:
            continue
        if clarity and min(clarity.get(j, 1.0) for j in FAULT_JOINTS[code]) < cfg.possible_below:
            continue
        if math.isfinite(value) and _OPS[op](value, getattr(getattr(cfg, code), field)):
            out.append(code)
    return tuple(out)
