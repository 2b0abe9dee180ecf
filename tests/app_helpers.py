"""Shared helpers of the web app's tests: real run folders from golden keypoints, a store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import GOLDEN

from hipthrust_cam.app.runs import reanalyse_keypoints
from hipthrust_cam.config import Config
from hipthrust_cam.store.db import Store
from hipthrust_cam.store.layout import DataDir


def make_run(out: Path, sample: str = "clean_left") -> Path:
    """A real run folder: the sample's golden keypoints through the analyzer (no pose model)."""
    reanalyse_keypoints(GOLDEN / f"{sample}.keypoints.npz", out, Config())
    return out


def data_dir(root: Path) -> tuple[DataDir, Store]:
    data = DataDir.resolve(root).ensure()
    return data, Store.open(data.db)


def report_of(run: Path) -> dict[str, Any]:
    return json.loads((run / "report.json").read_text())
