"""Analysing several videos at once: one worker process per core.

Inputs: (video, run folder) jobs and a `Config`. Outputs: each job's `RunSummary`, or the
exception that stopped it, as the jobs finish. Each worker runs the whole single-video path
(`runs.analyze_video`). The cores go to files first: with the default `pose.lanes = 0`, each
worker gets `cores // workers` lanes, so on a 2-core machine two files run side by side with
one tracker each (a file analysed alone would get two lanes; its poses then differ by pixel
noise after the seam, see `lanes`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import replace
from pathlib import Path
from typing import Any

from hipthrust_cam.app.pipeline import RunSummary
from hipthrust_cam.config import Config


def _analyze_one(video: Path, out_dir: Path, config: Config, video_out: bool) -> RunSummary:
    from hipthrust_cam.app.runs import analyze_video

    return analyze_video(video, out_dir, config, video_out=video_out)


def lanes_each(config: Config, workers: int) -> Config:
    """`config` with the cores shared out: `pose.lanes` 0 (auto) becomes cores // workers."""
    if config.pose.lanes > 0:
        return config
    lanes = max(1, (os.cpu_count() or 1) // max(1, workers))
    return replace(config, pose=replace(config.pose, lanes=lanes))


def default_workers(jobs: int) -> int:
    """As many workers as cores, never more than jobs."""
    return max(1, min(jobs, os.cpu_count() or 1))


def analyze_batch(
    jobs: list[tuple[Path, Path]], config: Config, *, video_out: bool, workers: int
) -> Iterator[tuple[Path, RunSummary | BaseException]]:
    """Yields (video, RunSummary or exception) for each job, in the order they finish.

    A first Ctrl-C reaches the workers too: each writes what it measured, marked partial, and
    is still yielded here; a second Ctrl-C ends the process (see `cli`).
    """
    config = lanes_each(config, workers)
    context = multiprocessing.get_context("spawn")  # MediaPipe's threads do not survive fork
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: dict[Future[Any], Path] = {
            pool.submit(_analyze_one, video, out, config, video_out): video for video, out in jobs
        }
        while pending:
            try:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                for future in pending:
                    future.cancel()  # not started yet: never started
                continue
            for future in done:
                video = pending.pop(future)
                if future.cancelled():
                    continue
                error = future.exception()
                yield video, error if error is not None else future.result()
