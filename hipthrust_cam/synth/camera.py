"""The synthetic camera: an orthographic view of the lifter, turned about the vertical, with shake.

Inputs: a `SetSpec` and a frame count. Outputs: a `Camera` that maps metres to pixels (x right,
y down). World axes: u along the floor toward the feet, Y up, w sideways toward the body side
that faces a side camera (`SetSpec.side`). Pure numpy.

The projection is orthographic: a yaw of 0 is the side view (the original samples' camera);
a yaw of +90 looks from the feet toward the head, -90 from behind the head. The far body
side keeps the side camera's depth cue: each far joint is pulled toward the principal point
by D / (D + depth behind its near twin), as a pinhole D metres away would (see `far_twin`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hipthrust_cam.synth.spec import SetSpec


@dataclass(frozen=True)
class Camera:
    """Orthographic view of the lifter, turned `yaw_deg` off the side, with seeded shake.

    Attributes:
        px_per_m: Pixels per metre.
        cx: Image x of u = centre_u (and w = 0).
        floor_px: Image y of the floor.
        direction: -1 (feet toward the image's left in the side view) or +1.
        shake: (N, 2) pixel offsets of the whole view.
        centre_u: Floor position (metres toward the feet) drawn at cx.
        yaw_deg: Turn of the camera about the vertical, degrees (+ toward the feet).
        height_m: Height of the principal point above the floor, metres.

    """

    px_per_m: float
    cx: float
    floor_px: float
    direction: float
    shake: np.ndarray
    centre_u: float = 0.25
    yaw_deg: float = 0.0
    height_m: float = 0.35

    @property
    def cos_yaw(self) -> float:
        """cos(yaw): 1.0 exactly for the side view."""
        return float(np.cos(np.radians(self.yaw_deg)))

    @property
    def sin_yaw(self) -> float:
        """sin(yaw): 0.0 exactly for the side view."""
        return float(np.sin(np.radians(self.yaw_deg)))

    def px(self, world: np.ndarray) -> np.ndarray:
        """(N, ..., 2) metres (u, Y) in the plane w = 0 -> pixels (float64), shake included."""
        x = self.cx + self.direction * self.px_per_m * (world[..., 0] - self.centre_u)
        y = self.floor_px - self.px_per_m * world[..., 1]
        sh = self.shake.reshape(self.shake.shape[:1] + (1,) * (world.ndim - 2) + (2,))
        return np.stack([x, y], -1) + sh

    def project(self, world: np.ndarray) -> np.ndarray:
        """(N, ..., 3) metres (u, Y, w) -> (N, ..., 2) pixels, shake included.

        Equals `px` exactly for yaw 0 (the lateral offset w is then unseen).
        """
        lateral = (world[..., 0] - self.centre_u) * self.cos_yaw - world[..., 2] * self.sin_yaw
        x = self.cx + self.direction * self.px_per_m * lateral
        y = self.floor_px - self.px_per_m * world[..., 1]
        sh = self.shake.reshape(self.shake.shape[:1] + (1,) * (world.ndim - 2) + (2,))
        return np.stack([x, y], -1) + sh

    def depth(self, world: np.ndarray) -> np.ndarray:
        """(..., 3) metres -> (...,) distance along the view direction (larger is farther)."""
        return -(world[..., 0] * self.sin_yaw + world[..., 2] * self.cos_yaw)

    def principal_point(self, n: int) -> np.ndarray:
        """(n, 2) pixels of the point the far side shrinks toward (camera height, centre_u)."""
        return self.px(np.broadcast_to([self.centre_u, self.height_m], (n, 2)))

    def far_twin(self, near_px: np.ndarray, half_width_m: float | np.ndarray, n: int) -> np.ndarray:
        """Pixels of joints' far twins, 2 * half_width_m behind them across the body.

        Args:
            near_px: (N, ..., 2) pixels of the near points.
            half_width_m: Half the body's width there, metres; a float or an array that
                broadcasts against near_px[..., 0].
            n: Frame count N.

        Returns:
            (N, ..., 2) pixels: shifted sideways by the yaw, then pulled toward the principal
            point by D / (D + depth gap), D = CAMERA_DISTANCE_M (the side camera's depth cue).

        """
        hw = np.asarray(half_width_m, np.float64)
        centre = self.principal_point(n).reshape((n,) + (1,) * (near_px.ndim - 2) + (2,))
        shift = self.direction * self.px_per_m * 2 * hw * self.sin_yaw
        shifted = near_px + np.stack([shift, np.zeros_like(shift)], -1)
        scale = CAMERA_DISTANCE_M / (CAMERA_DISTANCE_M + 2 * hw * self.cos_yaw)
        return centre + (shifted - centre) * scale[..., None]


U_CENTRE = 0.25
"""Floor position (metres from the bench edge toward the feet) drawn at the image centre."""
CAMERA_HEIGHT_M = 0.35
"""Height of the camera's optical axis above the floor (about hip height)."""
FLOOR_FRAC = 0.87
"""The floor line's height in the frame, as a fraction of the frame height from the top."""
CAMERA_DISTANCE_M = 3.0
"""Distance behind which the far body side's depth cue is computed (see `Camera.far_twin`)."""


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
        ppm,
        spec.width * spec.centre_x_frac,
        spec.floor_frac * spec.height,
        -1.0 if spec.side == "left" else 1.0,
        shake,
        centre_u=spec.centre_u_m,
        yaw_deg=spec.yaw_deg,
        height_m=spec.camera_height_m,
    )
