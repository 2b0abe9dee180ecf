"""The look of a rendered set: colours, prop sizes and scene, picked by name from `LOOKS`.

Inputs: a look name (`SetSpec.look`). Outputs: a frozen `RenderStyle`. Pure (no OpenCV), so the
simulation can check a spec's look name without importing the drawing code.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

Color = tuple[int, int, int]


@dataclass(frozen=True)
class RenderStyle:
    """Colours (BGR) and sizes (metres) of the drawing.

    Attributes:
        skin, shirt, tights, shoe, sole, hair: Body colours.
        plate, plate_rim, bench_pad, bench_frame, wall, floor: Scene colours.
        plate_radius_m: Radius of the near plate (a 20 kg bumper is 0.225 m; a big plate
            hides the hip from the pose model, 0.14 m keeps it visible).
        shoulder_cap_m: Radius of the rounded shoulder, centred slightly toward the hip.
        patella_m: How far the kneecap bulges out of the bend.
        far_shade: Brightness factor of the far body side.
        crf: x264 quality (lower is better and bigger).
        foot_shadow: Draw a contact shadow under the feet.
        mirror_face: Mirror the face sprite.
        face_shift: Face centre from the ear: toward the nose (ear->nose lengths), up (heads).
        scene: Background: "plain" (wall and floor) or "gym" (racks, plates, mirrors, rubber
            floor; deterministic per seed).
        plate_offset_m: Lateral distance of each plate from the body's midline (seen only
            when the camera is turned off the side).
        bar_radius_m: Radius of the bar between the plates.
        clutter_scale: Size of the gym's objects relative to the wall height in the frame
            (smaller: farther away).

    """

    skin: Color = (125, 155, 205)
    shirt: Color = (120, 70, 35)
    tights: Color = (45, 40, 40)
    shoe: Color = (70, 70, 80)
    sole: Color = (225, 225, 230)
    hair: Color = (40, 70, 110)
    plate: Color = (38, 38, 40)
    plate_rim: Color = (60, 60, 150)
    bench_pad: Color = (30, 30, 32)
    bench_frame: Color = (150, 150, 155)
    wall: Color = (200, 205, 210)
    floor: Color = (90, 110, 130)
    plate_radius_m: float = 0.13
    shoulder_cap_m: float = 0.075
    patella_m: float = 0.012
    far_shade: float = 0.45
    crf: int = 28
    foot_shadow: bool = True
    mirror_face: bool = False
    face_shift: tuple[float, float] = (0.3, 0.0)
    scene: str = "plain"
    plate_offset_m: float = 0.70
    bar_radius_m: float = 0.016
    clutter_scale: float = 1.0


GYM_DARK = RenderStyle(
    shirt=(48, 40, 36),
    tights=(40, 36, 38),
    shoe=(46, 46, 50),
    sole=(58, 58, 62),
    plate=(28, 28, 30),
    plate_rim=(70, 70, 74),
    bench_pad=(36, 34, 34),
    bench_frame=(60, 60, 64),
    wall=(176, 178, 180),
    floor=(52, 52, 56),
    plate_radius_m=0.225,
    far_shade=0.7,
    crf=30,
    foot_shadow=False,
    scene="gym",
)
"""A loaded bar with full-size (45 cm) plates, dark trousers and shoes on a dark rubber floor,
a cluttered gym behind: the real barbell clip's difficulties."""

GYM_CLIP = dataclasses.replace(
    GYM_DARK,
    shirt=(225, 225, 228),
    tights=(40, 30, 72),
    shoe=(60, 58, 60),
    far_shade=0.6,
    clutter_scale=0.6,
)
"""The real clip's lifter: white shirt, dark maroon trousers, dark shoes; same gym and bar."""

LOOKS: dict[str, RenderStyle] = {
    "studio": RenderStyle(),
    "gym_dark": GYM_DARK,
    "gym_clip": GYM_CLIP,
}
"""Look name -> style; `SetSpec.look` picks one. "studio" is the original samples' look."""
