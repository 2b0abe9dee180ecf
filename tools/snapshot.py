"""Before and after: what the analyzer reports on every render and every real clip, compared.

Runs the analyzer (no pose model) on the committed golden keypoints of every rendered sample and
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

from real_clips import CLIPS, keypoints  # noqa: E402

from hipthrust_cam.config import Config  # noqa: E402
from hipthrust_cam.pose.keypoints import load_keypoints  # noqa: E402
from hipthrust_cam.report.assemble import analyze_series  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"
ANGLES = ("hip_extension_deg", "knee_angle_deg", "shin_angle_deg", "head_angle_deg")


def _round(value: Any) -> Any:
    return round(value, 1) if isinstance(value, float) else value


def compact(report: dict[str, Any]) -> dict[str, Any]:
    """The verdicts and main angles of one report."""
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
    }


def inputs(model: str) -> list[tuple[str, Any]]:
    """(name, keypoints) of every golden render and every real clip, as filmed and mirrored."""
    found = [(p.name.split(".")[0], p) for p in sorted(GOLDEN.glob("*.keypoints.npz"))]
    out: list[tuple[str, Any]] = [(name, load_keypoints(path)) for name, path in found]
    if CLIPS.is_dir():
        for clip in sorted(CLIPS.glob("*.mp4")):
            for mirror in (False, True):
                name = f"{clip.stem}{' (mirrored)' if mirror else ''}"
                out.append((name, keypoints(clip, model, mirror)))
    return out


def save(path: Path, model: str) -> None:
    rows = {name: compact(analyze_series(kp, Config())[1]) for name, kp in inputs(model)}
    path.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"wrote {path}: {len(rows)} inputs")


def _verdicts(row: dict[str, Any]) -> tuple[Any, ...]:
    reps = [(tuple(r["faults"]), tuple(r["possible"])) for r in row["reps"]]
    return row["rep_count"], tuple(reps), tuple(row["warnings"]), row["movement"], row["view"]


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
    d = sub.add_parser("diff")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "save":
        save(args.path, args.model)
        return 0
    return diff(args.before, args.after)


if __name__ == "__main__":
    raise SystemExit(main())
