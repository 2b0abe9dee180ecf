"""Where the tracker looks: the whole frame, or a region around a lifter small in the frame.

Inputs: the frame size and, per frame, the pose the tracker found (full-frame pixels).
Outputs: the `Region` to crop for the next frame (None: the whole frame), when to search the
frame for a lifter the tracker cannot find, and the tiles to search.

The pose detector sees the frame shrunk to 224 px: a lifter filming themselves from across the
gym, a tenth of the frame wide, is a few pixels there and is never found. Cropped to a region
about three times their size they are found and tracked like any other. The lifter hardly moves
during a set, so one region holds for the set; it follows them if they drift toward its edge.
No model runtime here: geometry and timing only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SMALL = 0.25
"""A lifter whose landmarks span less than this share of the frame (their larger side) is small."""
FILL = 0.33
"""In a region, the lifter's landmarks span about this share of its larger side."""
SEARCH_EVERY_S = 2.0
"""While nobody is tracked, the frame is searched at most this often, s."""
TILE_FRACTION = 0.5
"""Search tiles, as a share of the frame's sides (3 x 3 tiles overlapping by half): a lifter a
tenth of the frame wide spans a fifth of a tile, which the detector finds."""


@dataclass(frozen=True)
class Region:
    """A crop of the frame, px: columns x0..x1-1, rows y0..y1-1."""

    x0: int
    y0: int
    x1: int
    y1: int

    def crop(self, image: np.ndarray) -> np.ndarray:
        """The region of an (H, W, C) image, contiguous (a view copied once)."""
        return np.ascontiguousarray(image[self.y0 : self.y1, self.x0 : self.x1])

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), px."""
        return self.x1 - self.x0, self.y1 - self.y0


def person_box(xy: np.ndarray) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) around a person's finite landmarks, px; None if there are none.

    Args:
        xy: (33, 2) px.
    """
    finite = xy[np.isfinite(xy).all(axis=1)]
    if len(finite) == 0:
        return None
    (x0, y0), (x1, y1) = finite.min(axis=0), finite.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def is_small(box: tuple[float, float, float, float], frame: tuple[int, int]) -> bool:
    """The person spans less than `SMALL` of the frame along both sides."""
    x0, y0, x1, y1 = box
    w, h = frame
    return (x1 - x0) / w < SMALL and (y1 - y0) / h < SMALL


def region_around(box: tuple[float, float, float, float], frame: tuple[int, int]) -> Region:
    """A region with the frame's aspect in which the person spans about `FILL`, inside the frame.

    Args:
        box: The person's (x0, y0, x1, y1), px.
        frame: (width, height) of the frame, px.
    """
    w, h = frame
    x0, y0, x1, y1 = box
    # the region's width so that the person's larger side (relative to the frame) fills FILL
    share = max((x1 - x0) / w, (y1 - y0) / h, 1e-3)
    rw = min(w, max(64, round(w * share / FILL)))
    rh = min(h, max(64, round(rw * h / w)))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = int(min(max(round(cx - rw / 2), 0), w - rw))
    top = int(min(max(round(cy - rh / 2), 0), h - rh))
    return Region(left, top, left + rw, top + rh)


def tiles(frame: tuple[int, int], fraction: float) -> list[Region]:
    """Overlapping tiles (by half) covering the frame, each `fraction` of its sides."""
    w, h = frame
    tw, th = max(1, round(w * fraction)), max(1, round(h * fraction))
    xs = _starts(w, tw)
    ys = _starts(h, th)
    return [Region(x, y, x + tw, y + th) for y in ys for x in xs]


def _starts(total: int, size: int) -> list[int]:
    if size >= total:
        return [0]
    count = math.ceil((total - size) / (size / 2)) + 1
    return sorted({round(i * (total - size) / (count - 1)) for i in range(count)})


class Zoom:
    """Keeps the region the tracker looks at, and says when the frame should be searched.

    Args:
        frame: (width, height) of the frames, px.
    """

    def __init__(self, frame: tuple[int, int]) -> None:
        self.frame = frame
        self.region: Region | None = None
        self._last_search = -math.inf

    def update(self, t_s: float, xy: np.ndarray | None) -> bool:
        """Takes the pose tracked at `t_s` (full-frame px, None if nobody); True: search now.

        A small lifter gets a region around them; a region is moved when they leave its middle
        or resized when they no longer fill it as intended.
        """
        box = person_box(xy) if xy is not None else None
        if box is None:
            due = t_s - self._last_search >= SEARCH_EVERY_S
            if due:
                self._last_search = t_s
            return due
        if self.region is None:
            if is_small(box, self.frame):
                self.region = region_around(box, self.frame)
        elif not self._still_fits(box):
            around = region_around(box, self.frame)
            self.region = None if around.size == self.frame else around
        return False

    def found(self, box: tuple[float, float, float, float] | None) -> None:
        """What a search found: the box of the lifter in the frame (None: nobody)."""
        if box is not None:
            self.region = region_around(box, self.frame) if is_small(box, self.frame) else None

    def _still_fits(self, box: tuple[float, float, float, float]) -> bool:
        """The person is inside the region's middle and fills it between 1/6 and 2/3."""
        assert self.region is not None
        r = self.region
        rw, rh = r.size
        x0, y0, x1, y1 = box
        inside = x0 >= r.x0 + 0.05 * rw and x1 <= r.x1 - 0.05 * rw
        inside = inside and y0 >= r.y0 + 0.05 * rh and y1 <= r.y1 - 0.05 * rh
        fill = max((x1 - x0) / rw, (y1 - y0) / rh)
        return inside and 1 / 6 <= fill <= 2 / 3
