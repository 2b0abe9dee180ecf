"""Synthetic hip-thrust sets with exact ground truth, and their rendered sample videos.

`simulate(SetSpec(...))` gives joints, a 33-landmark `KeypointSeries` and the truth (pure numpy);
the spec also picks the camera (`camera`: side or turned about the vertical, `views`: the 3D
body it sees) and the look (`looks`); `degrade` adds noise and dropouts;
`hipthrust_cam.synth.render` (OpenCV, imported lazily by the caller; `oblique` and `gym` for
turned cameras and gym scenes) draws the frames; `python -m hipthrust_cam.synth` rebuilds
`sample_videos/`.
"""

from hipthrust_cam.synth.kinematics import SetSpec, SyntheticSet, simulate
from hipthrust_cam.synth.landmarks import degrade

__all__ = ["SetSpec", "SyntheticSet", "degrade", "simulate"]
