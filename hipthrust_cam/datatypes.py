"""Datatypes every stage shares.

Inputs: nothing. Outputs: the `Landmark` enum, the `Frame` that sources yield and the
`SourceInfo` they describe themselves with, the `PoseFrame` the pose stage returns for one
frame, the `KeypointSeries` that holds a whole recording, and `json_safe`. Coordinates are image
pixels, x to the right and y *down*, of the upright frame. Missing data is NaN (coordinates) and
0 (visibility, presence); never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np

NUM_LANDMARKS = 33
PROFILE_SAMPLES = 16
"""How many points the silhouette profiles sample along the shoulder->hip segment."""


class Landmark(IntEnum):
    """BlazePose's 33 landmarks, in MediaPipe's order."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


SIDE_JOINTS: dict[str, dict[str, Landmark]] = {
    side: {
        "ear": Landmark[f"{side.upper()}_EAR"],
        "shoulder": Landmark[f"{side.upper()}_SHOULDER"],
        "elbow": Landmark[f"{side.upper()}_ELBOW"],
        "wrist": Landmark[f"{side.upper()}_WRIST"],
        "hip": Landmark[f"{side.upper()}_HIP"],
        "knee": Landmark[f"{side.upper()}_KNEE"],
        "ankle": Landmark[f"{side.upper()}_ANKLE"],
        "heel": Landmark[f"{side.upper()}_HEEL"],
        "toe": Landmark[f"{side.upper()}_FOOT_INDEX"],
    }
    for side in ("left", "right")
}
"""The landmarks of one body side by joint name: `SIDE_JOINTS["left"]["hip"]`."""

SKELETON_EDGES: tuple[tuple[str, str], ...] = (
    ("ear", "shoulder"),
    ("shoulder", "elbow"),
    ("elbow", "wrist"),
    ("shoulder", "hip"),
    ("hip", "knee"),
    ("knee", "ankle"),
    ("ankle", "heel"),
    ("heel", "toe"),
    ("ankle", "toe"),
)
"""One side's skeleton as joint-name pairs, for drawing."""


@dataclass(frozen=True)
class Frame:
    """One upright video frame.

    Attributes:
        index: 0-based position in the source.
        t_s: Presentation time in seconds, from the source's own clock.
        image: (H, W, 3) uint8 BGR pixels, already rotated upright.

    """

    index: int
    t_s: float
    image: np.ndarray

    def __post_init__(self) -> None:
        if self.image.ndim != 3 or self.image.shape[2] != 3:
            raise ValueError(f"Frame.image must be (H, W, 3), got {self.image.shape}")


@dataclass(frozen=True)
class SourceInfo:
    """What a source says about itself before the first frame.

    Attributes:
        name: A path or "camera:N".
        width: Upright frame width after any resizing, pixels.
        height: Upright frame height after any resizing, pixels.
        fps: Nominal frames per second (sanitised: a missing or absurd value becomes 30).
        frame_count: Frames the container claims (0 when unknown, e.g. a camera).
        scale: Factor applied to the decoded frames (1.0 = full size).

    """

    name: str
    width: int
    height: int
    fps: float
    frame_count: int
    scale: float


def _empty_profile() -> np.ndarray:
    return np.full(PROFILE_SAMPLES, np.nan, dtype=np.float32)


@dataclass(frozen=True)
class PoseFrame:
    """The pose stage's answer for one frame.

    Attributes:
        t_s: Time of the frame, seconds.
        xy: (33, 2) float32 pixel coordinates (x right, y down); NaN when nobody was seen.
        visibility: (33,) float32 in [0, 1]; 0 when nobody was seen.
        presence: (33,) float32 in [0, 1]; 0 when nobody was seen.
        world: (33, 3) float32 metres, hip-centred (MediaPipe world landmarks); NaN if unseen.
        num_poses: How many people the model found (0, 1 or more).
        back_profile: (16,) float32 signed distances, in torso lengths, of the person mask's
            edge on the back side of the shoulder->hip line, sampled evenly from shoulder to
            hip; positive = away from the line on the back side. NaN when no mask.
        front_profile: (16,) float32, the same for the chest/belly side of the line.

    """

    t_s: float
    xy: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    num_poses: int
    back_profile: np.ndarray = field(default_factory=_empty_profile)
    front_profile: np.ndarray = field(default_factory=_empty_profile)

    def __post_init__(self) -> None:
        if self.xy.shape != (NUM_LANDMARKS, 2):
            raise ValueError(f"PoseFrame.xy must be (33, 2), got {self.xy.shape}")
        if self.visibility.shape != (NUM_LANDMARKS,) or self.presence.shape != (NUM_LANDMARKS,):
            raise ValueError("PoseFrame.visibility and presence must be (33,)")
        if self.world.shape != (NUM_LANDMARKS, 3):
            raise ValueError(f"PoseFrame.world must be (33, 3), got {self.world.shape}")

    @classmethod
    def empty(cls, t_s: float) -> PoseFrame:
        """A frame in which nobody was seen."""
        return cls(
            t_s=t_s,
            xy=np.full((NUM_LANDMARKS, 2), np.nan, np.float32),
            visibility=np.zeros(NUM_LANDMARKS, np.float32),
            presence=np.zeros(NUM_LANDMARKS, np.float32),
            world=np.full((NUM_LANDMARKS, 3), np.nan, np.float32),
            num_poses=0,
        )

    @property
    def detected(self) -> bool:
        """Whether a person was seen in this frame."""
        return self.num_poses > 0


@dataclass(frozen=True)
class KeypointSeries:
    """A whole recording's keypoints: N frames stacked along the first axis.

    Attributes:
        t_s: (N,) float64 seconds, strictly increasing.
        xy: (N, 33, 2) float32 pixels; NaN where unseen.
        visibility: (N, 33) float32.
        presence: (N, 33) float32.
        world: (N, 33, 3) float32 metres.
        num_poses: (N,) int16 people found per frame.
        back_profile: (N, 16) float32, see `PoseFrame`.
        front_profile: (N, 16) float32, see `PoseFrame`.
        image_size: (width, height) of the upright frames, pixels.
        fps: The source's nominal frame rate (informational; times come from `t_s`).
        source: Where the frames came from (a path or "camera:0").

    """

    t_s: np.ndarray
    xy: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    num_poses: np.ndarray
    back_profile: np.ndarray
    front_profile: np.ndarray
    image_size: tuple[int, int]
    fps: float
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.t_s)
        expected = {
            "xy": (n, NUM_LANDMARKS, 2),
            "visibility": (n, NUM_LANDMARKS),
            "presence": (n, NUM_LANDMARKS),
            "world": (n, NUM_LANDMARKS, 3),
            "num_poses": (n,),
            "back_profile": (n, PROFILE_SAMPLES),
            "front_profile": (n, PROFILE_SAMPLES),
        }
        for name, shape in expected.items():
            got = getattr(self, name).shape
            if got != shape:
                raise ValueError(f"KeypointSeries.{name} must be {shape}, got {got}")
        if n > 1 and not np.all(np.diff(self.t_s) > 0):
            raise ValueError("KeypointSeries.t_s must be strictly increasing")

    def __len__(self) -> int:
        return len(self.t_s)

    @classmethod
    def from_frames(
        cls,
        frames: list[PoseFrame],
        image_size: tuple[int, int],
        fps: float,
        source: str = "",
    ) -> KeypointSeries:
        """Stack per-frame results into a series."""
        if not frames:
            frames_t = np.zeros(0)
            return cls(
                t_s=frames_t,
                xy=np.zeros((0, NUM_LANDMARKS, 2), np.float32),
                visibility=np.zeros((0, NUM_LANDMARKS), np.float32),
                presence=np.zeros((0, NUM_LANDMARKS), np.float32),
                world=np.zeros((0, NUM_LANDMARKS, 3), np.float32),
                num_poses=np.zeros(0, np.int16),
                back_profile=np.zeros((0, PROFILE_SAMPLES), np.float32),
                front_profile=np.zeros((0, PROFILE_SAMPLES), np.float32),
                image_size=image_size,
                fps=fps,
                source=source,
            )
        return cls(
            t_s=np.array([f.t_s for f in frames], np.float64),
            xy=np.stack([f.xy for f in frames]).astype(np.float32),
            visibility=np.stack([f.visibility for f in frames]).astype(np.float32),
            presence=np.stack([f.presence for f in frames]).astype(np.float32),
            world=np.stack([f.world for f in frames]).astype(np.float32),
            num_poses=np.array([f.num_poses for f in frames], np.int16),
            back_profile=np.stack([f.back_profile for f in frames]).astype(np.float32),
            front_profile=np.stack([f.front_profile for f in frames]).astype(np.float32),
            image_size=image_size,
            fps=fps,
            source=source,
        )

    def frame(self, i: int) -> PoseFrame:
        """The i-th frame as a `PoseFrame` (used to replay a recording through live code)."""
        return PoseFrame(
            t_s=float(self.t_s[i]),
            xy=self.xy[i],
            visibility=self.visibility[i],
            presence=self.presence[i],
            world=self.world[i],
            num_poses=int(self.num_poses[i]),
            back_profile=self.back_profile[i],
            front_profile=self.front_profile[i],
        )


def json_safe(value: Any) -> Any:
    """A JSON-ready copy of `value`, recursively.

    numpy scalars and arrays become plain Python, tuples lists, keys strings, and NaN or inf
    None ("not judged").
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
