"""Rebuild the committed sample videos: `python -m hipthrust_cam.synth [NAME ...] [--out DIR]`.

Inputs: the `SAMPLES` table below. Outputs: `DIR/NAME.mp4` and `DIR/NAME.truth.json` for each
sample (default DIR: `sample_videos/` beside the package). Deterministic: re-running gives the
same bytes.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from hipthrust_cam.synth.kinematics import SetSpec

_GYM_TEMPO: dict[str, Any] = {"reps": 2, "setup_s": 0.8, "concentric_s": 0.8, "pause_s": 1.0,
              "eccentric_s": 1.0, "rest_s": 0.6, "tail_s": 0.6}  # fmt: skip
"""Short sets for the hard renders: 2 reps in 7.6 s (small files)."""
_PORTRAIT: dict[str, Any] = {"width": 720, "height": 1280, "fps": 60.0, "floor_frac": 0.64,
             "camera_height_m": 0.08}  # fmt: skip
"""A phone standing on the floor in portrait, at 60 fps: the lifter in the upper middle."""

SAMPLES: dict[str, tuple[str, SetSpec]] = {
    "clean_left": ("3 clean reps after getting into position; left side to camera", SetSpec()),
    "lumbar_hyperextension": (
        "3 reps arching the lower back at lockout (hip ~195 deg, ribs up)",
        SetSpec(lumbar_arch=1.0, seed=1),
    ),
    "feet_too_far": (
        "3 reps, feet too far out (knee ~112 deg)",
        SetSpec(lockout_knee_deg=112.0, seed=2),
    ),
    "feet_too_close": (
        "3 reps, feet too close (knee ~70 deg)",
        SetSpec(lockout_knee_deg=70.0, seed=3),
    ),
    "rushed_no_pause": (
        "4 rushed reps: no pause at the top, fast lowering",
        SetSpec(reps=4, pause_s=0.1, eccentric_s=0.45, rest_s=0.3, seed=4),
    ),
    "head_back": (
        "3 reps throwing the head back at lockout (~30 deg)",
        SetSpec(head_deg=30.0, seed=5),
    ),
    "clean_right": (
        "3 clean reps, right side to camera, camera shake",
        SetSpec(side="right", shake_px=4.0, seed=6),
    ),
    "heels_up": ("3 reps lifting the heels at lockout", SetSpec(heel_lift=0.2, seed=7)),
    "bench_slide": ("3 reps sliding up the bench each rep", SetSpec(bench_slide=0.2, seed=8)),
    # Hard renders: what real phones in real gyms give (sample_videos/README.md has the evidence).
    "gym_barbell_left": (
        "the real barbell clip re-created: full-size plate over the hip, dark trousers and shoes "
        "on a dark rubber floor, cluttered gym, floor-level portrait phone at 60 fps; head "
        "thrown back at lockout",
        SetSpec(**_GYM_TEMPO, **_PORTRAIT, head_deg=30.0, look="gym_clip", zoom=1.35,
                centre_u_m=0.30, seed=11),
    ),
    "gym_dark_right_short": (
        "all-dark clothes in the gym, right side to the camera, a short lifter (1.60 m, long "
        "shins, short thighs), portrait 60 fps; clean",
        SetSpec(**_GYM_TEMPO, **_PORTRAIT, side="right", body_height_m=1.6, shin_scale=1.08,
                thigh_scale=0.95, look="gym_dark", zoom=1.45, centre_u_m=0.26,
                seed=12),
    ),
    "gym_feet_far_tall": (
        "a tall lifter (1.90 m, long thighs) with the feet too far out, full-size plate, gym, "
        "floor-level landscape phone at 60 fps",
        SetSpec(**_GYM_TEMPO, lockout_knee_deg=112.0, body_height_m=1.9, thigh_scale=1.05,
                width=1280, height=720, fps=60.0, look="gym_clip", floor_frac=0.82, zoom=0.95,
                centre_u_m=0.3, camera_height_m=0.1, seed=13),
    ),
    "oblique45_clean": (
        "a phone propped 45 deg off the side (toward the feet); wide stance; clean",
        SetSpec(**_GYM_TEMPO, yaw_deg=45.0, stance_half_width_m=0.16, seed=14),
    ),
    "oblique30_feet_far": (
        "a phone 30 deg off the side; feet too far out (true knee 112 deg)",
        SetSpec(**_GYM_TEMPO, yaw_deg=30.0, lockout_knee_deg=112.0, seed=15),
    ),
    "oblique55_clean": (
        "a phone 55 deg off the side, wide stance, true knee 84 deg (no fault) that the turned "
        "image shows as ~77 deg",
        SetSpec(**_GYM_TEMPO, yaw_deg=55.0, lockout_knee_deg=84.0, stance_half_width_m=0.16,
                seed=18),
    ),
    "front_oblique_clean": (
        "front-oblique phone (65 deg off the side, from the feet end); clean",
        SetSpec(**_GYM_TEMPO, yaw_deg=65.0, stance_half_width_m=0.14, seed=16),
    ),
    "small_in_frame": (
        "the lifter about a tenth of the frame width (a phone far away), 1280x720; clean",
        SetSpec(**_GYM_TEMPO, width=1280, height=720, zoom=0.17, centre_x_frac=0.4,
                floor_frac=0.72, seed=17),
    ),
}  # fmt: skip
"""Sample name -> (what it shows, spec). A new sample is a new row."""


def default_out() -> Path:
    """`sample_videos/` at the repository root."""
    return Path(__file__).resolve().parents[2] / "sample_videos"


def main(argv: list[str] | None = None) -> int:
    """Render the named samples (all by default); returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m hipthrust_cam.synth", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"samples to rebuild: {', '.join(SAMPLES)}")
    parser.add_argument("--out", type=Path, default=default_out())
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(SAMPLES))
    if unknown:
        parser.error(f"unknown sample(s): {', '.join(unknown)}")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from hipthrust_cam.synth.render import render  # lazy: OpenCV and ffmpeg

    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or SAMPLES:
        render(SAMPLES[name][1], args.out / f"{name}.mp4", args.out / f"{name}.truth.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
