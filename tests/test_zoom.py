"""A lifter small in the frame is found and tracked in a region around them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from hipthrust_cam.pose.zoom import SEARCH_EVERY_S, Zoom, region_around, tiles

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_videos" / "clean_left.mp4"
HD = (1920, 1080)


def lifter(x0: float, y0: float, w: float, h: float) -> np.ndarray:
    """33 landmarks spread over a box, px."""
    rng = np.random.default_rng(1)
    return np.column_stack([rng.uniform(x0, x0 + w, 33), rng.uniform(y0, y0 + h, 33)])


def test_a_region_keeps_the_frames_shape_fits_inside_it_and_is_filled_by_a_third() -> None:
    box = (900.0, 600.0, 1090.0, 660.0)  # a lifter a tenth of the frame wide
    r = region_around(box, HD)
    w, h = r.size
    assert abs(w / h - 16 / 9) < 0.01
    assert 0 <= r.x0 <= 900 and r.x1 >= 1090 and 0 <= r.y0 <= 600 and r.y1 <= 1080
    assert max(190 / w, 60 / h) == pytest.approx(0.33, abs=0.02)


def test_a_region_near_the_border_moves_inside_the_frame() -> None:
    r = region_around((1850.0, 1000.0, 1915.0, 1075.0), HD)
    assert r.x1 == 1920 and r.y1 == 1080 and r.x0 >= 0


def test_the_search_tiles_cover_the_frame_with_overlap() -> None:
    found = tiles(HD, 0.5)
    assert len(found) == 9
    covered = np.zeros((HD[1], HD[0]), bool)
    for t in found:
        covered[t.y0 : t.y1, t.x0 : t.x1] = True
    assert covered.all()


def test_a_small_lifter_gets_a_region_and_a_big_one_does_not() -> None:
    zoom = Zoom(HD)
    assert not zoom.update(0.0, lifter(100, 100, 1200, 500)) and zoom.region is None
    assert not zoom.update(0.1, lifter(900, 600, 190, 60))
    assert zoom.region is not None


def test_nobody_seen_is_searched_for_at_most_every_few_seconds() -> None:
    zoom = Zoom(HD)
    due = [zoom.update(t, None) for t in np.arange(0.0, 5.0, 0.1)]
    assert sum(due) == int(5.0 // SEARCH_EVERY_S) + 1


def test_a_lifter_drifting_to_the_edge_of_the_region_moves_it() -> None:
    zoom = Zoom(HD)
    zoom.found((900.0, 600.0, 1090.0, 660.0))
    first = zoom.region
    zoom.update(0.0, lifter(1150, 600, 190, 60))  # walked along the bench
    assert zoom.region != first
    assert zoom.region is not None and zoom.region.x1 >= 1340


@pytest.mark.slow
def test_a_lifter_a_tenth_of_the_frame_wide_is_counted(tmp_path: Path) -> None:
    """The bundled sample shrunk to a third and placed in a 1920x1080 frame of grey."""
    import imageio_ffmpeg

    from hipthrust_cam.cli import main

    small = tmp_path / "far_away.mp4"
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(SAMPLE), "-vf",
           "scale=iw/3:-2,pad=1920:1080:900:600:color=gray", "-c:v", "libx264", "-crf", "18",
           "-pix_fmt", "yuv420p", str(small)]  # fmt: skip
    subprocess.run(cmd, check=True)
    assert main(["analyze", str(small), "--no-video", "--out", str(tmp_path / "run")]) == 0
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    truth = json.loads(SAMPLE.with_suffix("").with_suffix(".truth.json").read_text())
    assert report["rep_count"] == truth["rep_count"]
    assert report["summary"]["clean_reps"] == truth["rep_count"]
