"""The analysis' results: what a rep looked like, its faults, and what each frame shows.

Inputs: nothing. Outputs: the small frozen dataclasses the analysis returns and every later
layer (overlay, report, live, web) reads: `RepMeasures` (one rep's tempo and lockout angles),
`Fault` (one fault on one rep), `RepResult` (a counted rep) and `FrameResult` (one frame,
final). numpy and the standard library only, so any layer imports them without OpenCV.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from hipthrust_cam.datatypes import PoseFrame


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
        confidence: Share of lockout frames with every key landmark visible, times the least
            `clarity` of shoulder, hip, knee and ankle, [0, 1].
        judged_share: Share of lockout frames whose hip and knee angles could be measured.
        clarity: Joint name -> how clearly it was seen over the lockout, 0.5 (at the
            visibility gate, or anchored) .. 1 (median confidence >= 0.8). A fault's
            confidence is `judged_share` times the least clarity of the joints it needs.
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
    judged_share: float = 1.0
    clarity: Mapping[str, float] = field(default_factory=dict)


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


def with_index(m: RepMeasures, index: int) -> RepMeasures:
    """The same measures renumbered."""
    return replace(m, index=index)


@dataclass(frozen=True)
class FrameResult:
    """Everything the display and the report need about one frame.

    Attributes:
        t_s: Frame time, s.
        pose: The raw pose of this frame.
        side: "left"/"right" side judged, None before anyone was seen.
        angles: The five angles, deg (NaN = not judged).
        phase: "setup" | "bottom" | "concentric" | "lockout" | "eccentric".
        rep_count: Counted reps so far.
        active_faults: Fault codes live at this frame.
        cue: (code, text) to show now, or None.
        good_rep: Show the positive sign now.
        messages: Setup guidance in plain words.
        joints: The judged side's joints as analysed, name -> (x, y) px: planted feet, the
            other side's chain when it stood in, smoothed: what the angles are measured on.
            NaN: unseen, or a knee whose angle is not judged; empty before a side is known.
            The overlay draws these.
        rep_completed: The rep finalised at this frame, if any.
    """

    t_s: float
    pose: PoseFrame
    side: str | None
    angles: dict[str, float]
    phase: str
    rep_count: int
    active_faults: tuple[str, ...]
    cue: tuple[str, str] | None
    good_rep: bool
    messages: tuple[str, ...]
    joints: Mapping[str, tuple[float, float]]
    rep_completed: RepResult | None = None
