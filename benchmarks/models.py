"""The pose models side by side, and the default's real-time factor on phone videos.

For lite, full and heavy (the BlazePose bundles in `models/`):
- keypoint error on every rendered sample against its exact truth (median and 90th percentile
  px over shoulder, hip, knee, ankle of the side facing the camera; detection share);
- rep and fault accuracy on every real clip in ../shared/clips, as filmed and mirrored (the
  checks of `tests/clip_expectations.py`, through the product's `analyze` path);
- pose-only cost, ms/frame: one tracker, frames decoded beforehand, 2 x 150 frames.

Then the default model's whole `analyze` (annotated video included) on a 30 fps landscape render
and on the 60 fps portrait barbell clip: ms per video frame and the real-time factor (how many
times faster than the video plays; the target is at least 1.5x on 2 cores).

    python benchmarks/models.py                  # everything (~30 min on 2 cores)
    python benchmarks/models.py --skip-clips     # without the real clips
    python benchmarks/models.py --against mine.toml --rounds 3   # a config against the default
Results are printed and written to `benchmarks/results/models-<stamp>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tools"), str(ROOT / "tests")]

from hipthrust_cam.config import Config  # noqa: E402
from hipthrust_cam.datatypes import Frame  # noqa: E402

MODELS = ("lite", "full", "heavy")
SAMPLES = ROOT / "sample_videos"
CLIPS = ROOT.parent / "shared" / "clips"
BARBELL = CLIPS / "ht_barbell_side_gym.mp4"


def keypoint_error(model: str) -> dict[str, Any]:
    """Median / p90 px error and detection share over every rendered sample."""
    from measure_samples import measure, spec_from_truth, video_frames

    from hipthrust_cam.pose.blazepose import model_path
    from hipthrust_cam.synth.kinematics import simulate

    per_video = {}
    for video in sorted(SAMPLES.glob("*.mp4")):
        truth = json.loads(video.with_suffix("").with_suffix(".truth.json").read_text())
        sim = simulate(spec_from_truth(truth))
        per_video[video.name] = measure(video_frames(video), sim, model_path(model))
    videos = list(per_video.values())
    medians = [r["median_all_px"] for r in videos]
    p90 = [max(r["p90_px"].values()) for r in per_video.values()]
    return {
        "videos": per_video,
        "median_px": round(float(np.median(medians)), 2),
        "worst_video_median_px": round(float(max(medians)), 2),
        "worst_p90_px": round(float(max(p90)), 2),
        "detected_share": round(
            float(np.mean([r["detected_share"] for r in per_video.values()])), 4
        ),
    }


def clip_accuracy(model: str) -> dict[str, Any]:
    """How many real clips give what MANIFEST says, as filmed and mirrored."""
    from clip_expectations import EXPECTED
    from real_clips import row

    rows = {clip: row(clip, model) for clip in sorted(EXPECTED)}
    return {
        "right": sum(ok for _, ok in rows.values()),
        "of": len(rows),
        "rows": {clip: line for clip, (line, _) in rows.items()},
    }


def decoded(video: Path, count: int) -> list[Frame]:
    """The first `count` frames of a video, decoded as the product decodes them."""
    from hipthrust_cam.media.sources import VideoFileSource

    with VideoFileSource(video) as source:
        return [f for f, _ in zip(source, range(count), strict=False)]


def pose_cost(model: str, frames: list[Frame]) -> float:
    """ms/frame of one tracker (people counted every 15 frames, person mask), warm."""
    from dataclasses import replace

    from hipthrust_cam.app.runs import pose_backend

    config = Config()
    config = replace(config, pose=replace(config.pose, model=model))
    with pose_backend(config) as pose:
        for frame in frames[:10]:  # warm up (model load, first inference)
            pose.detect(frame)
        start = time.perf_counter()
        for frame in frames[10:]:
            pose.detect(Frame(frame.index, frame.t_s + 100.0, frame.image))
        return 1000.0 * (time.perf_counter() - start) / max(1, len(frames) - 10)


def analyze_cost(video: Path, config: Config | None = None) -> dict[str, float]:
    """`analyze` of a whole video with its annotated video (default config): ms/frame, real time."""
    from hipthrust_cam.app.runs import analyze_video

    with tempfile.TemporaryDirectory() as tmp:
        cpu = _cpu_s()
        start = time.perf_counter()
        summary = analyze_video(video, Path(tmp) / "run", config or Config())
        seconds = time.perf_counter() - start
        cpu = _cpu_s() - cpu
    source = summary.report["source"]
    frames, duration = source["frames"], source["duration_s"]
    return {
        "frames": frames,
        "fps": source["fps"],
        "analysed_fps": source.get("analysed_fps", source["fps"]),
        "size": f"{source['width']}x{source['height']}",
        "ms_per_frame": round(1000.0 * seconds / max(frames, 1), 1),
        "real_time_factor": round(duration / seconds, 2),
        "cpu_s_per_video_s": round(cpu / duration, 2),
        "duration_s": round(duration, 1),
    }


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (the ffmpeg encoder)."""
    import resource

    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def looped(video: Path, times: int, out_dir: Path) -> Path:
    """`video` played `times` times in a row, stream-copied (no re-encoding): a longer set."""
    import subprocess

    import imageio_ffmpeg

    out = out_dir / f"{video.stem}_x{times}.mp4"
    loop = ["-stream_loop", str(times - 1)]
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", *loop,
           "-i", str(video), "-an", "-c", "copy", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True)
    return out


def rt_inputs(tmp: Path) -> list[Path]:
    """The videos the real-time factor is measured on: 30 fps landscape and 60 fps portrait,
    each as a short clip and as a set of about half a minute (model loading amortised)."""
    portrait = BARBELL if BARBELL.is_file() else SAMPLES / "gym_barbell_left.mp4"  # 60 fps
    landscape = SAMPLES / "clean_left.mp4"  # 854x480, 30 fps, 16.6 s
    return [landscape, looped(landscape, 2, tmp), portrait, looped(portrait, 6, tmp)]


class _NoWait:
    """A clock whose sleeps return at once: the live loop runs as fast as it can."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        return None


def live_rate(video: Path, model: str) -> float:
    """Frames a second the live loop processes (pose, analysis, overlay), one tracker."""
    from dataclasses import replace

    from hipthrust_cam.app.live import LiveOptions, run_live
    from hipthrust_cam.media.window import NullDisplay

    config = Config()
    config = replace(config, pose=replace(config.pose, model=model))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = run_live(
            LiveOptions(source=video, window=False), config, Path(tmp) / "run",
            clock=_NoWait(), display=NullDisplay(),
        )  # fmt: skip
        seconds = time.perf_counter() - start
    return summary.report["live"]["frames_shown"] / seconds


def main(argv: list[str] | None = None) -> int:
    """Runs every measurement, prints the tables, writes the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-clips", action="store_true", help="skip the real clips")
    ap.add_argument("--json", type=Path, help="where to write the results")
    ap.add_argument("--rt-only", action="store_true", help="only the real-time factor")
    ap.add_argument(
        "--against",
        type=Path,
        metavar="TOML",
        help="instead: the default config against this one on the 60 fps set, runs interleaved",
    )
    ap.add_argument("--rounds", type=int, default=3, help="with --against: runs of each")
    args = ap.parse_args(argv)
    if args.against is not None:
        return compare_configs(args.against, args.rounds)
    results: dict[str, Any] = {"models": {}, "load_before": os.getloadavg()[0]}
    if not args.rt_only:
        compare_models(results, args.skip_clips)
    real_time(results)
    out = (
        args.json or ROOT / "benchmarks" / "results" / f"models-{time.strftime('%Y%m%d-%H%M')}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {out}")
    return 0


def compare_models(results: dict[str, Any], skip_clips: bool) -> None:
    """Lite, full and heavy side by side: cost, live rate, render error, real clips right."""
    frames = decoded(SAMPLES / "clean_left.mp4", 160)
    if BARBELL.is_file():
        frames += decoded(BARBELL, 160)
    for model in MODELS:
        entry: dict[str, Any] = {"pose_ms_per_frame": round(pose_cost(model, frames), 1)}
        entry["live_fps"] = round(live_rate(SAMPLES / "clean_left.mp4", model), 1)
        entry["renders"] = keypoint_error(model)
        if not skip_clips and CLIPS.is_dir():
            entry["clips"] = clip_accuracy(model)
        results["models"][model] = entry
        print(model, json.dumps({k: v for k, v in entry.items() if k != "renders"})[:300])
    print("\n| model | pose ms/frame | live fps | render error median px (worst video, worst p90) "
          "| detected | real clips right (filmed + mirrored) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for model, e in results["models"].items():
        r, c = e["renders"], e.get("clips")
        clips = f"{c['right']} of {c['of']}" if c else "-"
        print(f"| {model} | {e['pose_ms_per_frame']} | {e['live_fps']} | {r['median_px']} "
              f"({r['worst_video_median_px']}, {r['worst_p90_px']}) | "
              f"{100 * r['detected_share']:.1f} % | {clips} |")  # fmt: skip


def real_time(results: dict[str, Any]) -> None:
    """The default `analyze`, annotated video included, on 30 and 60 fps videos."""
    default = Config().pose.model
    with tempfile.TemporaryDirectory() as tmp:
        results["analyze"] = {v.name: analyze_cost(v) for v in rt_inputs(Path(tmp))}
    print(f"\n`analyze` with the default model ({default}), annotated video included:\n")
    print("| video | size, fps (analysed) | length | ms/frame | CPU s per video s "
          "| real-time factor |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name, a in results["analyze"].items():
        print(f"| {name} | {a['size']}, {a['fps']:.0f} ({a['analysed_fps']:.0f}) | "
              f"{a['duration_s']} s | {a['ms_per_frame']} | {a['cpu_s_per_video_s']} | "
              f"{a['real_time_factor']}x |")  # fmt: skip
    results["load_after"] = os.getloadavg()[0]
    print(f"load average before {results['load_before']:.2f}, after {results['load_after']:.2f}")


def compare_configs(toml: Path, rounds: int) -> int:
    """The default config against `toml` on the longest 60 fps set, alternating runs."""
    from hipthrust_cam.config import load_config

    other = load_config(toml)
    with tempfile.TemporaryDirectory() as tmp:
        video = rt_inputs(Path(tmp))[-1]
        runs: dict[str, list[dict[str, float]]] = {"default": [], toml.name: []}
        for _ in range(max(1, rounds)):
            for name, config in (("default", Config()), (toml.name, other)):
                runs[name].append(analyze_cost(video, config))
                print(name, runs[name][-1], f"load {os.getloadavg()[0]:.1f}", flush=True)
    medians = {
        name: {k: statistics.median(r[k] for r in rs) for k in ("real_time_factor",
                                                                 "cpu_s_per_video_s")}
        for name, rs in runs.items()
    }  # fmt: skip
    print(f"\n{video.name}, medians of {rounds} interleaved runs:\n")
    print("| config | real-time factor | CPU s per video s |")
    print("|---|---|---|")
    for name, m in medians.items():
        print(f"| {name} | {m['real_time_factor']:.2f}x | {m['cpu_s_per_video_s']:.2f} |")
    a, b = medians["default"], medians[toml.name]
    print(
        f"\n{toml.name} against the default: {b['real_time_factor'] / a['real_time_factor']:.3f}x "
        f"the speed, {b['cpu_s_per_video_s'] / a['cpu_s_per_video_s']:.3f}x the CPU"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
