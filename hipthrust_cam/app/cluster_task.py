"""The body of a Ray task: one video analysed on a worker, its run folder sent back.

Inputs: the video's bytes (or its path on a shared file system), the user's name for it, a
`Config`. Outputs: a `TaskResult` with the run folder's files (or the partial folder it wrote
on the shared file system), or a `TaskFailure` with the error, messages naming the user's path.
Runs on the cluster's workers, where `cluster.RayExecutor` sends it; imports no Ray itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from hipthrust_cam.config import Config

PROGRESS_EVERY_S = 0.25
"""How often a task reports how far it is, at most (seconds)."""


@dataclass(frozen=True)
class TaskResult:
    """What a task sends back for a finished run.

    Attributes:
        report: The report.json dict.
        frames: Frames analysed.
        interrupted: Whether the run was cut short (its report is marked partial).
        listed: The run's files as `RunSummary.files` lists them, relative POSIX paths.
        files: Every file of the run folder, relative POSIX path -> bytes (empty when shared).
        partial: The partial folder the worker wrote on a shared file system, else None.
        warnings: The run's warnings, naming the user's path.
    """

    report: dict[str, Any]
    frames: int
    interrupted: bool
    listed: list[str]
    files: dict[str, bytes]
    partial: str | None
    warnings: list[str]


@dataclass(frozen=True)
class TaskFailure:
    """What a task sends back for a video it could not analyse (`error` names the user's path)."""

    error: BaseException
    warnings: list[str]


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _warnings_kept() -> Iterator[list[str]]:
    """Collects the package's warnings, which the driver prints (a worker's stderr is not)."""
    handler = _Kept()
    logger = logging.getLogger("hipthrust_cam")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def relabel(exc: BaseException, path: str, label: str) -> BaseException:
    """`exc` of the same type, its message naming `label` where it named `path`."""
    if path == label or path not in str(exc):
        return exc
    try:
        if isinstance(exc, OSError) and exc.errno is not None:
            name = str(exc.filename).replace(path, label) if exc.filename else None
            return type(exc)(exc.errno, exc.strerror, name)
        return type(exc)(str(exc).replace(path, label))
    except Exception:  # a type whose constructor takes other arguments: keep it as it is
        return exc


def _run_files(run_dir: Path) -> dict[str, bytes]:
    return {
        p.relative_to(run_dir).as_posix(): p.read_bytes()
        for p in sorted(run_dir.rglob("*"))
        if p.is_file()
    }


TEMP_PREFIX = "hipthrust-ray-"
"""Each task works in `hipthrust-ray-PID-*` in the worker's temp folder."""


def _sweep_lost_attempts(root: Path) -> None:
    """Removes the temp folders of tasks whose worker process is gone (killed mid-task)."""
    for folder in root.glob(f"{TEMP_PREFIX}*-*"):
        pid = folder.name.removeprefix(TEMP_PREFIX).split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive, under another user
            continue


def _progress(board: Any, key: int) -> Callable[[int], Callable[[int], None]] | None:
    """Per-frame progress sent to the driver's progress board (a Ray actor), if it has one."""
    if board is None:
        return None

    def start(total: int) -> Callable[[int], None]:
        last = [0.0]

        def frame(index: int) -> None:
            now = time.monotonic()
            if total > 0 and now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                board.report.remote(key, (index + 1) / total)

        return frame

    return start


def run_task(
    source: bytes | str,
    label: str,
    config: Config,
    video_out: bool,
    partial: str | None,
    board: Any = None,
    key: int = 0,
) -> TaskResult | TaskFailure:
    """Analyses one video on a Ray worker (the body of every task).

    Args:
        source: The video's bytes, or its path on a shared file system.
        label: The video's path as the user gave it (reports and messages name it).
        config: The effective config (`pose.lanes` set).
        video_out: Whether to write `annotated.mp4`.
        partial: On a shared file system, the partial folders' prefix beside the run folder.
        board: A progress board (`cluster_queue.ProgressBoard` actor) told how far the run is.
        key: This run's key on the board.
    """
    from hipthrust_cam.app.runs import analyze_video

    _sweep_lost_attempts(Path(tempfile.gettempdir()))
    prefix = f"{TEMP_PREFIX}{os.getpid()}-"
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, _warnings_kept() as kept:
        if isinstance(source, str):
            video = Path(source)
        else:
            video = Path(tmp) / (PurePosixPath(label).name or "video")
            video.write_bytes(source)
        out = Path(f"{partial}-{uuid.uuid4().hex[:8]}") if partial else Path(tmp) / "run"
        try:
            summary = analyze_video(
                video, out, config, video_out=video_out, label=label, progress=_progress(board, key)
            )
        except Exception as exc:
            if partial:
                shutil.rmtree(out, ignore_errors=True)
            warnings = [w.replace(str(video), label) for w in kept]
            return TaskFailure(relabel(exc, str(video), label), warnings)
        if summary.interrupted:  # only a stop of this worker interrupts a task: not wanted
            shutil.rmtree(out, ignore_errors=True)
            raise KeyboardInterrupt
        listed = [p.relative_to(out).as_posix() for p in summary.files]
        files = {} if partial else _run_files(out)
        warnings = [w.replace(str(video), label) for w in kept]
        where = str(out) if partial else None
        return TaskResult(
            summary.report, summary.frames, summary.interrupted, listed, files, where, warnings
        )
