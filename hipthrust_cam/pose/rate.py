"""The analysis rate: which frames of a fast video the pose stage and the analyzer see.

Inputs: frame times (s) and the most frames a second to analyse. Outputs: whether each frame is
analysed. Phones film at 60 fps; a hip thrust is slow (a rep lasts 2-5 s), so analysing every
frame doubles the cost for nothing. A frame is analysed when it starts a new 1/max_fps slot of
the clock, so a 60 fps video is analysed at 30, a 50 fps one at 30 of its 50, and a 30 or 25 fps
one in full; the rule depends only on the frame's time and its predecessor's, so every reader
of the same video (lanes, re-analysis, live) picks the same frames. The annotated video still
gets every frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from hipthrust_cam.datatypes import Frame

_EPS = 1e-6  # s: timestamps that land on a slot boundary up to rounding count as on it


def analysed(prev_t_s: float | None, t_s: float, max_fps: float) -> bool:
    """Whether the frame at `t_s`, following one at `prev_t_s` (None: the first), is analysed.

    Args:
        prev_t_s: Time of the previous frame of the video, s, or None.
        t_s: Time of this frame, s.
        max_fps: Most frames a second to analyse; 0 or less = every frame.
    """
    if prev_t_s is None or max_fps <= 0:
        return True
    return math.floor(t_s * max_fps + _EPS) > math.floor(prev_t_s * max_fps + _EPS)


def analysed_fps(fps: float, max_fps: float) -> float:
    """The rate a video of `fps` frames a second is analysed at."""
    return min(fps, max_fps) if max_fps > 0 else fps


def analysed_frames(frames: Iterable[Frame], max_fps: float) -> Iterator[Frame]:
    """The frames of `frames` that `analysed` picks, in order."""
    prev: float | None = None
    for frame in frames:
        if analysed(prev, frame.t_s, max_fps):
            yield frame
        prev = frame.t_s
