"""How many people are in frame: counted every few frames on a helper thread, held in between.

Inputs: a counting function (an image -> the number of people found; the MediaPipe one is
`blazepose.PeopleCounter.count`), how often to count, and each tracked frame in order.
Outputs: each frame's `PoseFrame` with `num_poses` raised to the held count, so the analysis can
say "several people in frame". No model runtime here: this is scheduling only.

Tracking one person is about 40% cheaper than tracking two, so the lifter's tracker looks for one
person and a separate counter counts everyone every `every` frames, beside the tracker. Which
frames are counted depends only on their position in the stream, so waiting for each count
(`detect`, live) or letting it lag a few frames (`stream`, recorded video) gives the same poses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from hipthrust_cam.datatypes import PoseFrame

CountPeople = Callable[[np.ndarray, bool], int]
"""(RGB image (H, W, 3) uint8, whether it is the first count) -> people found."""


class PeopleCountSchedule:
    """Counts the people in every `every`-th frame on a helper thread; holds the count between.

    Args:
        count: Counts the people in an RGB image (the first call may load a model).
        every: Frames between counts (> 0).
    """

    def __init__(self, count: CountPeople, every: int) -> None:
        if every <= 0:
            raise ValueError(f"count people every N > 0 frames, got {every}")
        self._count = count
        self._every = every
        self._helper: ThreadPoolExecutor | None = None
        self._held = 0  # the count applied to frames now
        self._last = 0  # the latest count
        self._position = 0

    def __enter__(self) -> PeopleCountSchedule:
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="people-count")
        return self

    def __exit__(self, *exc: object) -> None:
        """Waits for a count in progress (the counter may not close while it runs)."""
        if self._helper is not None:
            self._helper.shutdown(wait=True, cancel_futures=True)
            self._helper = None

    def submit(self, rgb: np.ndarray) -> Future[int] | None:
        """Hands the next frame to the counter when its count is due; None when it is not."""
        position, self._position = self._position, self._position + 1
        if self._helper is None or position % self._every:
            return None
        return self._helper.submit(self._count, rgb, position == 0)

    def apply(self, pose: PoseFrame, count: Future[int] | None) -> PoseFrame:
        """`pose` with the held count of people; call in frame order with `submit`'s answer."""
        if count is not None:
            counted = count.result()
            # The larger of the last two counts: one missed detection does not clear it.
            self._held, self._last = max(counted, self._last), counted
        if pose.detected and self._held > pose.num_poses:
            return dataclasses.replace(pose, num_poses=self._held)
        return pose
