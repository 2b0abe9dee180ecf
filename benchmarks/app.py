"""Figures of the web app: upload-to-report time and the live page's processing rate.

Usage:
    python benchmarks/app.py [--video sample_videos/clean_left.mp4] [--runs 3]

Starts `hipthrust-cam app` on a throwaway data folder and a free port, then:
- uploads the video `--runs` times, one after the other (nothing else queued), and times the
  upload (the PUT, which includes the probe), the wait in the queue plus the analysis, and the
  whole from the first byte sent to the job being done (its report ready);
- plays the same video as Chromium's fake camera into the Live page for its whole length and
  reads back what the server measured: frames processed, processing rate (the page's figure,
  sampled every second) and the per-frame processing latency from the saved run's report.
Prints a table; needs Debian's Chromium and the Playwright package (the dev extra).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


def start(data: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hipthrust_cam",
            "app",
            "--no-browser",
            "--port",
            "0",
            "--data-dir",
            str(data),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, re.search(r"http://\S+", proc.stdout.readline()).group(0).rstrip("/")


def upload_once(url: str, video: Path) -> tuple[float, float]:
    """(seconds to upload, seconds from the upload's answer to the job done)."""
    body = video.read_bytes()
    t0 = time.monotonic()
    request = urllib.request.Request(
        url + "/api/uploads", data=body, method="PUT", headers={"X-File-Name": video.name}
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        job = json.loads(answer.read())["job"]
    t1 = time.monotonic()
    while True:
        with urllib.request.urlopen(f"{url}/api/jobs?ids={job}", timeout=30) as answer:
            state = json.loads(answer.read())["jobs"][0]
        if state["state"] in ("done", "failed"):
            break
        time.sleep(0.05)
    if state["state"] != "done":
        raise SystemExit(f"the analysis failed: {state['message']}")
    return t1 - t0, time.monotonic() - t1


def live(url: str, video: Path, tmp: Path, data: Path) -> dict[str, float]:
    import imageio_ffmpeg
    from playwright.sync_api import sync_playwright

    camera = tmp / "camera.mjpeg"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-i",
            str(video),
            "-q:v",
            "3",
            "-f",
            "mjpeg",
            str(camera),
        ],
        check=True,
    )
    truth = video.with_suffix(".truth.json")  # a rendered sample knows its length
    duration = json.loads(truth.read_text()).get("duration_s", 20.0) if truth.is_file() else 20.0
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[*FLAGS, f"--use-file-for-fake-video-capture={camera}"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(url + "/live")
        page.click("#start")
        page.wait_for_function(
            "() => /[\\d.]+ fps/.test(document.getElementById('rate').textContent)", timeout=120_000
        )
        rates, t0 = [], time.monotonic()
        while time.monotonic() - t0 < max(duration, 15.0):
            time.sleep(1.0)
            found = re.search(r"([\d.]+) fps", page.inner_text("#rate"))
            if found:
                rates.append(float(found.group(1)))
        reps = int(page.inner_text("#reps"))
        page.click("#end")
        page.wait_for_url(re.compile(r"/sets/\d+$"), timeout=120_000)
        set_id = page.url.rsplit("/", 1)[1]
        browser.close()
    sys.path.insert(0, str(ROOT))
    from hipthrust_cam.store.db import Store

    row = Store(data / "history.sqlite3").get_set(int(set_id))
    info = json.loads((row.run_dir / "report.json").read_text())["live"]
    return {
        "seconds": time.monotonic() - t0,
        "reps": reps,
        "fps_median": statistics.median(rates),
        "fps_min": min(rates),
        "frames": info["frames_shown"],
        "latency_median_ms": info["latency_ms"]["median"],
        "latency_p95_ms": info["latency_ms"]["p95"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=ROOT / "sample_videos" / "clean_left.mp4")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        proc, url = start(data)
        try:
            uploads = [upload_once(url, args.video) for _ in range(args.runs)]
            shown = live(url, args.video, Path(tmp), data)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    up = [u for u, _ in uploads]
    work = [w for _, w in uploads]
    total = [u + w for u, w in uploads]
    print(f"web app figures ({os.cpu_count()} cores), video {args.video.name}")
    print(f"  upload (PUT + probe)          median {statistics.median(up):6.2f} s")
    print(
        f"  queue + analysis              median {statistics.median(work):6.2f} s "
        f"(min {min(work):.2f}, max {max(work):.2f})"
    )
    print(
        f"  upload to report              median {statistics.median(total):6.2f} s, "
        f"{len(total)} runs"
    )
    print(
        f"  live: {shown['frames']} frames in {shown['seconds']:.1f} s, "
        f"{shown['reps']} reps counted"
    )
    print(
        f"  live processing rate          median {shown['fps_median']:6.1f} fps "
        f"(lowest {shown['fps_min']:.1f})"
    )
    print(
        f"  live per-frame processing     median {shown['latency_median_ms']} ms, "
        f"p95 {shown['latency_p95_ms']} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
