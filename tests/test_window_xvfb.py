"""A real OpenCV window under a virtual X server (Xvfb): the live overlay is on screen.

Needs `Xvfb` and ImageMagick's `import` (Debian: `apt-get install xvfb xauth imagemagick`);
skips with the reason when they are absent. Set HIPTHRUST_SCREENSHOT=path.png to keep the
screenshot that showed the overlay.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import MODEL, ROOT, SAMPLES

from hipthrust_cam.drawing import OverlayStyle
from hipthrust_cam.window import check_display

SAMPLE = SAMPLES / "clean_left.mp4"


def _free_display() -> int:
    for n in range(99, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    pytest.skip("no free X display number for Xvfb")


@pytest.fixture(scope="module")
def xvfb():
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb xauth)")
    n = _free_display()
    proc = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10.0
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.skip("Xvfb did not start")
        time.sleep(0.05)
    env = {**os.environ, "DISPLAY": f":{n}", "QT_QPA_PLATFORM": "xcb"}
    yield env
    proc.terminate()
    proc.wait(timeout=10)


def _screenshot(env: dict, path: Path) -> np.ndarray | None:
    if shutil.which("import") is None:
        pytest.skip("ImageMagick's `import` is not installed (apt-get install imagemagick)")
    subprocess.run(
        ["import", "-window", "root", str(path)],
        env=env,
        timeout=20,
        check=False,
        capture_output=True,
    )
    return cv2.imread(str(path)) if path.is_file() else None


def _pixels_near(image: np.ndarray, bgr: tuple[int, int, int], tol: int = 12) -> int:
    diff = np.abs(image.astype(np.int16) - np.array(bgr, np.int16)).max(axis=2)
    return int((diff <= tol).sum())


def test_display_probe_finds_the_virtual_screen(xvfb) -> None:
    check_display(xvfb)


def test_live_window_shows_the_overlay(xvfb, tmp_path) -> None:
    if not SAMPLE.is_file() or SAMPLE.stat().st_size < 1000 or not MODEL.is_file():
        pytest.skip(f"the bundled sample {SAMPLE.name} or the pose model is missing")
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hipthrust_cam", "live", "--source", str(SAMPLE), "--out",
         str(out)],
        cwd=ROOT, env=xvfb, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    style = OverlayStyle()
    shots: list[tuple[int, int, Path]] = []
    try:
        for line in proc.stderr:  # Qt may say a word first
            if "live from" in line:
                break
        for i in range(60):
            if proc.poll() is not None:
                break
            shot = tmp_path / f"screen_{i:02d}.png"
            image = _screenshot(xvfb, shot)
            if image is not None:  # the cue banner and the joints have colours of their own
                shots.append(
                    (_pixels_near(image, style.cue_bg), _pixels_near(image, style.joint), shot)
                )
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert max(joints for _, joints, _ in shots) > 50, "no screenshot showed the skeleton"
    assert max(cue for cue, _, _ in shots) > 500, "no screenshot showed a cue"
    best = max(shots, key=lambda s: (min(s[0], 10 * s[1]), s[0]))
    keep = os.environ.get("HIPTHRUST_SCREENSHOT")
    if keep:
        shutil.copy(best[2], keep)
    report = json.loads((out / "report.json").read_text())
    assert report["rep_count"] >= 1
    assert report["live"]["latency_ms"]["p95"] is not None
    assert "latency frame -> screen" in stdout


def test_window_opens_shows_and_closes(xvfb) -> None:
    code = (
        "import numpy as np\n"
        "from hipthrust_cam.window import CvWindow\n"
        "with CvWindow('t') as w:\n"
        "    w.show(np.full((120, 160, 3), 128, np.uint8))\n"
        "    print(w.poll_key(50), w.is_open())\n"
        "print(w.is_open())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=xvfb, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["-1", "True", "False"]
