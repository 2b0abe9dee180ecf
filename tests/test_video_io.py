"""The annotated-video writer makes browser-playable H.264 with every frame."""

from __future__ import annotations

import subprocess

import cv2
import imageio_ffmpeg
import numpy as np

from hipthrust_cam.media.video import H264Writer


def _codec(path) -> str:
    probe = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        text=True,
    )
    return probe.stderr


def test_writer_makes_h264_with_every_frame_even_for_odd_sizes(tmp_path) -> None:
    path = tmp_path / "out.mp4"
    with H264Writer(path, (101, 75), 25.0) as writer:
        for i in range(30):
            writer.write(np.full((75, 101, 3), i * 8, np.uint8))
    info = _codec(path)
    assert "h264" in info and "yuv420p" in info
    cap = cv2.VideoCapture(str(path))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 30
    assert not list(tmp_path.glob(".*partial*"))


def test_no_frames_leaves_no_file(tmp_path) -> None:
    path = tmp_path / "out.mp4"
    with H264Writer(path, (64, 48), 30.0):
        pass
    assert not path.exists() and not list(tmp_path.iterdir())


def test_ctrl_c_while_a_frame_goes_to_the_encoder_keeps_the_frame_and_the_video(tmp_path) -> None:
    """The hand-off finishes before Ctrl-C is raised, so ffmpeg is never killed mid-file."""
    import os
    import signal

    import pytest

    image = np.full((48, 64, 3), 120, np.uint8)
    path = tmp_path / "v.mp4"
    with H264Writer(path, (64, 48), 10.0) as writer:
        real = writer._gen

        class CtrlCDuringSend:
            def send(self, frame: np.ndarray) -> None:
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C lands mid hand-off
                real.send(frame)

        writer._gen = CtrlCDuringSend()
        with pytest.raises(KeyboardInterrupt):
            writer.write(image)
        writer._gen = real
        for _ in range(4):
            writer.write(image)
    assert int(cv2.VideoCapture(str(path)).get(cv2.CAP_PROP_FRAME_COUNT)) == 5


def test_a_vanished_encoder_is_a_one_line_write_error(tmp_path) -> None:
    import pytest

    from hipthrust_cam.media.video import VideoWriteError

    with H264Writer(tmp_path / "v.mp4", (64, 48), 10.0) as writer:
        writer._gen.close()  # what an interrupt inside imageio-ffmpeg leaves behind
        with pytest.raises(VideoWriteError) as err:
            writer.write(np.zeros((48, 64, 3), np.uint8))
    assert "\n" not in str(err.value)
