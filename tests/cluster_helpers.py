"""Finding and killing a Ray worker mid-task, by what it does (never by a guessed time)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from hipthrust_cam.app.cluster_task import TEMP_PREFIX  # where a task copies its video


def _open_files(pid: str) -> list[str]:
    try:
        fds = list(Path("/proc", pid, "fd").iterdir())
    except OSError:  # gone, or not ours to read
        return []
    found = []
    for fd in fds:
        try:
            found.append(os.readlink(fd))
        except OSError:
            continue
    return found


def worker_reading(name: str, timeout_s: float = 120.0) -> tuple[int, Path]:
    """(pid, temp folder) of the Ray worker that holds its copy of the video `name` open.

    A task copies the video's bytes into its own `hipthrust-ray-*` temp folder and decodes it
    from there, so the process with that file open is the worker running that very task.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            for target in _open_files(proc.name):
                path = Path(target)
                if path.name == name and path.parent.name.startswith(TEMP_PREFIX):
                    return int(proc.name), path.parent
        assert time.monotonic() < deadline, f"no Ray worker opened {name} in {timeout_s} s"
        time.sleep(0.05)


def wait_for_frames(video: Path, timeout_s: float = 120.0) -> None:
    """Returns once the task's encoder holds analysed frames: the task is under way.

    The encoder writes `.NAME.partial.mp4` and renames it to `video` at the end of the run, so
    the partial file is what shows a task mid-way (the finished file: too late for a kill).
    """
    deadline = time.monotonic() + timeout_s
    partial = video.with_name(f".{video.stem}.partial.mp4")
    while not any(f.is_file() and f.stat().st_size > 0 for f in (partial, video)):
        assert time.monotonic() < deadline, f"no frames in {video} after {timeout_s} s"
        time.sleep(0.05)


def kill_worker(pid: int) -> None:
    """Kills a Ray worker process at once (SIGKILL: a lost worker, as when a node dies)."""
    title = Path("/proc", str(pid), "cmdline").read_bytes().decode(errors="replace")
    assert title.startswith("ray::"), f"pid {pid} is not a Ray worker: {title[:80]!r}"
    os.kill(pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    """Whether the process still runs (a zombie counts as ended)."""
    try:
        state = Path("/proc", str(pid), "stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"
