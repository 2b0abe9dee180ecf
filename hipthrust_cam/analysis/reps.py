"""The rep state machine, shared by live and offline analysis.

Inputs: one (time s, hip extension deg) sample per frame, NaN = not judged. Outputs: the
current phase and, when a rep is decided, a `RepEvent`. Everything is relative to the lifter's
own motion: a concentric starts when the hip angle rises `rise_deg` above its running minimum,
the top is confirmed when it falls `drop_deg` below its peak, and a rep counts when its range of
motion reaches `min_rom_deg` (and `min_rom_frac` of the earlier reps' median) and the hips come
back down. A lockout short of 180 deg (a plate hiding the hip) is still a rep; judging it is the
faults stage's job. Getting into position, jitter, a clip that starts at the top and a rep cut
off before its top add no reps; a rise that never locks out is reported as a partial.

Phases: "setup" (before the first concentric) -> "concentric" -> "lockout" -> "eccentric" ->
"bottom" -> "concentric" ...
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from hipthrust_cam.config import RepsConfig

_EPS_DEG = 3.0  # the bottom/top instants are where the angle comes within this of its extreme
_SETTLE_S = 0.25  # a flat bottom held this long ends the rep
_TOP_HOLD_S = 0.3  # a clip ending at the top counts the rep if it held the top this long
_STALL_DPS = 10.0  # slower than this, deg/s, the hips are still (start and end of a rep)
_START_ZONE = 0.5  # a stall in this lower fraction of the range restarts the rep's clock
_RECENT = 90  # samples kept from before a rise, to find where it started
_STILL_FRAC = 0.12  # at the top, slower than this share of the rep's peak speed is still
_PLATEAU_MEDIAN = 2  # the lockout plateau is found on a median over +-this many samples
_MIN_STILL_DPS = 8.0  # ... but never demand stiller than this, deg/s (noise, slow drift at the top)


@dataclass(frozen=True)
class RepEvent:
    """A decided rep (kind "rep", it reached lockout) or partial (kind "partial").

    Attributes:
        kind: "rep" or "partial".
        start_s: Hips leave the bottom, s.
        lockout_start_s: First time within the lockout band of the peak, s.
        lockout_end_s: Last time within the band before the descent, s.
        end_s: Hips back at the bottom (or the last sample for a cut-off rep), s.
        bottom_deg: Hip extension at the start, deg.
        peak_deg: Highest hip extension, deg.
        complete: True when the hips came back to the bottom.
    """

    kind: str
    start_s: float
    lockout_start_s: float
    lockout_end_s: float
    end_s: float
    bottom_deg: float
    peak_deg: float
    complete: bool = True

    @property
    def rom_deg(self) -> float:
        """Hip range of motion, deg."""
        return self.peak_deg - self.bottom_deg


class RepCounter:
    """Streaming rep segmentation on the hip extension angle.

    Use `update` once per frame, in time order, then `finish` at the end of the recording.
    """

    def __init__(self, config: RepsConfig) -> None:
        """Start in the "setup" phase with no history."""
        self.cfg = config
        self.phase = "setup"
        self.roms: list[float] = []
        self._rom_median = (0, 0.0)  # (len(roms) it was computed for, median)
        self._hist: list[tuple[float, float]] = []  # samples since the current rise began
        self._valley = (math.inf, math.nan)  # (deg, s) running minimum at the bottom
        self._leave_t = math.nan  # last time at the bottom
        self._start = (math.nan, math.nan)  # (deg, s) bottom the current rise started from
        self._peak = -math.inf
        self._last_t = math.nan
        self._recent: deque[tuple[float, float]] = deque(maxlen=_RECENT)
        self._top_t = math.nan  # last time at the top (eccentric)
        self._low = (math.inf, math.nan)  # (deg, s) lowest point since the top (eccentric)

    @property
    def min_rom_deg(self) -> float:
        """The range of motion a rep needs now, deg."""
        if len(self.roms) != self._rom_median[0]:  # the median is cached until a rep is added
            median = float(np.median(self.roms)) if self.roms else 0.0
            self._rom_median = (len(self.roms), median)
        return max(self.cfg.min_rom_deg, self.cfg.min_rom_frac * self._rom_median[1])

    def update(self, t_s: float, hip_extension_deg: float) -> RepEvent | None:
        """Feed one frame.

        Args:
            t_s: Frame time, s (increasing).
            hip_extension_deg: Smoothed hip extension, deg; NaN when not judged.

        Returns:
            A `RepEvent` when a rep or partial is decided at this frame, else None.
        """
        x = hip_extension_deg
        if not math.isfinite(x):
            if math.isfinite(self._last_t) and t_s - self._last_t > self.cfg.max_gap_s:
                return self._abandon()
            return None
        self._last_t = t_s
        self._recent.append((t_s, x))
        step = {
            "setup": self._at_bottom,
            "bottom": self._at_bottom,
            "concentric": self._rising,
            "lockout": self._rising,
            "eccentric": self._lowering,
        }[self.phase]
        return step(t_s, x)

    def finish(self) -> RepEvent | None:
        """End of the recording: decide the rep in progress, if any."""
        event = None
        if self.phase == "eccentric":
            event = self._close_rep(complete=self._descended())
        elif self.phase in ("concentric", "lockout") and self._hist:
            rom = self._peak - self._start[0]
            top = [t for t, x in self._hist if x >= self._peak - self.cfg.lockout_band_deg]
            if rom >= self.min_rom_deg and top[-1] - top[0] >= _TOP_HOLD_S:
                event = self._make_event("rep", self._hist[-1][0], complete=False)
                self.roms.append(rom)
            elif rom >= self.cfg.partial_rom_deg:
                event = self._make_event("partial", self._hist[-1][0], complete=False)
        self._reset_bottom(math.inf, math.nan)
        return event

    # -- phases ---------------------------------------------------------------------------------

    def _at_bottom(self, t: float, x: float) -> RepEvent | None:
        if x < self._valley[0]:
            self._valley = (x, t)
        if x <= self._valley[0] + _EPS_DEG:
            self._leave_t = t
        if x >= self._valley[0] + self.cfg.rise_deg:
            start_t = self._leave_t if math.isfinite(self._leave_t) else t
            self._start = (self._valley[0], start_t)
            self._hist = [(s, v) for s, v in self._recent if s >= start_t - 0.2]
            self._peak = x
            self.phase = "concentric"
        return None

    def _rising(self, t: float, x: float) -> RepEvent | None:
        self._hist.append((t, x))
        band = self.cfg.lockout_band_deg
        self._peak = max(self._peak, x)
        rom = self._peak - self._start[0]
        if x <= self._peak - self.cfg.drop_deg:
            if rom >= self.min_rom_deg:
                self._enter_eccentric()
                return None
            event = (
                self._make_event("partial", t, complete=False)
                if rom >= self.cfg.partial_rom_deg
                else None
            )
            self._reset_bottom(x, t)
            return event
        near = x >= self._peak - band and rom >= self.min_rom_deg
        k = min(len(self._hist) - 1, 6)
        t0, x0 = self._hist[-1 - k]
        slow = k > 0 and abs(x - x0) / max(t - t0, 1e-6) <= self.cfg.lockout_speed_dps
        rising = x >= self._peak and not slow
        if near:
            self.phase = (
                "lockout" if slow or (self.phase == "lockout" and not rising) else "concentric"
            )
        elif self.phase != "lockout":  # below the top band but not yet confirmed down
            self.phase = "concentric"
        return None

    def _lowering(self, t: float, x: float) -> RepEvent | None:
        self._hist.append((t, x))
        if x >= self._peak - self.cfg.lockout_band_deg:  # still (or again) at the top
            self._peak = max(self._peak, x)
            self._top_t, self._low = t, (x, t)
        elif x < self._low[0]:
            self._low = (x, t)
        low_x, low_t = self._low
        if not self._descended():
            if x >= low_x + self.cfg.rise_deg:  # a hitch: back up before coming down
                self.phase = "lockout"
            return None
        rom = self._peak - self._start[0]
        at_bottom = x <= self._start[0] + self.cfg.bottom_frac * rom
        settled = t - low_t >= _SETTLE_S or self._still_since(t - _SETTLE_S, low_x)
        if x >= low_x + self.cfg.lockout_band_deg or (at_bottom and settled):
            return self._close_rep(complete=True)
        return None

    def _still_since(self, t0: float, low_x: float) -> bool:
        """The hips stayed near the low and nearly still from `t0` on.

        A causal smoother approaches a resting bottom from above for ever, so each frame can be
        a new (tiny) low; stillness, not "no new low", tells that the rep is over (live).
        """
        span = []
        for t, x in reversed(self._hist):
            span.append(x)
            if t <= t0:
                break
        else:
            return False  # not that much history yet
        spread = max(span) - min(span)
        return spread <= _STALL_DPS * _SETTLE_S and max(span) <= low_x + _EPS_DEG

    # -- helpers --------------------------------------------------------------------------------

    def _enter_eccentric(self) -> None:
        self._refine_start()
        band = self.cfg.lockout_band_deg
        self._top_t = max(t for t, x in self._hist if x >= self._peak - band)
        self._low = min((x, t) for t, x in self._hist if t >= self._top_t)
        self.phase = "eccentric"

    def _refine_start(self) -> None:
        """Move the start to the last stall low in the range (after settling into position)."""
        t, x = np.array(self._hist).T
        speed = _speeds(t, x)
        lock_t, _ = self._lockout_span()
        zone = self._start[0] + _START_ZONE * (self._peak - self._start[0])
        still = np.flatnonzero((t <= lock_t) & (x <= zone) & (speed <= _STALL_DPS))
        if still.size:
            i = int(still[-1])
            self._start = (float(x[i]), float(t[i]))

    def _descended(self) -> bool:
        rom = self._peak - self._start[0]
        return self._low[0] <= self._peak - self.cfg.return_frac * rom

    def _close_rep(self, *, complete: bool) -> RepEvent | None:
        after = [(t, x) for t, x in self._hist if t >= self._top_t]
        low_x = self._low[0]
        ta, xa = np.array(after).T
        speed = _speeds(ta, xa, k=2)
        still = speed <= max(_STALL_DPS, _STILL_FRAC * float(speed.max()))  # relative to the drop
        near = (xa <= low_x + _EPS_DEG) & (still | (xa <= low_x + 0.5))
        end_t = float(ta[np.flatnonzero(near)[0]])
        if not complete:
            end_t = after[-1][0]
        made = self._make_event("rep", end_t, complete=complete)
        event = made if made.end_s - made.start_s >= self.cfg.min_duration_s else None
        if event is not None:
            self.roms.append(event.rom_deg)
        tail = [(t, x) for t, x in after if t >= end_t]
        self._reset_bottom(low_x, end_t)
        for t, x in tail:
            if x <= low_x + _EPS_DEG:
                self._leave_t = t
        return event

    def _make_event(self, kind: str, end_t: float, *, complete: bool) -> RepEvent:
        lo, hi = self._lockout_span()
        return RepEvent(
            kind=kind,
            start_s=self._start[1],
            lockout_start_s=lo,
            lockout_end_s=hi,
            end_s=end_t,
            bottom_deg=self._start[0],
            peak_deg=self._peak,
            complete=complete,
        )

    def _lockout_span(self) -> tuple[float, float]:
        """First and last time near the peak and nearly still (the lockout plateau), s."""
        if not self._hist:
            return math.nan, math.nan
        t, x = np.array(self._hist).T
        # A median over a few samples: one noisy high reading (a plate over the hip, a small
        # lifter) must not set the peak the plateau is measured from, nor break its stillness.
        x = _running_median(x, _PLATEAU_MEDIAN)
        speed = _speeds(t, x, k=2)
        after = t >= self._start[1] - 1e-9  # only the rise itself, not the seed before it
        x = np.where(after, x, -np.inf)
        peak_i = int(np.argmax(x))
        # Before the peak the band widens with the rep's range: a hold whose hip angle creeps
        # up a few degrees as the glutes squeeze is still the hold. After it, the narrow band:
        # the slow first moment of the way down is not.
        rising = np.arange(len(t)) <= peak_i
        rom = x[peak_i] - self._start[0]
        wide = max(self.cfg.lockout_band_deg, self.cfg.lockout_band_rom_frac * rom)
        near = x >= x[peak_i] - np.where(rising, wide, self.cfg.lockout_band_deg)
        # "Still" is relative to the rep's own speed on each side of the peak (slow tempos).
        up = max(float(speed[rising].max()), 1e-6)
        down = max(float(speed[peak_i:].max()), 1e-6)
        limit = np.where(rising, up, down) * _STILL_FRAC
        still = near & (speed <= np.clip(limit, _MIN_STILL_DPS, self.cfg.lockout_speed_dps))
        idx = np.flatnonzero(still if still.any() else near)
        if idx.size == 0:
            return math.nan, math.nan
        # The plateau is the still run around the peak; a hitch later in the rep is not.
        return float(t[min(idx[0], peak_i)]), float(t[max(idx[-1], peak_i)])

    def _reset_bottom(self, x: float, t: float) -> None:
        self.phase = "bottom" if self.roms else "setup"
        self._valley = (x, t)
        self._leave_t = t
        self._hist = []
        self._peak = -math.inf

    def _abandon(self) -> RepEvent | None:
        """A long unjudged gap: decide what we have and start over at the bottom."""
        event = self.finish() if self.phase != "setup" else None
        return event


def _running_median(x: np.ndarray, k: int) -> np.ndarray:
    """Centred median over +-k samples (fewer at the ends). (N,) in, (N,) out."""
    if k <= 0 or len(x) < 3:
        return x
    padded = np.pad(x, k, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1)
    return np.median(windows, axis=1)


def _speeds(t: np.ndarray, x: np.ndarray, k: int = 3) -> np.ndarray:
    """|dx/dt| from a centred difference over +-k samples. (N,) in, (N,) deg/s out."""
    idx = np.arange(len(t))
    lo_i = np.clip(idx - k, 0, len(t) - 1)
    hi_i = np.clip(idx + k, 0, len(t) - 1)
    dt = np.maximum(t[hi_i] - t[lo_i], 1e-6)
    return np.abs(x[hi_i] - x[lo_i]) / dt
