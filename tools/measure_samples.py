"""Measure how well the pose model sees the rendered samples: detection rate, pixel error.

Runs the bundled MediaPipe PoseLandmarker (VIDEO mode, through
`hipthrust_cam.pose.blazepose`) on each
sample video (decoded from the committed mp4, so compression is included), re-simulates the
ground-truth joints from the spec stored in the `.truth.json`, and compares the camera-side
shoulder, hip, knee and ankle.

    python tools/measure_samples.py                      # every sample_videos/*.mp4
    python tools/measure_samples.py sample_videos/clean_left.mp4 --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hipthrust_cam.datatypes import SIDE_JOINTS, Frame  # noqa: E402
from hipthrust_cam.synth.kinematics import SetSpec, SyntheticSet, simulate  # noqa: E402

JOINTS = ("shoulder", "hip", "knee", "ankle")


def spec_from_truth(truth: dict) -> SetSpec:
    spec = {k: tuple(v) if isinstance(v, list) else v for k, v in truth["spec"].items()}
    return SetSpec(**spec)


def measure(images, sim: SyntheticSet, model_path: Path | None = None) -> dict:
    """images: iterable of BGR frames in order; returns detection share and errors (px).

    Errors are computed against both the left and the right landmarks of the model and the
    labelling that fits better is reported (`model_side`): in these renders the model often
    names the near side "right" although it is the left (a known side-view ambiguity).
    """
    from hipthrust_cam.pose.blazepose import MediaPipePose

    errs = {(s, j): [] for s in ("left", "right") for j in JOINTS}
    vis = {(s, j): [] for s in ("left", "right") for j in JOINTS}
    detected = n = 0
    with MediaPipePose(model_path, segmentation=False, num_poses=1) as pose:
        for i, img in enumerate(images):
            n += 1
            pf = pose.detect(Frame(i, float(sim.t_s[i]), img))
            detected += pf.detected
            for (s, j), out in errs.items():
                got = pf.xy[SIDE_JOINTS[s][j]] if pf.detected else np.full(2, np.nan)
                out.append(float(np.hypot(*(got - sim.joints[j][i]))))
                vis[s, j].append(float(pf.visibility[SIDE_JOINTS[s][j]]) if pf.detected else np.nan)
    arr = {k: np.array(v) for k, v in errs.items()}
    med = {s: np.nanmedian(np.concatenate([arr[s, j] for j in JOINTS])) for s in ("left", "right")}
    side = min(med, key=lambda s: med[s])
    return {
        "frames": n,
        "detected": int(detected),
        "detected_share": round(detected / max(n, 1), 4),
        "true_side": sim.truth["spec"]["side"],
        "model_side": side,
        "median_px": {j: round(float(np.nanmedian(arr[side, j])), 2) for j in JOINTS},
        "p90_px": {j: round(float(np.nanpercentile(arr[side, j], 90)), 2) for j in JOINTS},
        "median_all_px": round(float(med[side]), 2),
        "median_visibility": {j: round(float(np.nanmedian(vis[side, j])), 2) for j in JOINTS},
    }


def video_frames(path: Path):
    import imageio_ffmpeg

    gen = imageio_ffmpeg.read_frames(str(path), pix_fmt="bgr24")
    meta = next(gen)
    w, h = meta["size"]
    for buf in gen:
        yield np.frombuffer(buf, np.uint8).reshape(h, w, 3)


def markdown(results: dict[str, dict]) -> str:
    head = (
        "| video | frames | detected | side (true / model) | shoulder | hip | knee | ankle | all |"
    )
    rows = [head, "|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        m = r["median_px"]
        rows.append(
            f"| {name} | {r['frames']} | {100 * r['detected_share']:.1f} % | "
            f"{r['true_side']} / {r['model_side']} | "
            + " | ".join(f"{m[j]:.1f}" for j in JOINTS)
            + f" | {r['median_all_px']:.1f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("videos", nargs="*", type=Path)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="write all results here")
    args = ap.parse_args(argv)
    videos = args.videos or sorted((ROOT / "sample_videos").glob("*.mp4"))
    results = {}
    for video in videos:
        truth = json.loads(video.with_suffix("").with_suffix(".truth.json").read_text())
        sim = simulate(spec_from_truth(truth))
        results[video.name] = measure(video_frames(video), sim, args.model)
        print(video.name, json.dumps(results[video.name]), flush=True)
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
