"""Screenshots of the web app's pages for the README (docs/app-*.png).

Builds a throwaway history (the bundled samples' golden keypoints re-analysed, dated over a few
weeks, with notes), starts `hipthrust-cam app` on it, uploads a sample, films the live page with
Chromium's fake camera fed by a rendered sample, and shoots each page with Debian's Chromium.

    python tools/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hipthrust_cam.app.runs import reanalyse_keypoints  # noqa: E402
from hipthrust_cam.config import Config  # noqa: E402
from hipthrust_cam.store.db import Store  # noqa: E402
from hipthrust_cam.store.folders import register_run  # noqa: E402
from hipthrust_cam.store.layout import DataDir  # noqa: E402
from hipthrust_cam.store.records import Notes  # noqa: E402

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HISTORY = [  # (sample, date, load kg, RPE, note)
    ("feet_too_far", "2026-10-06T18:10:00+00:00", 50, 7, "First time with the bar"),
    ("head_back", "2026-10-09T18:20:00+00:00", 50, 7, ""),
    ("rushed_no_pause", "2026-10-14T18:05:00+00:00", 55, 8, "Rushed it"),
    ("feet_too_close", "2026-10-21T17:55:00+00:00", 55, 8, ""),
    ("clean_right", "2026-10-28T18:00:00+00:00", 60, 8, ""),
    ("clean_left", "2026-11-04T18:15:00+00:00", 60, 8, "Felt solid"),
    ("clean_right", "2026-11-11T18:00:00+00:00", 60, 7.5, ""),
]


def build_history(data: DataDir) -> None:
    store = Store.open(data.ensure().db)
    for i, (sample, when, load, rpe, note) in enumerate(HISTORY):
        run = data.runs / f"{when[:10].replace('-', '')}-{sample}-s{i}"
        reanalyse_keypoints(ROOT / "tests" / "golden" / f"{sample}.keypoints.npz", run, Config())
        set_id = register_run(store, run, "analyze", f"{sample}.mp4", when)
        store.save_notes(set_id, Notes(load, "kg", "barbell", rpe, note))


def start_app(data: DataDir) -> tuple[subprocess.Popen, str]:
    config = data.root / "demo.toml"  # the samples are sets of 3 reps: make that the target
    config.write_text("[progression]\ntarget_reps = 3\n")
    app = ["app", "--no-browser", "--port", "0", "--data-dir", str(data.root)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "hipthrust_cam", *app, "--config", str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    return proc, re.search(r"http://\S+", line).group(0).rstrip("/")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    import imageio_ffmpeg
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        data = DataDir.resolve(Path(tmp) / "data")
        build_history(data)
        camera = Path(tmp) / "camera.mjpeg"
        subprocess.run(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                "-loglevel",
                "error",
                "-i",
                str(ROOT / "sample_videos" / "feet_too_far.mp4"),
                "-q:v",
                "3",
                "-f",
                "mjpeg",
                str(camera),
            ],
            check=True,
        )
        proc, url = start_app(data)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    args=[
                        *FLAGS,
                        "--use-fake-device-for-media-stream",
                        "--use-fake-ui-for-media-stream",
                        f"--use-file-for-fake-video-capture={camera}",
                    ],
                )
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                shoot(page, url, args.out)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    return 0


def shoot(page, url: str, out: Path) -> None:
    out.mkdir(exist_ok=True)
    page.goto(url + "/upload")
    page.set_input_files("#files", str(ROOT / "sample_videos" / "clean_left.mp4"))
    page.wait_for_function(
        "() => /Analysing [3-9]\\d%/.test(document.querySelector('#uploads').textContent)",
        timeout=240_000,
    )
    page.screenshot(path=str(out / "app-upload.png"))
    page.wait_for_url(re.compile(r"/sets/\d+$"), timeout=240_000)
    page.fill("input[name=load]", "60")
    page.select_option("select[name=equipment]", "barbell")
    page.fill("input[name=rpe]", "8.5")
    page.fill("textarea[name=note]", "Third clean set at 60 kg")
    page.click("text=Save notes")
    page.wait_for_selector(".flash")
    page.frame_locator("iframe#report").locator("article.rep").nth(2).wait_for()
    time.sleep(1.0)
    page.screenshot(path=str(out / "app-set.png"), full_page=False)
    page.goto(url + "/sets")
    page.screenshot(path=str(out / "app-sets.png"))
    page.goto(url + "/progress")
    page.screenshot(path=str(out / "app-progress.png"), full_page=True)
    page.goto(url + "/live")
    page.click("#start")
    page.wait_for_function(
        "() => document.getElementById('reps').textContent === '2' && "
        "!document.getElementById('cue').hidden",
        timeout=180_000,
    )
    page.screenshot(path=str(out / "app-live.png"))
    page.click("#end")
    page.wait_for_url(re.compile(r"/sets/\d+$"), timeout=120_000)
    print("wrote", ", ".join(sorted(p.name for p in out.glob("app-*.png"))))


if __name__ == "__main__":
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
    raise SystemExit(main())
