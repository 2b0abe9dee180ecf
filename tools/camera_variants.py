"""Every real clip as other cameras would film it: does the tool still report what MANIFEST says?

The real clips are few; the people who use the tool film with other phones, in other light, from
other places. This tool makes camera-like variants of each clip in ../shared/clips and runs the
product's `analyze` path on them (default config, no annotated video), then applies the same
checks as `tests/test_real_clips.py` (`tests/clip_expectations.py`). A variant that fails where
the clip passes is a fragility to understand, not a file to tune to.

Variants (applied to the upright frames):
  tilt+7, tilt-7  the phone not level: rotated 7 degrees, zoomed 1.15x so no corner is empty
  small           the lifter at 55% of the size, the frame widened with its own mean colour
  dark            a dim gym: gamma 1.8, 80% brightness, sensor noise (sigma 6)
  lowres          a small, soft video: long side 320 px
  fps24           24 frames a second (frames picked by time)
  compressed      a video sent through a messaging app: x264 at quality 36

    python tools/camera_variants.py                   # every clip, every variant
    python tools/camera_variants.py --mirror          # ... of the mirrored clips
    python tools/camera_variants.py --variant dark --clip ht_barbell_side_gym.mp4
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT.parent / "shared" / "clips"
sys.path.insert(0, str(ROOT / "tests"))

from clip_expectations import EXPECTED, problems  # noqa: E402
from clip_variants import SKIP, VARIANTS, make_variant  # noqa: E402

from hipthrust_cam.config import Config  # noqa: E402


def run(clip: Path, name: str, mirror: bool) -> tuple[list[str], str]:
    """The checks that fail on the variant, and a summary of what the tool reported."""
    from real_clips import summary

    from hipthrust_cam.app.runs import analyze_video

    with tempfile.TemporaryDirectory() as tmp:
        video = make_variant(clip, name, Path(tmp) / clip.name, mirror)
        result = analyze_video(video, Path(tmp) / "run", Config(), video_out=False)
    return problems(clip.name, result.report), summary(result.report)


def main(argv: list[str] | None = None) -> int:
    """Prints one line per clip and variant, then the count right; 0 when every one is right."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    ap.add_argument("--clip", action="append", help="a clip's file name (repeatable)")
    ap.add_argument("--mirror", action="store_true", help="of the mirrored clips")
    args = ap.parse_args(argv)
    if not CLIPS.is_dir():
        print(f"{CLIPS} is absent: nothing to measure", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT / "tools"))
    right = total = 0
    started = time.perf_counter()
    for clip in args.clip or sorted(EXPECTED):
        for name in args.variant or list(VARIANTS):
            if (clip, name) in SKIP:
                continue
            wrong, said = run(CLIPS / clip, name, args.mirror)
            total += 1
            right += not wrong
            mark = "ok" if not wrong else "WRONG: " + "; ".join(wrong)
            label = f"{name} mirrored" if args.mirror else name
            print(f"{clip:45s} {label:10s} {mark}  [{said}]", flush=True)
    minutes = (time.perf_counter() - started) / 60
    print(f"\n{right} of {total} variants report what MANIFEST says ({minutes:.1f} min).")
    return 0 if right == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
