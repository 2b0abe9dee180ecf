"""Planted body parts and plausible landmarks: what to believe when the pose model is unsure.

Inputs: each frame's raw `PoseFrame` (33 landmarks, px, with visibility), in time order.
Outputs: for both body sides, the position to analyse of every joint the features use, and how
it was obtained (`Source`): MEASURED (seen clearly), CONSISTENT (unsure, but where the body's
own proportions put it), ANCHORED (a planted part the model lost: its anchor) or UNSEEN (NaN).

Visibility is the model's guess, not a fact about the frame: a plate over the hips or dark
trousers on a dark floor drop it to 0.1-0.5 while the landmark may sit exactly on the joint,
and the same model throws a foot half a metre away with a similar score. So an unsure landmark
is kept when it is plausible and replaced or dropped when it is not:

- The feet and the upper back on the bench hardly move during a set. Each has an anchor, the
  median of recent clearly seen positions that agree; an unsure point close to its anchor is
  kept, a foot point that jumped away is replaced by the anchor. Clearly seen points that stay away
  for `move_s` move the anchor (the lifter set the feet again). Tolerances are in shin
  lengths (feet) or torso lengths (shoulder), so they hold at any distance from the camera.
- The knee, hip and ear are not planted: an unsure one is kept when its distances to its
  neighbours match the segment lengths (running medians of clearly seen frames) within
  `limb_tolerance`, and dropped otherwise. Even a clearly seen one is dropped when both of
  its segments are off by more than that: a leg folded onto itself, which the model sometimes
  reports as visible when a plate covers the hips (on the real side-view clips this happens
  in at most 2% of the clearly seen frames; on such renders in 10-20%).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from hipthrust_cam.config import PlantedConfig
from hipthrust_cam.datatypes import SIDE_JOINTS, PoseFrame

JOINTS: tuple[str, ...] = ("ear", "shoulder", "hip", "knee", "ankle", "heel", "toe")
"""The joints the features use, per side, in the order of every array here."""
SIDES: tuple[str, ...] = ("left", "right")
_INDEX = np.array([[SIDE_JOINTS[s][j] for j in JOINTS] for s in SIDES])  # (2, 7) landmark ids
_J = {name: i for i, name in enumerate(JOINTS)}

SEGMENTS: dict[str, tuple[str, str]] = {
    "neck": ("ear", "shoulder"),
    "torso": ("shoulder", "hip"),
    "thigh": ("hip", "knee"),
    "shin": ("knee", "ankle"),
}
"""Segment name -> its two joints; their lengths are learnt from clearly seen frames."""

CHECKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hip", ("torso", "thigh")),
    ("knee", ("shin", "thigh")),
    ("ear", ("neck",)),
)
"""Unplanted joint -> the segments whose lengths an unsure position must match (in order)."""

PLANTED: dict[str, tuple[str, bool]] = {
    "ankle": ("shin", True),
    "heel": ("shin", True),
    "toe": ("shin", True),
    "shoulder": ("torso", False),
}
"""Planted joint -> (the segment its tolerances are measured in, whether a lost one is replaced
by its anchor). The shoulder rolls on the bench by a quarter of a torso length in a rep, so its
anchor only vouches for an unsure shoulder close to it; a lost one stays unseen (the smoother
bridges short gaps)."""


class Source(IntEnum):
    """How a joint position was obtained."""

    UNSEEN = 0
    MEASURED = 1
    CONSISTENT = 2
    ANCHORED = 3


class Anchor:
    """Where one planted point rests: the median of recent clearly seen, agreeing positions."""

    def __init__(self, settle_s: float, move_s: float) -> None:
        """Start with no anchor."""
        self.settle_s = settle_s
        self.move_s = move_s
        self.position: np.ndarray | None = None
        self._here: deque[tuple[float, float, float]] = deque(maxlen=120)  # (t, x, y) near
        self._away: deque[tuple[float, float, float]] = deque(maxlen=120)  # (t, x, y) away

    def add_near(self, t_s: float, xy: np.ndarray) -> None:
        """A clearly seen position at the anchor (or, before there is one, a candidate)."""
        self._here.append((t_s, float(xy[0]), float(xy[1])))
        self._away.clear()
        while self._here and t_s - self._here[0][0] > max(2.0, 2 * self.settle_s):
            self._here.popleft()
        if self._span(self._here) >= self.settle_s or self.position is not None:
            self.position = np.median(np.array(self._here)[:, 1:], axis=0)

    def add_away(self, t_s: float, xy: np.ndarray, tolerance_px: float) -> bool:
        """A clearly seen position away from the anchor; True when it moved the anchor there."""
        self._away.append((t_s, float(xy[0]), float(xy[1])))
        points = np.array(self._away)[:, 1:]
        centre = np.median(points, axis=0)
        if np.hypot(*(points - centre).T).max() > tolerance_px:  # not one place: keep waiting
            self._away.popleft()
            return False
        if self._span(self._away) < self.move_s:
            return False
        self._here = deque(self._away, maxlen=self._here.maxlen)
        self._away.clear()
        self.position = centre
        return True

    @staticmethod
    def _span(points: deque[tuple[float, float, float]]) -> float:
        return points[-1][0] - points[0][0] if len(points) > 1 else 0.0


class Jumps:
    """Tells a landmark that jumped (a one-frame glitch) from a body part that moved.

    A hip or knee cannot cross half a torso length in one frame: faster than `max_speed`
    torso lengths a second is the model's glitch, and the landmark is unseen for that frame.
    Where the new place holds for `settle_s`, it was a real move after all and is believed.
    """

    def __init__(
        self, max_speed: float = 6.0, settle_s: float = 0.15, memory_s: float = 0.5
    ) -> None:
        """Start with no position."""
        self.max_speed, self.settle_s, self.memory_s = max_speed, settle_s, memory_s
        self._last: tuple[float, np.ndarray] | None = None  # (t, xy) of the last believed
        self._away_since = math.nan

    def jumped(self, t_s: float, xy: np.ndarray, torso: float) -> bool:
        """Whether the position at `t_s` is a jump from the last believed one."""
        last = self._last
        if last is None or t_s - last[0] > self.memory_s or not torso > 0:
            self._keep(t_s, xy)
            return False
        dt = max(t_s - last[0], 1.0 / 60.0)
        if float(np.hypot(*(xy - last[1]))) / torso / dt <= self.max_speed:
            self._keep(t_s, xy)
            return False
        if math.isnan(self._away_since):
            self._away_since = t_s
        if t_s - self._away_since >= self.settle_s:  # it stayed there: a real move
            self._keep(t_s, xy)
            return False
        return True

    def _keep(self, t_s: float, xy: np.ndarray) -> None:
        self._last = (t_s, xy.copy())
        self._away_since = math.nan


class SegmentLengths:
    """Running medians of segment lengths, px, from frames where both ends are clearly seen."""

    def __init__(self, history: int = 300) -> None:
        """Start with no history; `history` frames feed each median."""
        self._values: dict[str, deque[float]] = {n: deque(maxlen=history) for n in SEGMENTS}
        self._median: dict[str, float] = {}

    def add(self, xy: np.ndarray, sure: np.ndarray) -> None:
        """One side's (7, 2) positions and which are clearly seen."""
        for name, (a, b) in SEGMENTS.items():
            i, j = _J[a], _J[b]
            if sure[i] and sure[j]:
                values = self._values[name]
                values.append(float(np.hypot(*(xy[i] - xy[j]))))
                if len(values) < 10 or len(values) % 10 == 0:  # refreshed every 10 frames
                    self._median[name] = float(np.median(values))

    def get(self, name: str) -> float:
        """The segment's median length, px; NaN before it was seen."""
        return self._median.get(name, math.nan)


@dataclass(frozen=True)
class PlantedFrame:
    """The positions to analyse in one frame, both sides.

    Attributes:
        xy: (2, 7, 2) float64 px, [side][joint] in `SIDES` x `JOINTS` order; NaN = unseen.
        source: (2, 7) int8 `Source` codes.
        confidence: (2, 7) float32 in [0, 1]: visibility when seen, `anchored_confidence`
            when anchored, 0 when unseen.
    """

    xy: np.ndarray
    source: np.ndarray
    confidence: np.ndarray

    def side(self, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xy (7, 2), source (7,), confidence (7,)) of one side."""
        k = SIDES.index(side)
        return self.xy[k], self.source[k], self.confidence[k]


class PlantedParts:
    """Streams `PoseFrame`s into `PlantedFrame`s; see the module docstring.

    Args:
        config: Anchor tolerances (in segment lengths) and times.
        gate: Visibility at or above which a landmark counts as clearly seen, [0, 1].
        limb_tolerance: Relative error of a segment length an unsure joint may have.
        image_size: (width, height) px. A landmark placed outside the image (by more than
            `config.outside_frac` of its size) is the model's extrapolation of a body part
            the frame cuts off: it is never measured, however visible the model calls it.
    """

    def __init__(
        self,
        config: PlantedConfig,
        gate: float,
        limb_tolerance: float,
        image_size: tuple[int, int] = (0, 0),
    ) -> None:
        self.cfg = config
        self.gate = gate
        self.limb_tolerance = limb_tolerance
        w, h = image_size
        m = config.outside_frac
        self._bounds = (-m * w, -m * h, (1 + m) * w, (1 + m) * h) if w > 0 and h > 0 else None
        self._anchors = [
            {name: Anchor(config.settle_s, config.move_s) for name in PLANTED} for _ in SIDES
        ]
        self._lengths = [SegmentLengths() for _ in SIDES]
        self._jumps = [{name: Jumps() for name, _ in CHECKS} for _ in SIDES]

    def update(self, pose: PoseFrame) -> PlantedFrame:
        """Decide every joint of both sides for one frame."""
        raw = pose.xy[_INDEX].astype(np.float64)  # (2, 7, 2)
        vis = pose.visibility[_INDEX].astype(np.float32)  # (2, 7)
        finite = np.isfinite(raw).all(axis=-1)
        if self._bounds is not None:
            x0, y0, x1, y1 = self._bounds
            x, y = raw[..., 0], raw[..., 1]
            finite &= (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        sure = finite & (vis >= self.gate)
        xy = np.full_like(raw, np.nan)
        source = np.zeros((len(SIDES), len(JOINTS)), np.int8)
        for k in range(len(SIDES)):
            self._lengths[k].add(raw[k], sure[k])
            self._side(k, pose.t_s, raw[k], finite[k], sure[k], xy[k], source[k])
        confidence = np.where(source == Source.ANCHORED, self.cfg.anchored_confidence, vis)
        confidence = np.where(source == Source.UNSEEN, 0.0, confidence).astype(np.float32)
        return PlantedFrame(xy, source, confidence)

    def _side(
        self,
        k: int,
        t_s: float,
        raw: np.ndarray,
        finite: np.ndarray,
        sure: np.ndarray,
        xy: np.ndarray,
        source: np.ndarray,
    ) -> None:
        """Fills `xy` and `source` (7, ...) of side `k`: planted parts first, then the rest."""
        for name, (segment, replace) in PLANTED.items():
            i = _J[name]
            scale = self._lengths[k].get(segment)
            got = self._planted(self._anchors[k][name], name, t_s, raw[i], sure[i], scale)
            if got is not None and got[1] == Source.ANCHORED and not replace:
                got = None
            if got is None and finite[i] and not math.isfinite(scale):
                got = (raw[i], Source.MEASURED) if sure[i] else None  # nothing to check yet
            if got is not None:
                xy[i], source[i] = got
        torso = self._lengths[k].get("torso")
        for name, segments in CHECKS:
            i = _J[name]
            errors = self._length_errors(k, name, segments, raw[i], xy) if finite[i] else []
            folded = len(errors) >= 2 and min(errors) > self.limb_tolerance
            if sure[i] and not folded:
                xy[i], source[i] = raw[i], Source.MEASURED
            elif finite[i] and not sure[i] and errors and max(errors) <= self.limb_tolerance:
                xy[i], source[i] = raw[i], Source.CONSISTENT
            if source[i] != Source.UNSEEN and self._jumps[k][name].jumped(t_s, raw[i], torso):
                xy[i], source[i] = np.nan, Source.UNSEEN

    def _planted(
        self, anchor: Anchor, name: str, t_s: float, raw: np.ndarray, sure: bool, scale: float
    ) -> tuple[np.ndarray, Source] | None:
        """The position of a planted joint and its source, or None when unseen."""
        c = self.cfg
        near_sure, near_unsure = (
            (c.back_near_sure, c.back_near_unsure)
            if name == "shoulder"
            else (c.foot_near_sure, c.foot_near_unsure)
        )
        seen = bool(np.isfinite(raw).all())
        if not math.isfinite(scale) or scale <= 0:
            return None
        if anchor.position is None:
            if sure:
                anchor.add_near(t_s, raw)
                return raw, Source.MEASURED
            return None
        far = float(np.hypot(*(raw - anchor.position))) / scale if seen else math.inf
        if sure and far <= near_sure:
            anchor.add_near(t_s, raw)
            return raw, Source.MEASURED
        if sure and anchor.add_away(t_s, raw, near_sure * scale):
            return raw, Source.MEASURED  # the part was set down somewhere else
        if seen and not sure and far <= near_unsure:
            return raw, Source.CONSISTENT
        return anchor.position.copy(), Source.ANCHORED

    def _length_errors(
        self, k: int, name: str, segments: tuple[str, ...], raw: np.ndarray, xy: np.ndarray
    ) -> list[float]:
        """Relative errors of a joint's segment lengths to its decided neighbours (known ones)."""
        errors = []
        for segment in segments:
            a, b = SEGMENTS[segment]
            other = xy[_J[b if a == name else a]]
            length = self._lengths[k].get(segment)
            if np.isfinite(other).all() and math.isfinite(length) and length > 0:
                errors.append(abs(float(np.hypot(*(raw - other))) / length - 1.0))
        return errors
