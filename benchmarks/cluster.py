"""Ray's overhead against the local batch: the same videos through `analyze FOLDER` both ways.

Usage:
    python benchmarks/cluster.py [--videos 4] [--repeat 1] [--no-video] [--json FILE]

Copies the N shortest bundled renders into a folder and runs, each in a fresh process as a user
would (one pose lane per video, `[pose] lanes = 1`, so both ways track the same poses):
- the local batch: `hipthrust-cam analyze FOLDER` (one worker process per core);
- `--ray`: a local Ray instance started by the command, the videos' bytes through Ray's object
  store and the run folders' files back;
- `--ray --ray-shared-fs`: the same, the workers reading and writing the paths themselves.
For each: wall time, videos per hour, CPU seconds (all processes, waited for) and the peak of the
summed memory (RSS) of the command's whole process tree, sampled every 0.1 s. Then Ray's start
and stop alone (`ray.init(address="local")` to `ray.shutdown()`), and the ratios: Ray's wall time
over the local batch's, with and without that start-up. Needs the cluster extra.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
WAYS = {"local batch": [], "ray": ["--ray"], "ray, shared fs": ["--ray", "--ray-shared-fs"]}


TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> dict[int, tuple[float, float]]:
    """pid -> (RSS MB, CPU s so far) of `root` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    seen: dict[int, tuple[float, float]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ppid, cpu = int(stat[1]), (int(stat[11]) + int(stat[12])) * TICK_S
        rss = int(stat[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        children.setdefault(ppid, []).append(int(proc.name))
        seen[int(proc.name)] = (rss, cpu)
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            tree[pid] = seen[pid]
        todo += children.get(pid, [])
    return tree


def timed(argv: list[str], cwd: Path) -> tuple[dict[str, float], str]:
    """Runs a command: its wall time, the CPU seconds and peak summed memory of its process
    tree (sampled every 0.1 s: each process counts with the last CPU time seen), its stdout."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak, cpu = [0.0], dict[int, float]()

    def sample() -> None:
        while proc.poll() is None:
            tree = _tree(proc.pid)
            peak[0] = max(peak[0], sum(rss for rss, _ in tree.values()))
            cpu.update({pid: max(cpu.get(pid, 0.0), c) for pid, (_, c) in tree.items()})
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.monotonic() - start
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.decode()[-500:]}")
    return {"wall_s": wall, "cpu_s": sum(cpu.values()), "peak_mb": peak[0]}, out.decode()


def ray_start_stop(cwd: Path) -> dict[str, float]:
    code = (
        "import logging, time, ray\n"
        "t = time.monotonic()\n"
        "ray.init(address='local', logging_level=logging.ERROR, log_to_driver=False)\n"
        "up = time.monotonic() - t\n"
        "ray.shutdown()\n"
        "print(up, time.monotonic() - t - up)\n"
    )
    figures, out = timed([sys.executable, "-c", code], cwd)
    up, down = (float(x) for x in out.split())
    return {"start_s": up, "stop_s": down, "peak_mb": figures["peak_mb"]}


def shortest(count: int) -> list[Path]:
    import cv2

    def frames(path: Path) -> int:
        return int(cv2.VideoCapture(str(path)).get(cv2.CAP_PROP_FRAME_COUNT))

    return sorted(SAMPLES.glob("*.mp4"), key=lambda p: (frames(p), p.name))[:count]


def measure(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    load = os.getloadavg()  # other work on the machine skews every figure: say how much
    folder = scratch / "videos"
    folder.mkdir()
    videos = shortest(args.videos)
    for video in videos:
        shutil.copy(video, folder / video.name)
    config = scratch / "lanes1.toml"
    config.write_text("[pose]\nlanes = 1\n")
    runs: dict[str, list[dict[str, float]]] = {way: [] for way in WAYS}
    for _ in range(args.repeat):
        for way, flags in WAYS.items():
            out = scratch / "out"
            shutil.rmtree(out, ignore_errors=True)
            argv = [sys.executable, "-m", "hipthrust_cam", "analyze", str(folder), "--out"]
            argv += [str(out), "--config", str(config), "--no-history", *flags]
            figures, _ = timed(argv + (["--no-video"] if args.no_video else []), scratch)
            runs[way].append(figures)
    median = {
        way: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for way, results in runs.items()
    }
    return {
        "videos": [v.name for v in videos],
        "video_s": sum(_seconds(v) for v in videos),
        "median": median,
        "ray_start_stop": ray_start_stop(scratch),
        "load_average": load,
        "cores": os.cpu_count(),
    }


def _seconds(video: Path) -> float:
    import cv2

    cap = cv2.VideoCapture(str(video))
    return cap.get(cv2.CAP_PROP_FRAME_COUNT) / (cap.get(cv2.CAP_PROP_FPS) or 30.0)


def table(doc: dict[str, Any]) -> str:
    local = doc["median"]["local batch"]["wall_s"]
    start = doc["ray_start_stop"]["start_s"] + doc["ray_start_stop"]["stop_s"]
    n = len(doc["videos"])
    lines = [
        f"{n} videos, {doc['video_s']:.1f} s of video, one lane each, {doc['cores']} cores; "
        f"load average before: {doc['load_average'][0]:.1f}",
        f"{'way':<16} {'wall s':>7} {'videos/h':>9} {'CPU s':>7} {'peak MB':>8} "
        f"{'x local':>8} {'x local, no start-up':>21}",
    ]
    for way, m in doc["median"].items():
        ratio = m["wall_s"] / local
        steady = (m["wall_s"] - start) / local if way != "local batch" else 1.0
        lines.append(
            f"{way:<16} {m['wall_s']:>7.1f} {3600 * n / m['wall_s']:>9.0f} {m['cpu_s']:>7.1f} "
            f"{m['peak_mb']:>8.0f} {ratio:>8.2f} {steady:>21.2f}"
        )
    rs = doc["ray_start_stop"]
    lines.append(
        f"Ray alone: start {rs['start_s']:.1f} s, stop {rs['stop_s']:.1f} s, "
        f"peak {rs['peak_mb']:.0f} MB (idle instance, both cores)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--videos", type=int, default=4, help="how many renders (the shortest)")
    p.add_argument("--repeat", type=int, default=1, help="runs of each way (the median counts)")
    p.add_argument("--no-video", action="store_true", help="skip the annotated videos")
    p.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = p.parse_args(argv)
    try:
        import ray  # noqa: F401
    except ImportError:
        print('needs the cluster extra: pip install -c constraints.txt -e ".[cluster]"')
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        doc = measure(args, Path(tmp))
    print(table(doc))
    if args.json:
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
