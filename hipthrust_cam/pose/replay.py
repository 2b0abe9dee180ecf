"""A pose backend that replays recorded keypoints: re-analysis and tests without a model.

Inputs: a `KeypointSeries`. Outputs: its `PoseFrame`s, one per `detect` call, in order (the
frames' pixels are ignored); `PoseFrame.empty` once the recording is used up.
"""

from __future__ import annotations

from hipthrust_cam.datatypes import Frame, KeypointSeries, PoseFrame


class ReplayPose:
    """Serves a recorded `KeypointSeries` frame by frame, in order, ignoring the pixels."""

    def __init__(self, series: KeypointSeries) -> None:
        """Replay `series` from its first frame."""
        self._series = series
        self._next = 0

    def __enter__(self) -> ReplayPose:
        self._next = 0
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def detect(self, frame: Frame) -> PoseFrame:
        """Returns the recorded pose of the next frame."""
        if self._next >= len(self._series):
            return PoseFrame.empty(frame.t_s)
        pose = self._series.frame(self._next)
        self._next += 1
        return pose
