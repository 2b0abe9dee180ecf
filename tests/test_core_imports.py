"""The core (pure computation) never imports cv2 or mediapipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CORE = (
    "hipthrust_cam.types",
    "hipthrust_cam.config",
    "hipthrust_cam.geometry",
    "hipthrust_cam.filters",
    "hipthrust_cam.features",
    "hipthrust_cam.reps",
    "hipthrust_cam.measures",
    "hipthrust_cam.faults",
    "hipthrust_cam.cues",
    "hipthrust_cam.setup",
    "hipthrust_cam.analyzer",
    "hipthrust_cam.keypoints_io",
    "hipthrust_cam.atomic",
    "hipthrust_cam.silhouette",
    "hipthrust_cam.report",
    "hipthrust_cam.report_plot",
    "hipthrust_cam.report_page",
)
ROOT = Path(__file__).resolve().parent.parent


def test_core_modules_leave_cv2_and_mediapipe_unimported() -> None:
    code = (
        "import sys\n"
        f"for name in {CORE!r}:\n"
        "    __import__(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('cv2', 'mediapipe'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"the core imported {done.stdout.strip()}"


def test_core_sources_do_not_mention_the_adapters() -> None:
    for name in CORE:
        source = (ROOT / (name.replace(".", "/") + ".py")).read_text()
        for banned in ("import cv2", "import mediapipe", "from mediapipe", "from cv2"):
            assert banned not in source, f"{name} contains {banned!r}"
