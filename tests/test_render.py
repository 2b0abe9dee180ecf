"""The sample-video renderer: deterministic video bytes and a truth file that matches them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("cv2")
imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
pytest.importorskip("skimage")

from hipthrust_cam.synth import SetSpec, simulate  # noqa: E402
from hipthrust_cam.synth.render import frames, render  # noqa: E402

TINY = SetSpec(reps=1, setup_s=0.4, concentric_s=0.5, pause_s=0.4, eccentric_s=0.5, tail_s=0.33,
               width=320, height=180, fps=30.0, shake_px=2.0, seed=5)  # fmt: skip


def _decode(path: Path) -> np.ndarray:
    gen = imageio_ffmpeg.read_frames(str(path), pix_fmt="bgr24")
    meta = next(gen)
    w, h = meta["size"]
    return np.stack([np.frombuffer(b, np.uint8).reshape(h, w, 3) for b in gen])


def test_render_is_deterministic_and_truth_matches(tmp_path: Path) -> None:
    a_mp4, a_json = tmp_path / "a.mp4", tmp_path / "a.truth.json"
    b_mp4, b_json = tmp_path / "b.mp4", tmp_path / "b.truth.json"
    sim = render(TINY, a_mp4, a_json)
    render(TINY, b_mp4, b_json)
    assert a_mp4.read_bytes() == b_mp4.read_bytes()
    truth = json.loads(a_json.read_text())
    assert truth == json.loads(json.dumps(simulate(TINY).truth))
    assert truth["rep_count"] == 1 and truth["frames"] == len(sim.t_s)
    video = _decode(a_mp4)
    assert video.shape == (len(sim.t_s), 180, 320, 3)


def test_frames_show_the_lifter_moving(tmp_path: Path) -> None:
    sim = simulate(TINY)
    imgs = list(frames(sim))
    rep = sim.truth["reps"][0]
    bottom = int(np.argmin(np.abs(sim.t_s - rep["start_s"])))
    top = int(np.argmin(np.abs(sim.t_s - rep["lockout_start_s"])))
    assert np.abs(imgs[top].astype(int) - imgs[bottom]).mean() > 3  # the hips moved
    assert not np.array_equal(imgs[0], imgs[1])  # the camera shakes
    again = list(frames(sim))
    assert all(np.array_equal(x, y) for x, y in zip(imgs, again, strict=True))
    # The near hip is drawn: the pixel at the rendered hip joint is not background.
    hip = np.round(sim.joints["hip"][bottom]).astype(int)
    assert not np.array_equal(imgs[bottom][hip[1], hip[0]], imgs[bottom][5, 5])


SAMPLES_DIR = Path(__file__).resolve().parent.parent / "sample_videos"


def _spec(truth: dict) -> SetSpec:
    return SetSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in truth["spec"].items()})


def test_committed_truth_files_match_the_generator() -> None:
    from hipthrust_cam.synth.__main__ import SAMPLES

    for name, (_, spec) in SAMPLES.items():
        path = SAMPLES_DIR / f"{name}.truth.json"
        if not path.is_file():
            pytest.skip(f"{path} not present (rebuild with python -m hipthrust_cam.synth)")
        truth = json.loads(path.read_text())
        assert _spec(truth) == spec
        assert truth == json.loads(json.dumps(simulate(spec).truth)), name


def test_rebuilding_a_committed_sample_gives_the_same_bytes(tmp_path: Path) -> None:
    from hipthrust_cam.synth.__main__ import main

    committed = SAMPLES_DIR / "rushed_no_pause.mp4"
    if not committed.is_file():
        pytest.skip(f"{committed} not present")
    assert main(["rushed_no_pause", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "rushed_no_pause.mp4").read_bytes() == committed.read_bytes()


def test_unknown_sample_name_is_an_error() -> None:
    from hipthrust_cam.synth.__main__ import main

    with pytest.raises(SystemExit):
        main(["no_such_sample"])
