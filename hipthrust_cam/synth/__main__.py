"""Rebuild the committed sample videos: `python -m hipthrust_cam.synth [NAME ...] [--out DIR]`.

Inputs: the `SAMPLES` table below. Outputs: `DIR/NAME.mp4` and `DIR/NAME.truth.json` for each
sample (default DIR: `sample_videos/` beside the package). Deterministic: re-running gives the
same bytes.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from hipthrust_cam.synth.kinematics import SetSpec

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
}
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
