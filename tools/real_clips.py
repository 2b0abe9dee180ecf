"""The README's real-footage table: every clip in ../shared/clips, as filmed and mirrored.

For each pose model asked for, runs the product's `analyze` path on each clip and on its mirror
image (the other side toward the camera), and prints one Markdown row per clip: what MANIFEST.md
says, what the tool reports, and whether that matches (the checks of
`tests/clip_expectations.py`). Keypoints are cached in `.cache/real_clips/` by clip and model
content, so a re-run after an analyzer change takes seconds.

    python tools/real_clips.py                       # the default model
    python tools/real_clips.py --model lite --model full --model heavy
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT.parent / "shared" / "clips"
CACHE = ROOT / ".cache" / "real_clips"
sys.path.insert(0, str(ROOT / "tests"))

from clip_expectations import EXPECTED, faults, problems  # noqa: E402
from test_real_clips import mirrored  # noqa: E402

from hipthrust_cam.config import Config  # noqa: E402
from hipthrust_cam.pose.blazepose import model_path  # noqa: E402
from hipthrust_cam.pose.keypoints import load_keypoints, save_keypoints  # noqa: E402
from hipthrust_cam.report.assemble import analyze_series  # noqa: E402


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


DEFAULT_SETTINGS = {"max_long_side": 1280, "max_fps": 30.0, "count_people_every": 15}
"""The decoding and rate settings the first cached keypoints were made with (no key suffix)."""


def _settings_key(config: Config) -> str:
    """A cache-key suffix for decoding and rate settings other than `DEFAULT_SETTINGS`."""
    now = {
        "max_long_side": config.video.max_long_side,
        "max_fps": config.pose.max_fps,
        "count_people_every": config.pose.count_people_every,
    }
    if now == DEFAULT_SETTINGS:
        return ""
    return "-" + hashlib.sha256(json.dumps(now, sort_keys=True).encode()).hexdigest()[:8]


def keypoints(clip: Path, model: str, mirror: bool) -> Any:
    """The product's keypoints of a clip with a model, from the cache or a fresh `analyze`."""
    from hipthrust_cam.app.runs import analyze_video

    config = Config()
    config = replace(config, pose=replace(config.pose, model=model))
    key = f"{clip.stem}{'-mirror' if mirror else ''}-{_sha(clip)}-{_sha(model_path(model))}"
    key += _settings_key(config)
    cached = CACHE / f"{key}.npz"
    if not cached.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            video = mirrored(clip, Path(tmp) / clip.name) if mirror else clip
            analyze_video(video, Path(tmp) / "run", config, video_out=False)
            save_keypoints(load_keypoints(Path(tmp) / "run" / "keypoints.npz"), cached)
    return load_keypoints(cached)


def summary(report: dict[str, Any]) -> str:
    """A few words on what the tool reported: reps, faults per rep, warnings."""
    parts = [f"{report['rep_count']} reps"]
    for rep in report["reps"]:
        sure = sorted(faults(rep))
        maybe = sorted(faults(rep, possible=True) - faults(rep))
        text = ", ".join(sure) or "clean"
        if maybe:
            text += f" (possible: {', '.join(maybe)})"
        parts.append(f"r{rep['index']}: {text}")
    warnings = report["setup"]["warning_codes"]
    if warnings:
        parts.append("warns " + ", ".join(warnings))
    return "; ".join(parts)


def row(clip: str, model: str) -> tuple[str, bool]:
    """One Markdown row and whether both the clip and its mirror match MANIFEST."""
    cells, ok = [], True
    for mirror in (False, True):
        _, report = analyze_series(keypoints(CLIPS / clip, model, mirror), Config())
        wrong = problems(clip, report)
        ok = ok and not wrong
        mark = "✓" if not wrong else "✗ " + "; ".join(wrong)
        cells.append(f"{summary(report)} {mark}")
    return f"| {clip} | {EXPECTED[clip][0]} | {cells[0]} | {cells[1]} |", ok


def main(argv: list[str] | None = None) -> int:
    """Prints the table for each model; returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", action="append", help="lite, full, heavy or a .task (repeatable)")
    args = ap.parse_args(argv)
    if not CLIPS.is_dir():
        print(f"{CLIPS} is absent: nothing to measure", file=sys.stderr)
        return 2
    for model in args.model or [Config().pose.model]:
        print(f"\nModel: {model}\n")
        print("| clip | MANIFEST says | hipthrust-cam reports (as filmed) | mirrored |")
        print("|---|---|---|---|")
        right = 0
        for clip in sorted(EXPECTED):
            line, ok = row(clip, model)
            right += ok
            print(line, flush=True)
        print(f"\n{right} of {len(EXPECTED)} clips right, as filmed and mirrored ({model}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
