"""Streaming smoothers for per-frame feature vectors, picked by name.

Inputs: one (C,) float vector per frame with its time, NaN = unseen. Outputs: smoothed (C,)
vectors for the frames that are final, in order, each with its time. Every filter has the same
interface (`push`, `finish`, `lag_frames`), so live and offline share one code path:

- `one_euro`: causal (lag 0), for live. NaN in -> NaN out; the state resets after a gap.
- `centred`: zero-phase Gaussian-weighted centred window on a fixed lag of `max(window // 2,
  gap frames)` frames, for recorded video with bounded memory. Gaps up to `max_gap_frames` long
  with data on both sides are linearly interpolated; longer gaps stay NaN.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

Output = tuple[float, np.ndarray]
"""(t_s, (C,) smoothed values)."""


class Smoother(Protocol):
    """A streaming filter over (C,) vectors."""

    lag_frames: int

    def push(self, t_s: float, x: np.ndarray) -> list[Output]:
        """Add one frame; return the frames that are now final, in order."""
        ...

    def finish(self) -> list[Output]:
        """Flush every frame not yet returned."""
        ...


@dataclass(frozen=True)
class SmootherParams:
    """Parameters for every filter (each uses its own).

    Attributes:
        min_cutoff_hz: One Euro minimum cutoff, Hz.
        beta: One Euro speed coefficient (per unit of the signal).
        d_cutoff_hz: One Euro derivative cutoff, Hz.
        window_frames: Centred window length, frames (odd).
        max_gap_frames: Longest gap the centred filter interpolates, frames.
    """

    min_cutoff_hz: float = 1.5
    beta: float = 0.05
    d_cutoff_hz: float = 1.0
    window_frames: int = 7
    max_gap_frames: int = 9


def _alpha(cutoff_hz: float, dt: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Causal One Euro filter (Casiez et al. 2012), per channel, NaN-aware."""

    lag_frames = 0

    def __init__(self, channels: int, params: SmootherParams) -> None:
        """Create an empty filter for `channels` values per frame."""
        self._p = params
        self._x = np.full(channels, np.nan)
        self._dx = np.zeros(channels)
        self._t: float | None = None

    def push(self, t_s: float, x: np.ndarray) -> list[Output]:
        """Filter one frame; returns it at once."""
        x = np.asarray(x, dtype=np.float64)
        dt = 1.0 / 30.0 if self._t is None or t_s <= self._t else t_s - self._t
        self._t = t_s
        fresh = np.isnan(self._x)
        a_d = _alpha(self._p.d_cutoff_hz, dt)
        dx = np.where(fresh, 0.0, (x - self._x) / dt)
        dx_hat = a_d * dx + (1 - a_d) * self._dx
        cutoff = self._p.min_cutoff_hz + self._p.beta * np.abs(dx_hat)
        tau = 1.0 / (2.0 * math.pi * cutoff)
        a = 1.0 / (1.0 + tau / dt)
        y = np.where(fresh, x, a * x + (1 - a) * self._x)
        seen = ~np.isnan(x)
        self._x = np.where(seen, y, np.nan)
        self._dx = np.where(seen, np.nan_to_num(dx_hat), 0.0)
        return [(t_s, self._x.copy())]

    def finish(self) -> list[Output]:
        """Nothing is held back."""
        return []


class CentredFilter:
    """Zero-phase centred Gaussian window on a fixed lag, with short-gap interpolation."""

    def __init__(self, channels: int, params: SmootherParams) -> None:
        """Create an empty filter for `channels` values per frame."""
        self._half = params.window_frames // 2
        self._gap = max(0, params.max_gap_frames)
        self.lag_frames = max(self._half, self._gap)
        self._size = 2 * self.lag_frames + 1
        # Ring buffer written twice (row i and i + size) so the last `size` frames are always
        # one contiguous view, without restacking them per frame.
        self._ring = np.full((2 * self._size, channels), np.nan)
        self._times: deque[float] = deque(maxlen=self._size)
        self._channels = channels
        self._next = 0  # index in the stream of the next frame to output
        self._pushed = 0
        offsets = np.arange(-self._half, self._half + 1)
        sigma = max(self._half / 2.0, 1e-6)
        self._weights = np.exp(-0.5 * (offsets / sigma) ** 2)

    def push(self, t_s: float, x: np.ndarray) -> list[Output]:
        """Buffer one frame; return the frame `lag_frames` back once it is final."""
        row = self._pushed % self._size
        self._ring[row] = self._ring[row + self._size] = x
        self._times.append(t_s)
        self._pushed += 1
        if self._pushed - self._next > self.lag_frames:
            return [self._emit()]
        return []

    def finish(self) -> list[Output]:
        """Flush the frames still held back."""
        out = []
        while self._next < self._pushed:
            out.append(self._emit())
        return out

    def _emit(self) -> Output:
        count = len(self._times)
        first = self._pushed - count  # stream index of the oldest buffered frame
        pos = self._next - first
        self._next += 1
        end = (self._pushed - 1) % self._size + self._size + 1
        data = self._ring[end - count : end]  # (B, C) view, oldest first
        lo, hi = max(0, pos - self._half), min(count, pos + self._half + 1)
        w = self._weights[lo - pos + self._half : hi - pos + self._half][:, None]
        window = data[lo:hi]
        if not np.isnan(window).any():  # the usual case: nothing to fill or mask
            return self._times[pos], (window * w).sum(axis=0) / w.sum(axis=0)
        filled = _fill_gaps(data, lo, hi, self._gap)
        window = filled[lo:hi]
        ok = ~np.isnan(window)
        total = np.where(ok, w, 0.0).sum(axis=0)
        acc = np.where(ok, window * w, 0.0).sum(axis=0)
        unseen = np.isnan(filled[pos]) | (total == 0)
        y = np.where(unseen, np.nan, acc / np.where(total == 0, 1.0, total))
        return self._times[pos], y


def _fill_gaps(data: np.ndarray, lo: int, hi: int, max_gap: int) -> np.ndarray:
    """Linearly interpolate NaN runs of at most `max_gap` frames that touch rows lo..hi-1.

    Args:
        data: (B, C) values, NaN = unseen.
        lo: First row of the window being smoothed.
        hi: One past its last row.
        max_gap: Longest run filled, frames.

    Returns:
        (B, C) copy with those short interior gaps filled (or `data` itself if none).
    """
    nan = np.isnan(data)
    todo = np.flatnonzero(nan[lo:hi].any(axis=0) & ((~nan).sum(axis=0) >= 2))
    if todo.size == 0 or max_gap == 0:
        return data
    out = data.copy()
    idx = np.arange(len(data))
    for c in todo:
        good = ~nan[:, c]
        prev = np.maximum.accumulate(np.where(good, idx, -1))
        nxt = np.minimum.accumulate(np.where(good, idx, len(data))[::-1])[::-1]
        short = (~good) & (prev >= 0) & (nxt < len(data)) & (nxt - prev - 1 <= max_gap)
        if short.any():
            out[short, c] = np.interp(idx[short], idx[good], data[good, c])
    return out


FILTERS: dict[str, Callable[[int, SmootherParams], Smoother]] = {
    "one_euro": OneEuroFilter,
    "centred": CentredFilter,
}
"""Filter name -> constructor(channels, params)."""


def make_smoother(name: str, channels: int, params: SmootherParams) -> Smoother:
    """Build the filter called `name`.

    Raises:
        ValueError: Unknown name.
    """
    try:
        factory = FILTERS[name]
    except KeyError:
        raise ValueError(f"unknown filter {name!r}; choose from {sorted(FILTERS)}") from None
    return factory(channels, params)
