"""Before and after: what the analyzer reports on every render and every real clip, compared.

Runs the analyzer on the committed golden keypoints of every rendered sample (or, with
`--renders product`, on the keypoints `analyze` records for it with `--model`) and
on the cached keypoints of every real clip in ../shared/clips, as filmed and mirrored (the cache
that `tools/real_clips.py` fills), and writes one compact JSON line per input: reps, each rep's
faults (definite and possible) and angles, the set's warnings and movement. Two snapshots,
taken before and after a change, are compared input by input:

    python tools/snapshot.py save /tmp/before.json        # on the old code
    python tools/snapshot.py save /tmp/after.json         # on the new code
    python tools/snapshot.py diff /tmp/before.json /tmp/after.json

`diff` prints every input whose rep count, faults or warnings changed, and the largest angle
moves, then a count of changed inputs. Angles move by noise; verdicts should not.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tools"))

from clip_expectations import EXPECTED  # noqa: E402
from clip_expectations import problems as clip_problems  # noqa: E402
from real_clips import CLIPS, keypoints  # noqa: E402
from render_truth import problems as render_problems  # noqa: E402

from hipthrust_cam.config import Config  # noqa: E402
from hipthrust_cam.pose.keypoints import load_keypoints  # noqa: E402
from hipthrust_cam.report.assemble import analyze_series  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"
SAMPLES = ROOT / "sample_videos"
ANGLES = ("hip_extension_deg", "knee_angle_deg", "shin_angle_deg", "head_angle_deg")


def _round(value: Any) -> Any:
    return round(value, 1) if isinstance(value, float) else value


def wrong(name: str, report: dict[str, Any]) -> list[str]:
    """How the report departs from the render's truth or the clip's MANIFEST line."""
    clip = name.removesuffix(" (mirrored)") + ".mp4"
    if clip in EXPECTED:
        return clip_problems(clip, report)
    truth = SAMPLES / f"{name}.truth.json"
    return render_problems(json.loads(truth.read_text()), report) if truth.is_file() else []


def compact(name: str, report: dict[str, Any]) -> dict[str, Any]:
    """The verdicts and main angles of one report, and how they depart from the truth."""
    reps = []
    for rep in report["reps"]:
        sure = sorted(f["code"] for f in rep["faults"] if not f["possible"])
        maybe = sorted(f["code"] for f in rep["faults"] if f["possible"])
        reps.append({"faults": sure, "possible": maybe, **{a: _round(rep[a]) for a in ANGLES}})
    setup = report["setup"]
    return {
        "rep_count": report["rep_count"],
        "reps": reps,
        "warnings": sorted(setup["warning_codes"]),
        "movement": setup["movement"],
        "view": setup["view"],
        "wrong": wrong(name, report),
    }


def inputs(model: str, renders: str) -> list[tuple[str, Any]]:
    """(name, keypoints) of every render and every real clip, as filmed and mirrored.

    `renders`: "golden" (the committed keypoints: one tracker, the default model) or
    "product" (`analyze`'s own path with `model`: lanes and all, cached like the clips).
    """
    out: list[tuple[str, Any]] = []
    if renders == "golden":
        found = [(p.name.split(".")[0], p) for p in sorted(GOLDEN.glob("*.keypoints.npz"))]
        out += [(name, load_keypoints(path)) for name, path in found]
    else:
        for video in sorted(SAMPLES.glob("*.mp4")):
            out.append((video.stem, keypoints(video, model, False)))
    if CLIPS.is_dir():
        for clip in sorted(CLIPS.glob("*.mp4")):
            for mirror in (False, True):
                name = f"{clip.stem}{' (mirrored)' if mirror else ''}"
                out.append((name, keypoints(clip, model, mirror)))
    return out


def save(path: Path, model: str, renders: str) -> None:
    rows = {
        name: compact(name, analyze_series(kp, Config())[1]) for name, kp in inputs(model, renders)
    }
    path.write_text(json.dumps(rows, indent=1) + "\n")
    bad = {name: row["wrong"] for name, row in rows.items() if row["wrong"]}
    for name, msgs in bad.items():
        print(f"  wrong: {name}: {'; '.join(msgs)}")
    print(f"wrote {path}: {len(rows)} inputs, {len(rows) - len(bad)} right")


def _verdicts(row: dict[str, Any]) -> tuple[Any, ...]:
    reps = [(tuple(r["faults"]), tuple(r["possible"])) for r in row["reps"]]
    verdict = row["rep_count"], tuple(reps), tuple(row["warnings"]), row["movement"], row["view"]
    return (*verdict, tuple(row.get("wrong", ())))


def _largest_move(a: dict[str, Any], b: dict[str, Any]) -> tuple[float, str]:
    worst = (0.0, "")
    for ra, rb in zip(a["reps"], b["reps"], strict=False):
        for angle in ANGLES:
            va, vb = ra[angle], rb[angle]
            if isinstance(va, float) and isinstance(vb, float) and abs(va - vb) > worst[0]:
                worst = (abs(va - vb), f"{angle} {va} -> {vb}")
    return worst


def diff(before: Path, after: Path) -> int:
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    changed = 0
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            print(f"{name}: only in {'after' if name in b else 'before'}")
            changed += 1
            continue
        if _verdicts(a[name]) != _verdicts(b[name]):
            changed += 1
            print(f"{name}:\n  before {json.dumps(_verdicts(a[name]))}")
            print(f"  after  {json.dumps(_verdicts(b[name]))}")
        move, what = _largest_move(a[name], b[name])
        if move >= 1.0:
            print(f"{name}: angle moved {move:.1f} ({what})")
    print(f"{changed} of {len(set(a) | set(b))} inputs changed their verdicts")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Saves a snapshot or compares two."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("save")
    s.add_argument("path", type=Path)
    s.add_argument("--model", default=Config().pose.model)
    s.add_argument(
        "--renders",
        choices=("golden", "product"),
        default="golden",
        help="renders from the committed keypoints or from analyze's own path with --model",
    )
    d = sub.add_parser("diff")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "save":
        save(args.path, args.model, args.renders)
        return 0
    return diff(args.before, args.after)


if __name__ == "__main__":
    raise SystemExit(main())
