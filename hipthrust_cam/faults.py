"""Per-rep measures and the fault table.

Inputs: a decided `RepEvent` and the per-frame features around it. Outputs: `RepMeasures`
(tempo, range of motion, the lockout-plateau medians of every angle, heel lift, shoulder drift,
silhouette arch) and the `Fault`s it shows. A fault is a pure function
`(RepMeasures, FaultsConfig) -> Fault | None`; the plain threshold checks are rows of
`THRESHOLD_ROWS`. Lumbar hyperextension combines several proxies into a confidence: it is a
heuristic about technique, never a diagnosis. `RepResult` bundles a counted rep's measures,
faults and movement label, and renders its report.json entry (`json_safe` turns NaN into null).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from hipthrust_cam.config import FaultsConfig
from hipthrust_cam.features import ANGLE_NAMES
from hipthrust_cam.reps import RepEvent

_BOTTOM_WINDOW_S = 0.25  # frames this close before a rep's start (or end) are "at the bottom"
_LUMBAR_S = slice(7, 13)  # profile samples over the lower back (0.45..0.8 of shoulder->hip)
_CHEST_S = slice(2, 13)  # profile samples over ribs and belly
PLAUSIBLE_AT_LOCKOUT: dict[str, tuple[float, float]] = {
    # a lockout median outside these ranges is a keypoint error, not a posture: not judged
    "hip_extension_deg": (90.0, 230.0),
    "knee_angle_deg": (40.0, 160.0),
    "shin_angle_deg": (-60.0, 60.0),
    "head_angle_deg": (-90.0, 90.0),
}
_ANKLE_PER_HEEL = 0.73  # ankle rise per heel rise when the foot turns on the toes
PLAUSIBLE_HEEL_LIFT = (-0.3, 0.3)  # shin lengths; a bigger heel rise is a misplaced foot
POSSIBLE_BANDS: dict[str, str] = {"incomplete_lockout": "possible_band_deg"}
"""Fault code -> config field of the band past its limit where it is only "possible".

The hip is the landmark a bar, dumbbell or plate on the hips hides; the pose model then places
it a few degrees off while still reporting it visible (~1.0 on the dumbbell clips), so a
lockout read just short of the limit may be a full one. Issue 5 asks for a "possible
incomplete lockout" there; a reading clearly short (beyond the band) is a plain fault.
"""
_CLEAR_VIS = 0.8  # key landmarks at least this visible are seen clearly (full confidence)
LUMBAR_MAX_CONFIDENCE = 0.8
"""Ceiling of the lumbar-hyperextension confidence: no 2D proxy sees the lumbar spine."""


@dataclass(frozen=True)
class Fault:
    """A fault seen on one rep.

    Attributes:
        code: Fault code (a key of the cue texts).
        value: The measured value (unit of the limit).
        limit: The limit it crossed.
        confidence: How much to trust it, [0, 1].
        t_start_s, t_end_s: When it was seen, s.
        possible: The reading is within the 2D measurement error of the limit: reported as a
            possible fault, not cued.
    """

    code: str
    value: float
    limit: float
    confidence: float
    t_start_s: float
    t_end_s: float
    possible: bool = False


@dataclass(frozen=True)
class RepMeasures:
    """What one rep looked like. Angles in deg (medians over the lockout plateau), times in s.

    Attributes:
        heel_lift: Heel rise at lockout over the bottoms before and after it, shin lengths.
        shoulder_drift: Shoulder shift from the start bottom to the end bottom, torso lengths.
        back_arch: Lower-back silhouette moving toward the chest at lockout vs the bottom,
            torso lengths (NaN without a mask).
        front_rise: Chest/belly silhouette rising at lockout vs the bottom, torso lengths.
        shoulder_above_ankle: Shoulder height above the ankle at lockout, torso lengths.
        judged: The lockout angles could be measured (the key landmarks were visible).
        confidence: Share of lockout frames with every key landmark visible, times 0.5..1 by
            how clearly they were seen (median least visibility: the gate -> 0.5, >= 0.8 -> 1),
            [0, 1]. Every fault of the rep scales with it.
    """

    index: int
    start_s: float
    lockout_start_s: float
    lockout_end_s: float
    end_s: float
    concentric_s: float
    pause_s: float
    eccentric_s: float
    rom_deg: float
    peak_hip_deg: float
    hip_extension_deg: float
    torso_angle_deg: float
    knee_angle_deg: float
    shin_angle_deg: float
    head_angle_deg: float
    heel_lift: float
    shoulder_drift: float
    back_arch: float
    front_rise: float
    shoulder_above_ankle: float
    complete: bool
    judged: bool
    confidence: float


def _median(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else math.nan


def _in_range(value: float, bounds: tuple[float, float]) -> float:
    return value if bounds[0] <= value <= bounds[1] else math.nan


def _plausible(name: str, value: float) -> float:
    return _in_range(value, PLAUSIBLE_AT_LOCKOUT.get(name, (-math.inf, math.inf)))


def _heel_lift(frames: dict[str, np.ndarray], bottom: np.ndarray, top: np.ndarray) -> float:
    """Heel rise from the bottom to the lockout, shin lengths, against the floor.

    The foot pivots on the toes, so a real heel lift also lifts the ankle (by ~0.73 of the
    heel's rise); the smaller of the heel's rise and the ankle's rise / 0.73 is reported.
    Both are measured against the image (the camera is still over one rep), not against the
    toe landmark, which drifts with the shin in pose estimates. The baseline is the bottom on
    both sides of the lockout (`bottom`: the rep's start and, when it came down, its end), which
    halves the keypoint noise of the baseline and cancels a slow drift of the foot or camera.
    """
    shin = _median(frames["shin_px"][bottom | top])
    heel = _median(frames["heel_y"][bottom]) - _median(frames["heel_y"][top])
    ankle = _median(frames["ankle_y"][bottom]) - _median(frames["ankle_y"][top])
    if not shin > 0:
        return math.nan
    return min(heel, ankle / _ANKLE_PER_HEEL) / shin


def _visibility_factor(visibility: float, gate: float) -> float:
    """0.5 for key landmarks seen right at the visibility gate, rising to 1 at `_CLEAR_VIS`."""
    if not math.isfinite(visibility):
        return 1.0  # no visibility record (e.g. hand-made frames): the share alone decides
    span = max(_CLEAR_VIS - gate, 1e-6)
    return 0.5 + 0.5 * min(max((visibility - gate) / span, 0.0), 1.0)


def measure_rep(
    index: int, event: RepEvent, frames: dict[str, np.ndarray], gate: float = 0.5
) -> RepMeasures:
    """Measure a rep from its event and the per-frame features.

    Args:
        index: 1-based rep number.
        event: The decided rep.
        frames: "t_s" (M,) and every feature name -> (M,), plus "back_profile" and
            "front_profile" (M, 16), covering at least the rep and a little before it;
            optionally "key_visibility" (M,), the least visibility of shoulder, hip, knee and
            ankle per frame, [0, 1].
        gate: The visibility gate, [0, 1].

    Returns:
        The rep's `RepMeasures`.
    """
    t = frames["t_s"]
    top = (t >= event.lockout_start_s - 1e-6) & (t <= event.lockout_end_s + 1e-6)
    if not top.any():
        top = np.abs(t - 0.5 * (event.lockout_start_s + event.lockout_end_s)) == np.min(
            np.abs(t - event.lockout_end_s)
        )
    start = (t >= event.start_s - _BOTTOM_WINDOW_S) & (t <= event.start_s + 1e-6)
    end = (t >= event.end_s - _BOTTOM_WINDOW_S) & (t <= event.end_s + 1e-6)
    bottoms = start | end if event.complete else start
    angles = {name: _plausible(name, _median(frames[name][top])) for name in ANGLE_NAMES}
    key = np.isfinite(frames["hip_extension_deg"][top]) & np.isfinite(frames["knee_angle_deg"][top])
    confidence = float(key.mean()) if key.size else 0.0
    if "key_visibility" in frames:  # landmarks seen only just above the gate count for less
        confidence *= _visibility_factor(_median(frames["key_visibility"][top]), gate)
    torso = _median(frames["torso_px"][start | top | end])
    drift = math.hypot(
        _median(frames["shoulder_x"][end]) - _median(frames["shoulder_x"][start]),
        _median(frames["shoulder_y"][end]) - _median(frames["shoulder_y"][start]),
    )
    back = frames["back_profile"][:, _LUMBAR_S]
    front = frames["front_profile"][:, _CHEST_S]
    return RepMeasures(
        index=index,
        start_s=event.start_s,
        lockout_start_s=event.lockout_start_s,
        lockout_end_s=event.lockout_end_s,
        end_s=event.end_s,
        concentric_s=event.lockout_start_s - event.start_s,
        pause_s=event.lockout_end_s - event.lockout_start_s,
        eccentric_s=event.end_s - event.lockout_end_s if event.complete else math.nan,
        rom_deg=event.rom_deg,
        peak_hip_deg=event.peak_deg,
        **angles,
        heel_lift=_in_range(_heel_lift(frames, bottoms, top), PLAUSIBLE_HEEL_LIFT),
        shoulder_drift=drift / torso if torso > 0 else math.nan,
        back_arch=_median(back[start].ravel()) - _median(back[top].ravel()),
        front_rise=_median(front[top].ravel()) - _median(front[start].ravel()),
        shoulder_above_ankle=_median(frames["shoulder_above_ankle"][top]),
        complete=event.complete,
        judged=bool(
            np.isfinite(angles["hip_extension_deg"]) and np.isfinite(angles["knee_angle_deg"])
        ),
        confidence=round(confidence, 3),
    )


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

_SPANS: dict[str, Callable[[RepMeasures], tuple[float, float]]] = {
    "top": lambda m: (m.lockout_start_s, m.lockout_end_s),
    "down": lambda m: (m.lockout_end_s, m.end_s),
    "rep": lambda m: (m.start_s, m.end_s),
}


def threshold_fault(row: tuple[str, ...], m: RepMeasures, cfg: FaultsConfig) -> Fault | None:
    """Check one `THRESHOLD_ROWS` row against a rep.

    A fault in `POSSIBLE_BANDS` whose value crosses the limit by less than its band is kept
    but marked `possible` (not cued), its confidence falling linearly to half at the limit.
    """
    code, measure, op, field, when, _ = row
    limits = getattr(cfg, code)
    value, limit = getattr(m, measure), getattr(limits, field)
    if not (math.isfinite(value) and _OPS[op](value, limit)):
        return None
    confidence = m.confidence
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
    confidence = LUMBAR_MAX_CONFIDENCE * strength * support * max(m.confidence, 0.0)
    if confidence < c.min_confidence:
        return None
    value = m.hip_extension_deg if math.isfinite(m.hip_extension_deg) else evidence
    return Fault("lumbar_hyperextension", round(value, 3), c.hip_max_deg, round(confidence, 3),
                 m.lockout_start_s, m.lockout_end_s)  # fmt: skip


def _applies(variant_of_row: str, variant: str) -> bool:
    return variant_of_row in ("any", variant)


def rep_faults(m: RepMeasures, cfg: FaultsConfig, variant: str = "bench") -> list[Fault]:
    """Every fault a rep shows: lumbar first, then the table rows for this variant.

    Args:
        m: The rep's measures.
        cfg: Fault limits.
        variant: "bench" (hip thrust) or "bridge" (glute bridge).
    """
    found = [lumbar_hyperextension(m, cfg)]
    found += [threshold_fault(row, m, cfg) for row in THRESHOLD_ROWS if _applies(row[5], variant)]
    return [f for f in found if f is not None]


FRAME_ROWS: tuple[tuple[str, str, str, str, str], ...] = (
    # faults a live frame at the top can show: (code, angle, op, config field, variant)
    ("lumbar_hyperextension", "hip_extension_deg", ">", "hip_max_deg", "any"),
    *((code, name, op, field, variant) for code, name, op, field, when, variant in THRESHOLD_ROWS
      if when == "top" and name.endswith("_deg") and code != "incomplete_lockout"),
)  # fmt: skip


def frame_faults(
    angles: dict[str, float], cfg: FaultsConfig, variant: str = "bench"
) -> tuple[str, ...]:
    """Fault codes visible on one frame at the top (live cues before the rep is over)."""
    out = []
    for code, name, op, field, row_variant in FRAME_ROWS:
        value = angles.get(name, math.nan)
        if not _applies(row_variant, variant) or code in out:
            continue
        if math.isfinite(value) and _OPS[op](value, getattr(getattr(cfg, code), field)):
            out.append(code)
    return tuple(out)


def with_index(m: RepMeasures, index: int) -> RepMeasures:
    """The same measures renumbered."""
    return replace(m, index=index)


@dataclass(frozen=True)
class RepResult:
    """A counted rep: its measures, faults and movement label."""

    measures: RepMeasures
    faults: tuple[Fault, ...]
    movement: str

    @property
    def clean(self) -> bool:
        """No fault fired (a merely possible one does not spoil the rep)."""
        return not any(not f.possible for f in self.faults)

    def to_dict(self, texts: dict[str, str]) -> dict[str, Any]:
        """The report.json entry (JSON-safe except NaN, see `json_safe`)."""
        m = self.measures
        out: dict[str, Any] = {k: getattr(m, k) for k in m.__dataclass_fields__}
        out["movement"] = self.movement
        out["faults"] = [
            {
                "code": f.code,
                "value": f.value,
                "limit": f.limit,
                "cue": texts.get(f.code, f.code),
                "confidence": f.confidence,
                "t_start_s": f.t_start_s,
                "t_end_s": f.t_end_s,
                "possible": f.possible,
            }
            for f in self.faults
        ]
        return out


def json_safe(value: Any) -> Any:
    """Recursively turn numpy scalars into Python ones and NaN/inf into None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else None
    return value
