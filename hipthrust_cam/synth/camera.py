"""The synthetic camera: an orthographic side view of the lifter with seeded shake.

Inputs: a `SetSpec` and a frame count. Outputs: a `Camera` that maps metres (u along the floor
toward the feet, Y up) to pixels (x right, y down). Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hipthrust_cam.synth.kinematics import SetSpec


@dataclass(frozen=True)
class Camera:
    """Orthographic side view of the lifter's near side, with seeded shake.

    Attributes:
        px_per_m: Pixels per metre.
        cx: Image x of u = U_CENTRE.
        floor_px: Image y of the floor.
        direction: -1 (feet on the image's left) or +1.
        shake: (N, 2) pixel offsets of the whole view.
    """

    px_per_m: float
    cx: float
    floor_px: float
    direction: float
    shake: np.ndarray

    def px(self, world: np.ndarray) -> np.ndarray:
        """(N, ..., 2) metres -> pixels (float64), shake included."""
        x = self.cx + self.direction * self.px_per_m * (world[..., 0] - U_CENTRE)
        y = self.floor_px - self.px_per_m * world[..., 1]
        sh = self.shake.reshape(self.shake.shape[:1] + (1,) * (world.ndim - 2) + (2,))
        return np.stack([x, y], -1) + sh


U_CENTRE = 0.25
"""Floor position (metres from the bench edge toward the feet) drawn at the image centre."""
CAMERA_HEIGHT_M = 0.35
"""Height of the camera's optical axis above the floor (about hip height)."""
FLOOR_FRAC = 0.87
"""The floor line's height in the frame, as a fraction of the frame height from the top."""


def camera(spec: SetSpec, n: int) -> Camera:
    """Build the camera for N frames: scale from the frame size, shake from the seed."""
    ppm = spec.zoom * min(spec.width / 2.2, spec.height / 1.25)
    rng = np.random.default_rng(spec.seed + 7919)
    t = np.arange(n) / spec.fps
    shake = np.zeros((n, 2))
    if spec.shake_px > 0:
        freq = rng.uniform(0.4, 2.5, (3, 2))
        phase = rng.uniform(0, 2 * np.pi, (3, 2))
        wave = np.sin(2 * np.pi * freq[None] * t[:, None, None] + phase[None]).sum(axis=1)
        shake = spec.shake_px * wave / np.sqrt(1.5)
    return Camera(
        ppm, spec.width / 2, FLOOR_FRAC * spec.height, -1.0 if spec.side == "left" else 1.0, shake
    )
