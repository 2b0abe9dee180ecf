"""Benchmark of `analyze` against its floor, the pose model.

Usage:
    python benchmarks/run.py [--quick] [--video PATH] [--json OUT] [--profile]

Inputs: a render from `sample_videos/` (or `--video`, or the shared feet-far clip), and two
synthetic sets rendered on the fly at 854x480, 30 fps (10 s and 5 min by default; cached in the
temp folder so a second run skips the rendering). Every measurement runs in its own child
process, so each peak-memory figure (VmHWM) belongs to that measurement alone.

Figures per input (ms per frame unless said): decode; pose model only, with the frames decoded
beforehand (the floor); the analyzer alone (recorded keypoints replayed through
`Analyzer.push`); the overlay (`drawing.draw`); writing to the encoder (`H264Writer.write`) and
the encoder's own CPU; the whole `analyze_video` with and without the annotated video, and with
one tracker instead of one per core (`pose.lanes = 1`); their ratio to the floor; the real-time
factor; the peak memory; and the growth from the short to the long input. Results are printed
as a table and written to `benchmarks/results/<stamp>.json`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("benchmark")

CACHE = Path(tempfile.gettempdir()) / "hipthrust_cam_bench"
RESULTS = ROOT / "benchmarks" / "results"
FALLBACK_CLIP = ROOT.parent / "shared" / "clips" / "ht_db_feetfar_side_tiktok.mp4"
SYNTH_SIZE = (854, 480)
SYNTH_FPS = 30.0
POSE_CHUNK = 64  # frames decoded ahead of each timed pose batch (bounded memory)
RESULT_TAG = "BENCH-RESULT "

# (figure key, label, unit, digits) for the printed table, in order.
ROWS: tuple[tuple[str, str, str, int], ...] = (
    ("decode_ms", "decode", "ms/frame", 2),
    ("pose_ms", "pose model only (floor)", "ms/frame", 2),
    ("pose_startup_s", "pose model load + first frame", "s", 2),
    ("analyzer_ms", "analyzer alone (push)", "ms/frame", 3),
    ("report_timeline_s", "analyzer report + timeline", "s", 3),
    ("overlay_ms", "overlay (drawing.draw)", "ms/frame", 2),
    ("encode_write_ms", "encode: H264Writer.write", "ms/frame", 2),
    ("encoder_cpu_ms", "encode: ffmpeg CPU (other core)", "ms/frame", 2),
    ("outputs_s", "reports + keypoints written", "s", 2),
    ("analyze_video_ms", "analyze_video, with video", "ms/frame", 2),
    ("analyze_video_steady_ms", "  same, steady state", "ms/frame", 2),
    ("analyze_novideo_ms", "analyze_video, video_out=False", "ms/frame", 2),
    ("analyze_onelane_ms", "  same with video, one tracker", "ms/frame", 2),
    ("lanes_speedup", "lanes speed-up (one tracker / lanes)", "x", 2),
    ("ratio_video", "with video / pose floor", "x", 3),
    ("ratio_novideo", "no video / pose floor", "x", 3),
    ("realtime_video", "real-time factor, with video", "x", 2),
    ("realtime_novideo", "real-time factor, no video", "x", 2),
    ("cpu_util_video", "CPU use with video (2 = both cores)", "cores", 2),
    ("pose_cpu_ms", "CPU time: pose model only", "ms/frame", 2),
    ("analyze_video_cpu_ms", "CPU time: analyze_video + ffmpeg", "ms/frame", 2),
    ("cpu_ratio_video", "CPU time ratio (load-robust)", "x", 3),
    ("peak_rss_video_mb", "peak RSS, with video", "MB", 0),
    ("peak_rss_novideo_mb", "peak RSS, no video", "MB", 0),
)

# (figure key, comparison, limit, applies to synthetic 854x480 30 fps inputs only)
TARGETS: tuple[tuple[str, str, float, bool], ...] = (
    ("analyzer_ms", "<", 0.2, False),
    ("ratio_video", "<=", 1.15, False),
    ("realtime_video", ">=", 1.5, True),
)
MEMORY_GROWTH_LIMIT = 1.2
LIGHT_POSE = {"num_poses": 1, "segmentation": False}  # the cheaper pose settings, for reference
LOAD_WARN = 0.7  # 1-minute load average above which the figures are flagged as disturbed


# --------------------------------------------------------------------------- child side


def _vm_hwm_mb() -> float:
    """Peak resident memory of this process, MB (VmHWM; ru_maxrss where /proc is absent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_s(who: int) -> float:
    import resource

    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _stats(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {"mean": math.nan, "median": math.nan, "p95": math.nan}
    ordered = sorted(ms)
    return {
        "mean": statistics.fmean(ms),
        "median": statistics.median(ms),
        "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
    }


def worker_pose(video: Path, keypoints: Path, pose_opts: dict[str, Any]) -> dict[str, Any]:
    """Times decoding and the pose model separately; saves the keypoints for the replay."""
    import dataclasses
    import resource

    from hipthrust_cam.app.runs import pose_backend
    from hipthrust_cam.config import Config
    from hipthrust_cam.datatypes import KeypointSeries
    from hipthrust_cam.media.sources import VideoFileSource
    from hipthrust_cam.pose.keypoints import save_keypoints

    config = Config()
    config = dataclasses.replace(config, pose=dataclasses.replace(config.pose, **pose_opts))
    decode_ms: list[float] = []
    pose_ms: list[float] = []
    pose_cpu_s = 0.0
    poses = []
    with VideoFileSource(video, config.video.max_long_side) as source:
        info = source.info
        frames = iter(source)
        t0 = time.perf_counter()
        pose = pose_backend(config).__enter__()
        first = next(frames)
        poses.append(pose.detect(first))
        startup = time.perf_counter() - t0
        try:
            while True:
                chunk = []
                t = time.perf_counter()
                for frame in frames:
                    chunk.append(frame)
                    now = time.perf_counter()
                    decode_ms.append((now - t) * 1e3)
                    t = now
                    if len(chunk) == POSE_CHUNK:
                        break
                if not chunk:
                    break
                cpu0 = _cpu_s(resource.RUSAGE_SELF)
                for frame in chunk:
                    t = time.perf_counter()
                    poses.append(pose.detect(frame))
                    pose_ms.append((time.perf_counter() - t) * 1e3)
                pose_cpu_s += _cpu_s(resource.RUSAGE_SELF) - cpu0
        finally:
            pose.__exit__(None, None, None)
    series = KeypointSeries.from_frames(poses, (info.width, info.height), info.fps, str(video))
    save_keypoints(series, keypoints)
    return {
        "frames": len(poses), "fps": info.fps, "width": info.width, "height": info.height,
        "decode_ms": _stats(decode_ms)["mean"], "pose_ms": _stats(pose_ms)["mean"],
        "pose_ms_stats": _stats(pose_ms), "pose_startup_s": startup,
        "pose_cpu_ms": pose_cpu_s * 1e3 / max(1, len(pose_ms)),
        "detected_frac": float(sum(p.num_poses > 0 for p in poses) / max(1, len(poses))),
        "peak_rss_mb": _vm_hwm_mb(),
    }  # fmt: skip


def _analyzer_only(series: Any, config: Any) -> dict[str, float]:
    """The analyzer's cost: every recorded pose through `push`, then `finish`, no pixels."""
    from hipthrust_cam.analysis.analyzer import Analyzer
    from hipthrust_cam.report.assemble import build_report, timeline_columns

    poses = [series.frame(i) for i in range(len(series))]
    analyzer = Analyzer(config, series.image_size, offline=True)
    t = time.perf_counter()
    for pose in poses:
        analyzer.push(pose)
    analyzer.finish()
    push_s = time.perf_counter() - t
    t = time.perf_counter()
    build_report(analyzer, {"name": "bench"})
    timeline_columns(analyzer)
    return {"analyzer_ms": push_s * 1e3 / max(1, len(poses)),
            "report_timeline_s": time.perf_counter() - t}  # fmt: skip


def worker_components(video: Path, keypoints: Path, out_dir: Path) -> dict[str, Any]:
    """Times the analyzer alone, then overlay and encoder on the real frames and results."""
    import resource
    from collections import deque

    from hipthrust_cam.analysis.analyzer import Analyzer
    from hipthrust_cam.app.pipeline import RunRecorder, write_outputs
    from hipthrust_cam.app.runs import source_meta
    from hipthrust_cam.config import Config
    from hipthrust_cam.media.overlay import draw
    from hipthrust_cam.media.sources import VideoFileSource
    from hipthrust_cam.media.video import H264Writer
    from hipthrust_cam.pose.keypoints import load_keypoints

    config = Config()
    series = load_keypoints(keypoints)
    out = _analyzer_only(series, config)
    analyzer = Analyzer(config, series.image_size, offline=True)
    overlay_ms: list[float] = []
    write_ms: list[float] = []
    children_before = _cpu_s(resource.RUSAGE_CHILDREN)
    out_dir.mkdir(parents=True, exist_ok=True)
    with VideoFileSource(video, config.video.max_long_side) as source, H264Writer(
        out_dir / "annotated.mp4", (source.info.width, source.info.height), source.info.fps,
        crf=config.video.crf,
    ) as writer:  # fmt: skip
        info = source.info
        pending: deque = deque()

        def emit(results: list) -> None:
            for result in results:
                frame = pending.popleft()
                t = time.perf_counter()
                image = draw(frame.image, result)
                t2 = time.perf_counter()
                writer.write(image)
                overlay_ms.append((t2 - t) * 1e3)
                write_ms.append((time.perf_counter() - t2) * 1e3)

        for i, frame in enumerate(source):
            pending.append(frame)
            emit(analyzer.push(series.frame(min(i, len(series) - 1))))
        emit(analyzer.finish())
    encoder_cpu = _cpu_s(resource.RUSAGE_CHILDREN) - children_before
    t = time.perf_counter()
    write_outputs(out_dir, analyzer, RunRecorder(), series,
                  source_meta(info, len(series), len(series) / info.fps), False)  # fmt: skip
    out.update({
        "overlay_ms": _stats(overlay_ms)["mean"], "encode_write_ms": _stats(write_ms)["mean"],
        "encoder_cpu_ms": encoder_cpu * 1e3 / max(1, len(write_ms)),
        "outputs_s": time.perf_counter() - t, "frames_drawn": len(overlay_ms),
    })  # fmt: skip
    return out


def worker_analyze(
    video: Path, out_dir: Path, video_out: bool, profile: Path | None, lanes: int = 0
) -> dict:
    """The whole `analyze_video`, as the CLI runs it: wall, CPU and peak memory.

    `lanes`: the `pose.lanes` setting (0 = the default, one tracker per core).
    """
    import dataclasses
    import resource

    from hipthrust_cam.app.runs import analyze_video
    from hipthrust_cam.config import Config

    config = Config()
    config = dataclasses.replace(config, pose=dataclasses.replace(config.pose, lanes=lanes))

    ticks: list[float] = []

    def progress(_count: int) -> Any:
        return lambda _index: ticks.append(time.perf_counter())

    cpu0 = _cpu_s(resource.RUSAGE_SELF) + _cpu_s(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    if profile is None:
        summary = analyze_video(video, out_dir, config, video_out=video_out, progress=progress)
    else:
        import cProfile

        prof = cProfile.Profile()
        summary = prof.runcall(analyze_video, video, out_dir, config, video_out=video_out,
                               progress=progress)  # fmt: skip
        prof.dump_stats(str(profile))
    wall = time.perf_counter() - t0
    cpu = _cpu_s(resource.RUSAGE_SELF) + _cpu_s(resource.RUSAGE_CHILDREN) - cpu0
    n = max(1, summary.frames)
    steady = (ticks[-1] - ticks[0]) / (len(ticks) - 1) if len(ticks) > 1 else math.nan
    return {
        "frames": summary.frames, "wall_s": wall, "ms": wall * 1e3 / n, "steady_ms": steady * 1e3,
        "first_frame_s": (ticks[0] - t0) if ticks else math.nan,
        "after_last_frame_s": (t0 + wall - ticks[-1]) if ticks else math.nan,
        "cpu_util": cpu / wall, "cpu_ms": cpu * 1e3 / n, "peak_rss_mb": _vm_hwm_mb(),
        "rep_count": summary.report.get("rep_count"),
    }  # fmt: skip


def run_worker(args: argparse.Namespace) -> None:
    """Child-process entry: runs one measurement and prints its JSON on a tagged line."""
    logging.basicConfig(level=logging.WARNING)
    video, scratch = Path(args.video), Path(args.scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    if args.worker == "pose":
        opts = json.loads(args.pose_opts)
        result = worker_pose(video, scratch / "keypoints.npz", opts)
    elif args.worker == "components":
        result = worker_components(video, scratch / "keypoints.npz", scratch / "components")
    elif args.worker == "analyze-onelane":
        result = worker_analyze(video, scratch / args.worker, True, None, lanes=1)
    else:
        profile = Path(args.profile_out) if args.profile_out else None
        result = worker_analyze(video, scratch / args.worker, args.worker == "analyze", profile)
    print(RESULT_TAG + json.dumps(result), flush=True)


# --------------------------------------------------------------------------- parent side


def child(kind: str, video: Path, scratch: Path, *extra: str) -> dict[str, Any]:
    """Runs one measurement in a fresh Python process and returns its figures."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--video", str(video),
           "--scratch", str(scratch), *extra]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    log.info("  %-16s %-36s %6.0f s", kind, video.name, time.perf_counter() - t0)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_TAG):
            return json.loads(line.removeprefix(RESULT_TAG))
    sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
    raise SystemExit(f"benchmark step {kind} on {video} failed (exit {proc.returncode})")


def _synth_key() -> str:
    """A digest of the renderer's sources: a changed renderer never reuses a stale render."""
    import hashlib

    digest = hashlib.sha256()
    for source in sorted((ROOT / "hipthrust_cam" / "synth").glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


def synth_video(seconds: float) -> Path:
    """A rendered synthetic set of `seconds` at 854x480, 30 fps (cached in the temp folder)."""
    from hipthrust_cam.media.video import H264Writer
    from hipthrust_cam.synth import SetSpec, simulate
    from hipthrust_cam.synth.kinematics import duration_s
    from hipthrust_cam.synth.render import frames as render_frames

    n = round(seconds * SYNTH_FPS)
    path = CACHE / f"synth_{n}f_{SYNTH_SIZE[0]}x{SYNTH_SIZE[1]}_{SYNTH_FPS:g}fps_{_synth_key()}.mp4"
    if path.is_file():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    spec = SetSpec(reps=1, width=SYNTH_SIZE[0], height=SYNTH_SIZE[1], fps=SYNTH_FPS, seed=9)
    while duration_s(spec) < seconds:
        spec = SetSpec(reps=spec.reps + 1, width=spec.width, height=spec.height, fps=spec.fps,
                       seed=spec.seed)  # fmt: skip
    log.info("rendering a %.0f s synthetic set (%d reps, cached at %s)", seconds, spec.reps, path)
    sim = simulate(spec)
    with H264Writer(path, SYNTH_SIZE, SYNTH_FPS) as writer:
        for i, image in enumerate(render_frames(sim)):
            if i >= n:
                break
            writer.write(image)
    return path


def sample_video(explicit: str | None) -> Path | None:
    """`--video`, else the first render in sample_videos/, else the shared feet-far clip."""
    if explicit:
        return Path(explicit)
    renders = sorted((ROOT / "sample_videos").glob("*.mp4"))
    if renders:
        return renders[0]
    return FALLBACK_CLIP if FALLBACK_CLIP.is_file() else None


def measure(
    video: Path, scratch: Path, novideo: bool, variant: bool, onelane: bool
) -> dict[str, Any]:
    """All figures of one input (`novideo`: also without the video; `variant`: lighter pose;
    `onelane`: also with one tracker instead of the lanes)."""
    scratch.mkdir(parents=True, exist_ok=True)
    pose = child("pose", video, scratch)
    comp = child("components", video, scratch)
    ana = child("analyze", video, scratch)
    keep = ("frames", "fps", "width", "height", "decode_ms", "pose_ms", "pose_startup_s",
            "detected_frac", "pose_cpu_ms")  # fmt: skip
    fig: dict[str, Any] = {k: pose[k] for k in keep}
    fig["pose_ms_p95"] = pose["pose_ms_stats"]["p95"]
    keep = ("analyzer_ms", "report_timeline_s", "overlay_ms", "encode_write_ms", "encoder_cpu_ms",
            "outputs_s")  # fmt: skip
    fig.update({k: comp[k] for k in keep})
    fig.update({"analyze_video_ms": ana["ms"], "analyze_video_steady_ms": ana["steady_ms"],
                "peak_rss_video_mb": ana["peak_rss_mb"], "cpu_util_video": ana["cpu_util"],
                "analyze_video_first_frame_s": ana["first_frame_s"],
                "analyze_video_after_last_frame_s": ana["after_last_frame_s"],
                "rep_count": ana["rep_count"], "analyze_video_cpu_ms": ana["cpu_ms"]})  # fmt: skip
    fig["ratio_video"] = ana["ms"] / pose["pose_ms"]
    fig["cpu_ratio_video"] = ana["cpu_ms"] / pose["pose_cpu_ms"]
    fig["realtime_video"] = 1e3 / ana["ms"] / pose["fps"]
    if novideo:
        nov = child("analyze-novideo", video, scratch)
        fig.update({"analyze_novideo_ms": nov["ms"], "peak_rss_novideo_mb": nov["peak_rss_mb"],
                    "ratio_novideo": nov["ms"] / pose["pose_ms"],
                    "realtime_novideo": 1e3 / nov["ms"] / pose["fps"]})  # fmt: skip
    if onelane:
        one = child("analyze-onelane", video, scratch)
        fig.update({"analyze_onelane_ms": one["ms"], "lanes_speedup": one["ms"] / ana["ms"]})
    if variant:
        light = child("pose", video, scratch / "light", "--pose-opts", json.dumps(LIGHT_POSE))
        fig["pose_light_ms"] = light["pose_ms"]
    return fig


def _load() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def _cell(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


def _check(value: Any, op: str, limit: float) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    ok = {"<": value < limit, "<=": value <= limit, ">=": value >= limit}[op]
    return "PASS" if ok else "FAIL"


def verdicts(inputs: dict[str, dict], synthetic: set[str]) -> list[dict[str, Any]]:
    """Each target checked on each input it applies to, plus the memory growth."""
    out = []
    for key, op, limit, synth_only in TARGETS:
        for name, fig in inputs.items():
            if synth_only and name not in synthetic:
                continue
            value = fig.get(key)
            out.append({"figure": key, "input": name, "value": value, "target": f"{op} {limit}",
                        "verdict": _check(value, op, limit)})  # fmt: skip
    names = sorted((n for n in synthetic if n in inputs), key=lambda n: inputs[n]["frames"])
    if len(names) >= 2:
        short, long_ = inputs[names[0]], inputs[names[-1]]
        growth = long_["peak_rss_video_mb"] / short["peak_rss_video_mb"]
        out.append({"figure": "peak_rss_video_mb growth", "input": f"{names[-1]} / {names[0]}",
                    "value": growth, "target": f"<= {MEMORY_GROWTH_LIMIT}",
                    "verdict": _check(growth, "<=", MEMORY_GROWTH_LIMIT)})  # fmt: skip
    return out


def table(inputs: dict[str, dict], growth_pair: tuple[str, str] | None) -> str:
    """The figures as a plain-text table, one column per input, plus the growth column."""
    names = list(inputs)
    head = f"{'figure':<38}{'unit':>9}" + "".join(f"{n:>17}" for n in names)
    if growth_pair:
        head += f"{'growth':>9}"
    target_of = {k: f"{op} {lim}" for k, op, lim, _ in TARGETS}
    target_of["peak_rss_video_mb"] = f"growth <= {MEMORY_GROWTH_LIMIT}"
    lines = [head + "   target", "-" * (len(head) + 18)]
    meta = [("frames", "frames", 0), ("fps", "fps", 2)]
    for key, unit, digits in meta:
        lines.append(f"{key:<38}{unit:>9}" + "".join(f"{_cell(inputs[n].get(key), digits):>17}"
                                                     for n in names))  # fmt: skip
    for key, label, unit, digits in ROWS:
        row = f"{label:<38}{unit:>9}" + "".join(f"{_cell(inputs[n].get(key), digits):>17}"
                                                for n in names)  # fmt: skip
        if growth_pair:
            a, b = (inputs[growth_pair[0]].get(key), inputs[growth_pair[1]].get(key))
            ok = isinstance(a, float) and isinstance(b, float) and a and math.isfinite(b)
            row += f"{(_cell(b / a, 2) + 'x') if ok else '-':>9}"
        lines.append(row + (f"   {target_of[key]}" if key in target_of else ""))
    return "\n".join(lines)


def profile_run(video: Path, scratch: Path, top: int = 25) -> str:
    """cProfile of one `analyze_video` (with video): the top functions by own time."""
    import io
    import pstats

    prof = scratch / "analyze_video.prof"
    child("analyze", video, scratch, "--profile-out", str(prof))
    buf = io.StringIO()
    stats = pstats.Stats(str(prof), stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import cv2
    import mediapipe
    import numpy

    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                    .splitlines() if ln.startswith("model name")), "")  # fmt: skip
    return {"cpus": os.cpu_count(), "cpu": cpu, "platform": platform.platform(),
            "python": platform.python_version(), "mediapipe": mediapipe.__version__,
            "opencv": cv2.__version__, "numpy": numpy.__version__}  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (the --worker ones are internal)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="3 s and 10 s synthetic inputs only, no --no-video pass (~1 minute)",
    )
    p.add_argument("--video", help="the sample input (default: sample_videos/*.mp4)")
    p.add_argument("--json", help="where to write the JSON (default benchmarks/results/<stamp>)")
    p.add_argument("--short-s", type=float, help="short synthetic input, seconds (default 10)")
    p.add_argument("--long-s", type=float, help="long synthetic input, seconds (default 300)")
    p.add_argument("--profile", action="store_true", help="also cProfile analyze_video")
    p.add_argument(
        "--all-passes",
        action="store_true",
        help="also time the long input without video (adds a full pose pass)",
    )
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--scratch", help=argparse.SUPPRESS)
    p.add_argument("--pose-opts", default="{}", help=argparse.SUPPRESS)
    p.add_argument("--profile-out", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def choose_inputs(args: argparse.Namespace) -> tuple[dict[str, Path], str, str]:
    """The inputs to measure, and the names of the short and long synthetic ones."""
    short_s = args.short_s or (3.0 if args.quick else 10.0)
    long_s = args.long_s or (10.0 if args.quick else 300.0)
    inputs: dict[str, Path] = {}
    sample = sample_video(args.video)
    if args.quick and not args.video:
        sample = None  # the quick run keeps to two short synthetic inputs
    elif sample is None or not sample.is_file():
        log.warning("no sample video (sample_videos/ is empty, no --video): skipping it")
        sample = None
    if sample is not None:
        inputs[f"sample {sample.stem[:9]}"] = sample
    short_name, long_name = f"synth {short_s:g}s", f"synth {long_s:g}s"
    inputs[short_name] = synth_video(short_s)
    inputs[long_name] = synth_video(long_s)
    return inputs, short_name, long_name


def report(doc: dict[str, Any], growth: tuple[str, str]) -> None:
    """Prints the table, the target verdicts and the profile."""
    print()
    print(table(doc["figures"], growth))
    light = {n: f.get("pose_light_ms") for n, f in doc["figures"].items() if "pose_light_ms" in f}
    for name, value in light.items():
        print(f"(pose only with {LIGHT_POSE} on {name}: {_cell(value, 2)} ms/frame)")
    print()
    for c in doc["targets"]:
        print(f"{c['verdict']:<5} {c['figure']:<26} {c['input']:<24} {_cell(c['value'], 3):>8}  "
              f"target {c['target']}")  # fmt: skip
    load = doc["load_before"]
    if load and load[0] > LOAD_WARN:
        print(f"WARNING: load average {load[0]:.1f} at start: other work shared the CPUs, "
              "the times are inflated")  # fmt: skip
    if doc["profile"]:
        print(f"\ncProfile of analyze_video on {growth[0]} (top by own time):\n{doc['profile']}")


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark, prints the table and writes the JSON."""
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started, stamp, load_before = time.time(), time.strftime("%Y%m%d-%H%M%S"), _load()
    inputs, short_name, long_name = choose_inputs(args)
    command = " ".join(["python", "benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    doc = {"created": stamp, "command": command, "load_before": load_before, "machine": machine(),
           "inputs": {n: str(p) for n, p in inputs.items()}, "figures": {}, "profile": None,
           "complete": False}  # fmt: skip
    out = Path(args.json) if args.json else RESULTS / f"{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hipthrust-bench-") as tmp:
        if args.profile:
            doc["profile"] = profile_run(inputs[short_name], Path(tmp) / "prof")
        for i, (name, video) in enumerate(inputs.items()):
            log.info("measuring %s (%s)", name, video)
            novideo = not args.quick and (args.all_passes or name != long_name)
            variant = name == short_name and not args.quick
            onelane = not args.quick
            doc["figures"][name] = measure(video, Path(tmp) / f"in{i}", novideo, variant, onelane)
            doc["targets"] = verdicts(doc["figures"], {short_name, long_name})
            doc.update(load_after=_load(), elapsed_s=time.time() - started)
            out.write_text(json.dumps(doc, indent=2, default=str) + "\n")  # partial, kept
    doc["complete"] = True
    out.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    report(doc, (short_name, long_name))
    print(f"\nresults written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
