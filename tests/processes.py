"""Waiting on a real `hipthrust-cam` process for what it does, never for a guessed time."""

from __future__ import annotations

import os
import select
import subprocess
import time
from pathlib import Path


def wait_for_video_data(proc: subprocess.Popen, video: Path, timeout_s: float = 60.0) -> None:
    """Returns once the run has handed its encoder a frame: the run is under way.

    ffmpeg creates its output and writes the MP4 header (48 bytes) only once the first frame has
    reached it, and the run encodes a frame only after analysing it.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if video.stat().st_size > 0:
                return
        except FileNotFoundError:
            pass
        assert proc.poll() is None, f"the run ended before writing frames to {video.name}"
        assert time.monotonic() < deadline, f"no frames in {video} after {timeout_s} s"
        time.sleep(0.02)


def read_stderr_until(proc: subprocess.Popen, text: str, timeout_s: float = 60.0) -> str:
    """Reads the process's stderr until `text` appears; returns all that was read.

    Reads the pipe itself (not its text wrapper, which would keep what it read ahead from a later
    `communicate()`): prepend the result to the stderr that `communicate()` returns.
    """
    fd = proc.stderr.fileno()
    seen = b""
    deadline = time.monotonic() + timeout_s
    while text.encode() not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{text!r} not on stderr after {timeout_s} s: {seen.decode()!r}"
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 4096)
            assert chunk, f"stderr closed before {text!r}: {seen.decode()!r}"
            seen += chunk
    return seen.decode()
