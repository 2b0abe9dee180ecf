"""The streaming hip-thrust analyzer that live and offline analysis share.

Inputs: `PoseFrame`s in time order (`push`), then `finish`. Outputs: one `FrameResult` per frame
once it is final (at once live; `lag_frames` later offline, where a centred smoother is used),
a `RepResult` on the frame each rep is finalised, the report.json dict (`report`, valid at any
time) and a per-frame timeline. The loop per frame:

    setup checks (raw pose) -> side lock -> gated joints -> smoother -> angles
    -> RepCounter.update(hip extension) -> on a rep: measures, movement, faults
    -> CueManager.update(live faults, rep faults) -> FrameResult
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from hipthrust_cam.analysis.cues import CueManager
from hipthrust_cam.analysis.faults import RepResult, frame_faults, json_safe, rep_faults
from hipthrust_cam.analysis.features import (
    ANGLE_NAMES,
    CHANNELS,
    FEATURE_NAMES,
    LimbCheck,
    SideLock,
    joint_vector,
    point_features,
)
from hipthrust_cam.analysis.filters import SmootherParams, make_smoother
from hipthrust_cam.analysis.framing import (
    COUNTED_MOVEMENTS,
    MESSAGES,
    SetupTracker,
    classify_posture,
    classify_rep,
)
from hipthrust_cam.analysis.measures import measure_rep
from hipthrust_cam.analysis.reps import RepCounter, RepEvent
from hipthrust_cam.config import Config
from hipthrust_cam.datatypes import PROFILE_SAMPLES, SIDE_JOINTS, KeypointSeries, PoseFrame

SCHEMA_VERSION = 1
DISCLAIMER = (
    "Technique feedback, not medical advice. If anything hurts, stop and see a professional."
)
_BUFFER_S = 90.0  # per-frame features kept for measuring the rep in progress, s
_PRE_S = 0.6  # features kept from before a rep's start, s
_POSTURE_MIN_FRAMES = 30  # frames in another movement's posture before saying so
_KEY_INDEX = {  # landmarks every lockout angle needs, per side (their least visible one counts)
    side: [SIDE_JOINTS[side][j] for j in ("shoulder", "hip", "knee", "ankle")]
    for side in ("left", "right")
}


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
    rep_completed: RepResult | None = None


@dataclass
class _Timeline:
    t_s: list[float] = field(default_factory=list)
    phase: list[str] = field(default_factory=list)
    angles: list[list[float]] = field(default_factory=list)
    faults: list[tuple[str, ...]] = field(default_factory=list)


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
        self._limbs = LimbCheck(config.features.limb_tolerance)
        self._setup = SetupTracker(config.setup, image_size, gate)
        self._counter = RepCounter(config.reps)
        self._cues = CueManager(config.cues)
        self._pending: deque[PoseFrame] = deque()
        self._buffer: deque[tuple[float, np.ndarray, np.ndarray, np.ndarray, float]] = deque(
            maxlen=max(int(_BUFFER_S * fps), 100)
        )
        self._timeline = _Timeline()
        self.reps: list[RepResult] = []
        self.rejected: list[RepResult] = []
        self.partials: list[dict[str, Any]] = []
        self._postures: Counter[str] = Counter()

    # -- streaming --------------------------------------------------------------------------------

    def push(self, pose: PoseFrame) -> list[FrameResult]:
        """Add one frame; returns the results of the frames that are now final, in order."""
        self._setup.update(pose)
        self._side.update(pose)
        self._pending.append(pose)
        outs = self._smoother.push(pose.t_s, joint_vector(pose, self._gate))
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
        pose = self._pending.popleft()
        side = self._side.side
        if side is None:
            feats = np.full(len(FEATURE_NAMES), np.nan)
        else:
            f = self._limbs.apply(point_features(vec, side))
            feats = np.array([f[name] for name in FEATURE_NAMES])
        key_vis = min(pose.visibility[_KEY_INDEX[side]].tolist()) if side else math.nan
        self._buffer.append((t, feats, pose.back_profile, pose.front_profile, key_vis))
        angles = {name: float(feats[i]) for i, name in enumerate(ANGLE_NAMES)}
        event = self._counter.update(t, _plausible_hip(angles["hip_extension_deg"]))
        phase = self._counter.phase
        live = self._live_faults(angles, phase, feats)
        rep, codes = self._on_event(event) if event is not None else (None, None)
        cue, good = self._cues.update(t, live, codes)
        self._timeline.t_s.append(t)
        self._timeline.phase.append(phase)
        self._timeline.angles.append([angles[n] for n in ANGLE_NAMES])
        self._timeline.faults.append(live)
        return FrameResult(
            t, pose, side, angles, phase, len(self.reps), live, cue, good, self._messages(), rep
        )

    def _live_faults(
        self, angles: dict[str, float], phase: str, feats: np.ndarray
    ) -> tuple[str, ...]:
        """Faults to cue before the rep is over: only at the top of a hip-thrust-like posture."""
        posture = {
            **angles,
            "shoulder_above_ankle": float(feats[FEATURE_NAMES.index("shoulder_above_ankle")]),
        }
        label = classify_posture(posture, self.cfg.setup)
        if label != "unknown":
            self._postures[label] += 1
        if phase != "lockout" or not self._countable() or label not in COUNTED_MOVEMENTS:
            return ()
        return frame_faults(angles, self.cfg.faults, self._variant())

    def _other_movement(self) -> str | None:
        """With no rep counted: the other movement this looks like, if the evidence is clear.

        Labels of rejected rep candidates come first, then the posture most frames show; a
        candidate that matched nothing says "unknown" only when the whole body was in frame.
        """
        if self.reps:
            return None
        labels = Counter(r.movement for r in self.rejected if r.movement != "unknown")
        if labels:
            return labels.most_common(1)[0][0]
        if self._postures:
            label, count = self._postures.most_common(1)[0]
            enough = count >= max(_POSTURE_MIN_FRAMES, 0.3 * self._setup.detected)
            if label not in COUNTED_MOVEMENTS and enough:
                return label
        body_out = {"knees_out", "feet_out"} & set(self._setup.set_codes())
        return "unknown" if self.rejected and not body_out else None

    def _variant(self) -> str:
        """The variant, "bridge" or "bench": by the counted reps, or before any by the postures."""
        bridges = sum(r.movement == "glute_bridge" for r in self.reps)
        if self.reps:
            return "bridge" if bridges * 2 > len(self.reps) else "bench"
        bridge_like = self._postures["glute_bridge"] > self._postures["hip_thrust"]
        return "bridge" if bridge_like else "bench"

    def _countable(self) -> bool:
        return self._setup.view != "front" and not (self.rejected and not self.reps)

    def _messages(self) -> tuple[str, ...]:
        codes = list(self._setup.live_codes())
        if self._other_movement() is not None and "front_view" not in codes:
            codes.append("not_hip_thrust")
        return tuple(MESSAGES[c] for c in codes)

    # -- reps -------------------------------------------------------------------------------------

    def _frames_since(self, t0: float) -> dict[str, np.ndarray]:
        rows = [r for r in self._buffer if r[0] >= t0]
        if not rows:
            rows = [self._buffer[-1]]
        out = {"t_s": np.array([r[0] for r in rows])}
        feats = np.stack([r[1] for r in rows])
        out.update({name: feats[:, i] for i, name in enumerate(FEATURE_NAMES)})
        out["key_visibility"] = np.array([r[4] for r in rows])
        out["back_profile"] = (
            np.stack([r[2] for r in rows]).reshape(-1, PROFILE_SAMPLES).astype(np.float64)
        )
        out["front_profile"] = (
            np.stack([r[3] for r in rows]).reshape(-1, PROFILE_SAMPLES).astype(np.float64)
        )
        return out

    def _on_event(self, event: RepEvent) -> tuple[RepResult | None, tuple[str, ...] | None]:
        if event.kind != "rep":
            self.partials.append(_partial_dict(event))
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
            return None, None
        variant = "bridge" if movement == "glute_bridge" else "bench"
        faults = tuple(rep_faults(m, self.cfg.faults, variant))
        rep = RepResult(m, faults, movement)
        self.reps.append(rep)
        return rep, tuple(f.code for f in faults if not f.possible)  # possible: not cued

    # -- outputs ----------------------------------------------------------------------------------

    def report(self, source: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
        """The report.json dict (schema_version 1), valid at any time, NaN as null."""
        texts = self.cfg.cues.texts
        reps = [r.to_dict(texts) for r in self.reps]
        return json_safe(
            {
                "schema_version": SCHEMA_VERSION,
                "source": dict(source),
                "setup": self._setup_dict(),
                "rep_count": len(self.reps),
                "reps": reps,
                "partial_reps": list(self.partials),
                "summary": self._summary(partial),
                "config": self.cfg.to_dict(),
                "disclaimer": DISCLAIMER,
            }
        )

    def _setup_dict(self) -> dict[str, Any]:
        codes = list(self._setup.set_codes())
        counted = Counter(r.movement for r in self.reps)
        other = self._other_movement()
        if self.reps:
            movement = counted.most_common(1)[0][0]
        elif other is not None:
            movement = other
            if self._setup.view != "front":
                codes.append("not_hip_thrust")
        else:
            movement = "unknown"
        variant = None
        if self.reps:
            variant = "bridge" if movement == "glute_bridge" else "bench"
        return {
            "side": self._side.side,
            "view": self._setup.view,
            "variant": variant,
            "movement": movement,
            "warnings": [MESSAGES[c] for c in codes],
            "warning_codes": codes,
            "side_view_only": "Knees caving in needs a front view; a side view cannot judge it.",
            "rejected_candidates": [
                {"start_s": r.measures.start_s, "end_s": r.measures.end_s, "movement": r.movement}
                for r in self.rejected
            ],
        }

    def _summary(self, partial: bool) -> dict[str, Any]:
        counts = Counter(f.code for r in self.reps for f in r.faults if not f.possible)
        possible = Counter(f.code for r in self.reps for f in r.faults if f.possible)
        rank = {code: i for i, code in enumerate(self.cfg.cues.priority)}
        top = min(counts, key=lambda c: (-counts[c], rank.get(c, len(rank)))) if counts else None
        t = self._timeline.t_s
        return {
            "clean_reps": sum(r.clean for r in self.reps),
            "most_frequent_fault": top,
            "most_frequent_cue": self.cfg.cues.texts.get(top) if top else None,
            "fault_counts": dict(counts),
            "possible_fault_counts": dict(possible),
            "set_duration_s": (t[-1] - t[0]) if len(t) > 1 else 0.0,
            "time_under_tension_s": sum(r.measures.end_s - r.measures.start_s for r in self.reps),
            "judged_reps": sum(r.measures.judged for r in self.reps),
            "partial": partial,
        }

    def timeline(self) -> dict[str, np.ndarray | list]:
        """Per-frame: t_s, phase, rep (1-based, 0 none), the five angles, faults (";"-joined)."""
        tl = self._timeline
        t = np.array(tl.t_s, dtype=np.float64)
        rep = np.zeros(len(t), dtype=np.int32)
        faults = [set(f) for f in tl.faults]
        for r in self.reps:
            m = r.measures
            rep[(t >= m.start_s) & (t <= m.end_s)] = m.index
            for f in r.faults:
                for i in np.flatnonzero((t >= f.t_start_s) & (t <= f.t_end_s)):
                    faults[i].add(f.code)
        angles = np.array(tl.angles, dtype=np.float64).reshape(len(t), len(ANGLE_NAMES))
        out: dict[str, np.ndarray | list] = {"t_s": t, "phase": list(tl.phase), "rep": rep}
        out.update({name: angles[:, i] for i, name in enumerate(ANGLE_NAMES)})
        out["faults"] = [";".join(sorted(f)) for f in faults]
        return out


def _nanmedian(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else math.nan


def _partial_dict(event: RepEvent) -> dict[str, Any]:
    return {
        "start_s": event.start_s,
        "end_s": event.end_s,
        "peak_hip_deg": event.peak_deg,
        "rom_deg": event.rom_deg,
        "reached_lockout": False,
    }


def analyze_series(
    series: KeypointSeries, config: Config
) -> tuple[list[FrameResult], dict[str, Any]]:
    """Analyse a whole recording offline.

    Args:
        series: The recording's keypoints.
        config: The effective config.

    Returns:
        (one `FrameResult` per frame, the report.json dict).
    """
    fps = float(series.fps) if series.fps and series.fps > 0 else 30.0
    analyzer = Analyzer(config, series.image_size, offline=True, fps=fps)
    results: list[FrameResult] = []
    for i in range(len(series)):
        results.extend(analyzer.push(series.frame(i)))
    results.extend(analyzer.finish())
    source = {
        "path": series.source,
        "fps": fps,
        "frames": len(series),
        "image_size": list(series.image_size),
        "duration_s": float(series.t_s[-1] - series.t_s[0]) if len(series) > 1 else 0.0,
    }
    return results, analyzer.report(source)
