"""The core (pure computation) never imports cv2 or mediapipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CORE = (
    "hipthrust_cam.datatypes",
    "hipthrust_cam.config",
    "hipthrust_cam.analysis.geometry",
    "hipthrust_cam.analysis.filters",
    "hipthrust_cam.analysis.features",
    "hipthrust_cam.analysis.reps",
    "hipthrust_cam.analysis.measures",
    "hipthrust_cam.analysis.faults",
    "hipthrust_cam.analysis.cues",
    "hipthrust_cam.analysis.framing",
    "hipthrust_cam.analysis.analyzer",
    "hipthrust_cam.pose.keypoints",
    "hipthrust_cam.atomic",
    "hipthrust_cam.analysis.silhouette",
    "hipthrust_cam.report.tables",
    "hipthrust_cam.report.plot",
    "hipthrust_cam.report.page",
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
