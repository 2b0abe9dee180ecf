"""The parametric description of a synthetic set: `SetSpec`, and how it is written to the truth.

Inputs: keyword parameters (reps, tempo, lockout angles, foot placement, faults, body, camera,
look). Outputs: a frozen, validated `SetSpec`; `spec_json` gives the truth file's "spec" block.
Pure (numpy only).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from hipthrust_cam.synth.camera import CAMERA_HEIGHT_M, FLOOR_FRAC, U_CENTRE
from hipthrust_cam.synth.landmarks import HALF_WIDTH_M
from hipthrust_cam.synth.looks import LOOKS

ARCH_HIP_DEG = 195.0
"""Hip extension at lockout when lumbar_arch = 1."""
_OPTIONAL = {"optional_in_truth": True}
"""Field metadata: written into the truth's spec only when not at its default."""


@dataclass(frozen=True)
class SetSpec:
    """A parametric set of hip thrusts; every default gives a clean 3-rep set with setup.

    Attributes:
        reps: Counted reps.
        concentric_s, pause_s, eccentric_s, rest_s: Tempo per rep, seconds (rest at the bottom).
        bottom_hip_deg, lockout_hip_deg: Hip extension at the bottom and at lockout, degrees.
        lockout_knee_deg: Knee angle at lockout that sets the feet (~70 close, ~112 far).
        head_deg: Head angle at lockout, degrees (+ thrown back).
        lumbar_arch: 0 neutral .. 1 clear hyperextension (hip ~195, ribs up, back arched).
        heel_lift: Heel rise at lockout, shin lengths.
        bench_slide: Shoulder drift per rep, torso lengths (toward the head).
        setup_s: Getting into position before rep 1, seconds (no rep).
        side: "left" or "right", the body side facing the camera.
        width, height: Frame size, pixels. fps: Frame rate (float).
        shake_px: Camera shake amplitude, pixels. seed: Seed of all randomness.
        body_height_m: Lifter height. bench_height_m: Bench top height. zoom: Scale factor.
        tail_s: Rest at the bottom after the last rep, seconds.
        start_at_top: Start at lockout with an uncounted lowering (replaces setup).
        trailing_partial: A last uncounted concentric to this fraction (0..1) of the range.
        rep_lockout_hip_deg: Per-rep lockout hip overrides (e.g. one incomplete rep).
        rep_pause_s: Per-rep pause overrides, seconds.
        look: Name of the drawing style in `looks.LOOKS` ("studio": the original samples).
        yaw_deg: Camera turned about the vertical off the side view, degrees (+ toward the
            feet: 90 looks from the feet; - from behind the head).
        centre_u_m: Floor position (metres from the bench edge toward the feet) at the frame's
            centre_x_frac. centre_x_frac: Its image x as a fraction of the width.
        floor_frac: Image y of the floor line, fraction of the height from the top.
        camera_height_m: Height of the lens above the floor (the far side's depth cue).
        thigh_scale, shin_scale: Thigh and shin length relative to `BODY` (proportions).
        hip_half_width_m, shoulder_half_width_m, stance_half_width_m: Half the distance
            between the left and right hip joints, shoulders, and ankles (stance).

    Fields from `look` on are written into the truth only when they differ from their
    default, so the original samples' truth files stay as they were.
    """

    reps: int = 3
    concentric_s: float = 1.0
    pause_s: float = 1.5
    eccentric_s: float = 1.5
    rest_s: float = 0.8
    bottom_hip_deg: float = 100.0
    lockout_hip_deg: float = 178.0
    lockout_knee_deg: float = 90.0
    head_deg: float = -5.0
    lumbar_arch: float = 0.0
    heel_lift: float = 0.0
    bench_slide: float = 0.0
    setup_s: float = 2.0
    side: str = "left"
    width: int = 854
    height: int = 480
    fps: float = 30.0
    shake_px: float = 0.0
    seed: int = 0
    body_height_m: float = 1.75
    bench_height_m: float = 0.40
    zoom: float = 1.0
    tail_s: float = 1.0
    start_at_top: bool = False
    trailing_partial: float = 0.0
    rep_lockout_hip_deg: tuple[float, ...] = ()
    rep_pause_s: tuple[float, ...] = ()
    look: str = field(default="studio", metadata=_OPTIONAL)
    yaw_deg: float = field(default=0.0, metadata=_OPTIONAL)
    centre_u_m: float = field(default=U_CENTRE, metadata=_OPTIONAL)
    centre_x_frac: float = field(default=0.5, metadata=_OPTIONAL)
    floor_frac: float = field(default=FLOOR_FRAC, metadata=_OPTIONAL)
    camera_height_m: float = field(default=CAMERA_HEIGHT_M, metadata=_OPTIONAL)
    thigh_scale: float = field(default=1.0, metadata=_OPTIONAL)
    shin_scale: float = field(default=1.0, metadata=_OPTIONAL)
    hip_half_width_m: float = field(default=HALF_WIDTH_M["hip"], metadata=_OPTIONAL)
    shoulder_half_width_m: float = field(default=HALF_WIDTH_M["shoulder"], metadata=_OPTIONAL)
    stance_half_width_m: float = field(default=HALF_WIDTH_M["ankle"], metadata=_OPTIONAL)

    def __post_init__(self) -> None:
        if self.side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {self.side!r}")
        if self.look not in LOOKS:
            raise ValueError(f"look must be one of {', '.join(LOOKS)}, got {self.look!r}")
        if not -80.0 <= self.yaw_deg <= 80.0 or not 0.0 < self.floor_frac <= 1.0:
            raise ValueError("yaw_deg must be within +-80 and floor_frac in (0, 1]")
        if min(self.thigh_scale, self.shin_scale, self.hip_half_width_m) <= 0:
            raise ValueError("thigh_scale, shin_scale and hip_half_width_m must be > 0")
        if self.reps < 0 or self.fps <= 0 or min(self.width, self.height) < 16:
            raise ValueError("reps must be >= 0, fps > 0 and the frame at least 16x16")
        if min(self.concentric_s, self.eccentric_s) <= 0 or min(self.pause_s, self.rest_s) < 0:
            raise ValueError("concentric/eccentric must be > 0, pause/rest >= 0 seconds")
        if not 0.0 <= self.trailing_partial < 1.0:
            raise ValueError("trailing_partial must be in [0, 1)")

    def lockout_hip(self, rep: int) -> float:
        """Hip extension actually reached at rep `rep`'s lockout (arch included), degrees."""
        base = (
            self.rep_lockout_hip_deg[rep]
            if rep < len(self.rep_lockout_hip_deg)
            else self.lockout_hip_deg
        )
        return base + float(np.clip(self.lumbar_arch, 0, 1)) * max(ARCH_HIP_DEG - base, 0.0)

    def pause(self, rep: int) -> float:
        """Pause at rep `rep`'s lockout, seconds."""
        return self.rep_pause_s[rep] if rep < len(self.rep_pause_s) else self.pause_s


def uses_optional(spec: SetSpec) -> bool:
    """Whether any optional field (camera, look, body widths) differs from its default."""
    return any(
        f.metadata.get("optional_in_truth") and getattr(spec, f.name) != f.default
        for f in fields(spec)
    )


def spec_json(spec: SetSpec) -> dict[str, Any]:
    """The spec as JSON: tuples as lists; optional fields only when not at their default."""
    out: dict[str, Any] = {}
    for f in fields(spec):
        value = getattr(spec, f.name)
        if f.metadata.get("optional_in_truth") and value == f.default:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out
