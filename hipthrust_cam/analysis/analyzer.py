"""The streaming hip-thrust analyzer that live and offline analysis share.

Inputs: `PoseFrame`s in time order (`push`), then `finish`. Outputs: one `FrameResult` per frame
once it is final (at once live; `lag_frames` later offline, where a centred smoother is used),
a `RepResult` on the frame each rep is finalised, and read-only state for the report (`reps`,
`rejected`, `partials`, `setup_summary()`, `timeline`; `report.assemble` turns it into
report.json). The loop per frame:

    framing checks (raw pose) -> side lock -> gated joints -> smoother -> angles
    -> RepCounter.update(hip extension) -> on a rep: measures, movement, faults
    -> CueManager.update(live faults, rep faults) -> FrameResult
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from hipthrust_cam.analysis.cues import CueManager
from hipthrust_cam.analysis.faults import frame_faults, rep_faults
from hipthrust_cam.analysis.features import (
    ANGLE_NAMES,
    CHANNELS,
    FEATURE_NAMES,
    LEG_FEATURES,
    HipFromTorso,
    LimbCheck,
    SideLock,
    point_features,
    with_other_side,
)
from hipthrust_cam.analysis.filters import SmootherParams, make_smoother
from hipthrust_cam.analysis.framing import (
    COUNTED_MOVEMENTS,
    MESSAGES,
    MovementGuess,
    SetupTracker,
    classify_posture,
    classify_rep,
)
from hipthrust_cam.analysis.measures import measure_rep, visibility_factor
from hipthrust_cam.analysis.planted import JOINTS, SIDES, PlantedFrame, PlantedParts
from hipthrust_cam.analysis.reps import RepCounter, RepEvent
from hipthrust_cam.analysis.results import FrameResult, RepResult
from hipthrust_cam.config import Config
from hipthrust_cam.datatypes import (
    PROFILE_SAMPLES,
    PoseFrame,
)

_BUFFER_S = 90.0  # per-frame features kept for measuring the rep in progress, s
_PRE_S = 0.6  # features kept from before a rep's start, s

_HIP = FEATURE_NAMES.index("hip_extension_deg")
_TORSO = FEATURE_NAMES.index("torso_angle_deg")
_KNEE_DEPENDENT = [FEATURE_NAMES.index(n) for n in ("hip_extension_deg", *LEG_FEATURES)]


@dataclass
class Timeline:
    """Per-frame record of a set, one entry per final frame (for the report's timeline)."""

    t_s: list[float] = field(default_factory=list)
    phase: list[str] = field(default_factory=list)
    angles: list[list[float]] = field(default_factory=list)  # ANGLE_NAMES order, deg
    faults: list[tuple[str, ...]] = field(default_factory=list)  # live fault codes


class _Buffered(NamedTuple):
    """One final frame kept for measuring the rep in progress."""

    t_s: float
    features: np.ndarray  # (len(FEATURE_NAMES),) in that order
    back_profile: np.ndarray  # (PROFILE_SAMPLES,) torso lengths
    front_profile: np.ndarray  # (PROFILE_SAMPLES,) torso lengths
    joint_confidence: np.ndarray  # (len(JOINTS),) the judged side's, [0, 1]


@dataclass(frozen=True)
class SetupSummary:
    """What the set was, for the report's setup block.

    Attributes:
        side: "left"/"right" side judged, None if nobody was seen.
        view: "side", "oblique", "front" or "unknown".
        yaw_deg: How far the camera is turned from the lifter's side, deg (NaN if unknown).
        variant: "bench" or "bridge" once a rep counted, else None.
        movement: The counted reps' movement, or what else it looks like, or "unknown".
        warning_codes: Framing codes that held over the set (keys of `framing.MESSAGES`).
    """

    side: str | None
    view: str
    yaw_deg: float
    variant: str | None
    movement: str
    warning_codes: tuple[str, ...]


PLAUSIBLE_HIP_DEG = (40.0, 240.0)
"""Hip extension a body can show; outside it the pose is garbage (e.g. the first frame after a
processing stall) and the rep counter treats the frame as unseen."""


def _plausible_hip(value: float) -> float:
    low, high = PLAUSIBLE_HIP_DEG
    return value if low <= value <= high else math.nan


class Analyzer:
    """Streaming analysis of one set; see the module docstring."""

    def __init__(
        self, config: Config, image_size: tuple[int, int], *, offline: bool, fps: float = 30.0
    ) -> None:
        """Prepare an empty analysis.

        Args:
            config: The effective config.
            image_size: (width, height) of the frames, px.
            offline: Recorded video (centred smoothing with lag) or live (causal).
            fps: Nominal frame rate, used only to size buffers and the gap-fill length.
        """
        self.cfg = config
        self.image_size = image_size
        self.offline = offline
        sm = config.smoothing
        params = SmootherParams(
            min_cutoff_hz=sm.min_cutoff_hz,
            beta=sm.beta,
            d_cutoff_hz=sm.d_cutoff_hz,
            window_frames=sm.window_frames,
            max_gap_frames=math.ceil(sm.max_gap_s * fps),
        )
        self._smoother = make_smoother(
            sm.offline_filter if offline else sm.live_filter, CHANNELS, params
        )
        self.lag_frames: int = self._smoother.lag_frames
        gate = config.features.visibility_gate
        self._gate = gate
        self._side = SideLock(config.features.side_lock_s)
        self._planted = PlantedParts(
            config.planted, gate, config.features.limb_tolerance, image_size
        )
        self._limbs = LimbCheck(config.features.limb_tolerance)
        self._hip_from_torso = HipFromTorso()
        self._setup = SetupTracker(config.setup, image_size, gate)
        self._counter = RepCounter(config.reps)
        self._cues = CueManager(config.cues)
        self._pending: deque[tuple[PoseFrame, PlantedFrame]] = deque()
        self._buffer: deque[_Buffered] = deque(maxlen=max(int(_BUFFER_S * fps), 100))
        self._movement = MovementGuess(fps)
        self.timeline = Timeline()
        self.reps: list[RepResult] = []
        self.rejected: list[RepResult] = []
        self.partials: list[RepEvent] = []

    # -- streaming --------------------------------------------------------------------------------

    def push(self, pose: PoseFrame) -> list[FrameResult]:
        """Add one frame; returns the results of the frames that are now final, in order."""
        planted = self._planted.update(pose)
        self._setup.update(pose, planted)
        self._side.update(pose)
        self._pending.append((pose, planted))
        outs = self._smoother.push(pose.t_s, planted.xy.reshape(-1))
        return [self._final(t, vec) for t, vec in outs]

    def finish(self) -> list[FrameResult]:
        """Flush the frames held back and decide the rep in progress."""
        results = [self._final(t, vec) for t, vec in self._smoother.finish()]
        event = self._counter.finish()
        if event is not None:
            rep, _ = self._on_event(event)
            if results:
                results[-1] = replace(
                    results[-1],
                    rep_completed=rep,
                    rep_count=len(self.reps),
                    messages=self._messages(),
                )
        return results

    def _final(self, t: float, vec: np.ndarray) -> FrameResult:
        pose, planted = self._pending.popleft()
        side = self._side.side
        joints: dict[str, tuple[float, float]] = {}
        if side is None:
            feats = np.full(len(FEATURE_NAMES), np.nan)
            confidence = np.zeros(len(JOINTS), np.float32)
        else:
            vec, confidence = with_other_side(vec, planted.confidence, side)
            xy = vec.reshape(len(SIDES), len(JOINTS), 2)[SIDES.index(side)]
            joints = {j: (float(x), float(y)) for j, (x, y) in zip(JOINTS, xy, strict=True)}
            f = self._limbs.apply(point_features(vec, side))
            feats = np.array([f[name] for name in FEATURE_NAMES])
        signal = self._rep_signal(feats)
        self._buffer.append(_Buffered(t, feats, pose.back_profile, pose.front_profile, confidence))
        angles = {name: float(feats[i]) for i, name in enumerate(ANGLE_NAMES)}
        if math.isnan(angles["knee_angle_deg"]) and "knee" in joints:
            joints["knee"] = (math.nan, math.nan)  # a knee the leg checks did not believe
        event = self._counter.update(t, signal)
        phase = self._counter.phase
        live = self._live_faults(angles, phase, feats, confidence)
        rep, codes = self._on_event(event) if event is not None else (None, None)
        cue, good = self._cues.update(t, live, codes)
        self.timeline.t_s.append(t)
        self.timeline.phase.append(phase)
        self.timeline.angles.append([angles[n] for n in ANGLE_NAMES])
        self.timeline.faults.append(live)
        return FrameResult(
            t, pose, side, angles, phase, len(self.reps), live, cue, good, self._messages(),
            joints, rep,
        )  # fmt: skip

    def _rep_signal(self, feats: np.ndarray) -> float:
        """Hip extension for the rep counter: measured, or read from the torso's tilt.

        A measured hip extension far off the set's torso-hip line comes from a misplaced knee:
        the knee's angles in `feats` become "not judged" (in place).
        """
        hip = _plausible_hip(float(feats[_HIP]))
        value, believed = self._hip_from_torso.signal(float(feats[_TORSO]), hip)
        if not believed:
            feats[_KNEE_DEPENDENT] = np.nan
        return _plausible_hip(value)

    def _live_faults(
        self, angles: dict[str, float], phase: str, feats: np.ndarray, confidence: np.ndarray
    ) -> tuple[str, ...]:
        """Faults to cue before the rep is over: only at the top of a hip-thrust-like posture."""
        posture = {
            **angles,
            "shoulder_above_ankle": float(feats[FEATURE_NAMES.index("shoulder_above_ankle")]),
        }
        label = classify_posture(posture, self.cfg.setup)
        self._movement.add_posture(label)
        if phase != "lockout" or not self._countable() or label not in COUNTED_MOVEMENTS:
            return ()
        gate = self._gate
        clarity = {
            j: visibility_factor(float(c), gate) for j, c in zip(JOINTS, confidence, strict=True)
        }
        view = self._setup.view
        return frame_faults(angles, self.cfg.faults, self._movement.variant(), view, clarity)

    def _other_movement(self) -> str | None:
        body_out = bool({"knees_out", "feet_out"} & set(self._setup.set_codes()))
        return self._movement.other_movement(self._setup.detected, body_out)

    def _countable(self) -> bool:
        return self._setup.view != "front" and not (self.rejected and not self.reps)

    def _messages(self) -> tuple[str, ...]:
        codes = list(self._setup.live_codes())
        if self._other_movement() is not None and "front_view" not in codes:
            codes.append("not_hip_thrust")
        return tuple(MESSAGES[c] for c in codes)

    # -- reps -------------------------------------------------------------------------------------

    def _frames_since(self, t0: float) -> dict[str, np.ndarray]:
        rows = [r for r in self._buffer if r.t_s >= t0]
        if not rows:
            rows = [self._buffer[-1]]
        out = {"t_s": np.array([r.t_s for r in rows])}
        feats = np.stack([r.features for r in rows])
        out.update({name: feats[:, i] for i, name in enumerate(FEATURE_NAMES)})
        out["joint_confidence"] = np.stack([r.joint_confidence for r in rows])
        for name in ("back_profile", "front_profile"):
            profiles = np.stack([getattr(r, name) for r in rows])
            out[name] = profiles.reshape(-1, PROFILE_SAMPLES).astype(np.float64)
        return out

    def _on_event(self, event: RepEvent) -> tuple[RepResult | None, tuple[str, ...] | None]:
        if event.kind != "rep":
            self.partials.append(event)
            return None, None
        frames = self._frames_since(event.start_s - _PRE_S)
        m = measure_rep(len(self.reps) + 1, event, frames, self._gate)
        t = frames["t_s"]
        near_start = np.abs(t - event.start_s) <= 0.2
        top = (t >= event.lockout_start_s) & (t <= event.lockout_end_s)
        bottom = {  # the movement label uses raw medians (an implausible knee still has a side)
            "bottom_knee_deg": _nanmedian(frames["knee_angle_deg"][near_start]),
            "bottom_torso_deg": _nanmedian(frames["torso_angle_deg"][near_start]),
            "knee_angle_deg": _nanmedian(frames["knee_angle_deg"][top]),
        }
        movement = classify_rep(m, bottom, self.cfg.setup)
        if self._setup.view == "front" or movement not in COUNTED_MOVEMENTS:
            self.rejected.append(RepResult(m, (), movement))
            self._movement.add_rep(movement, counted=False)
            return None, None
        variant = "bridge" if movement == "glute_bridge" else "bench"
        faults = tuple(rep_faults(m, self.cfg.faults, variant, self._setup.view))
        rep = RepResult(m, faults, movement)
        self.reps.append(rep)
        self._movement.add_rep(movement, counted=True)
        return rep, tuple(f.code for f in faults if not f.possible)  # possible: not cued

    # -- outputs ----------------------------------------------------------------------------------

    @property
    def side(self) -> str | None:
        """The side judged so far ("left"/"right"), None before anyone was seen."""
        return self._side.side

    def setup_summary(self) -> SetupSummary:
        """What the set was so far: side, view, variant, movement and set-level warnings."""
        codes = list(self._setup.set_codes())
        counted = self._movement.movement()
        other = self._other_movement()
        if counted is not None:
            movement = counted
        elif other is not None:
            movement = other
            if self._setup.view != "front":
                codes.append("not_hip_thrust")
        else:
            movement = "unknown"
        variant = None
        if self.reps:
            variant = "bridge" if movement == "glute_bridge" else "bench"
        view, yaw = self._setup.view, self._setup.yaw_deg
        return SetupSummary(self.side, view, yaw, variant, movement, tuple(codes))


def _nanmedian(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else math.nan
