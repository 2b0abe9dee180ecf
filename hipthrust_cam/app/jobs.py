"""The upload queue's worker side: one analysis process per job, at most one job per core.

Inputs: the data folder, its `Store` and the `Config`. Outputs: finished run folders under
`runs/` and their set rows, or failed jobs with a one-line reason. Each job runs
`runs.analyze_video` in its own process (MediaPipe and the encoder keep a core busy each), writes
into a hidden partial folder, renames it when complete and then records the set, so a crash
never leaves half a run listed (see `store.folders`). The job's progress goes through the
database, where the web page reads it. A worker whose server is gone stops at the next frame.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.process import BaseProcess
from pathlib import Path

from hipthrust_cam.config import Config
from hipthrust_cam.store.db import Store, StoreError
from hipthrust_cam.store.folders import (
    new_set,
    partial_dir,
    publish,
    run_dir_for,
    settle_cut_off_job,
)
from hipthrust_cam.store.layout import DataDir
from hipthrust_cam.store.records import JobRow

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.25


class ServerGone(Exception):
    """The server that started this job has stopped: the job is abandoned, not finished."""


def _one_line(text: object, upload: Path, name: str) -> str:
    """An error as one line, naming the user's file instead of its place in the queue."""
    return " ".join(str(text).replace(str(upload), name).split())


def _progress(store: Store, job_id: int, parent: int) -> Callable[[int], Callable[[int], None]]:
    """A per-frame callback writing the job's progress (and noticing a vanished server)."""

    def start(total: int) -> Callable[[int], None]:
        last = [0.0]

        def frame(index: int) -> None:
            if os.getppid() != parent:
                raise ServerGone
            now = time.monotonic()
            if total > 0 and now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                store.job_progress(job_id, 0.98 * (index + 1) / total)

        return frame

    return start


def run_job(root: str, job_id: int, config: Config) -> None:
    """Analyses one claimed job (the worker process's entry point).

    A bad video fails the job with its reason; the server's own Ctrl-C is not the worker's to
    handle (the server puts the job back in the queue).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from hipthrust_cam.app.runs import analyze_video

    store = Store(DataDir(Path(root)).db)
    job = store.get_job(job_id)
    if job is None or job.state != "running" or job.run_dir is None:
        return
    partial = partial_dir(job.run_dir)
    shutil.rmtree(partial, ignore_errors=True)
    parent = os.getppid()
    progress = _progress(store, job_id, parent)
    try:
        summary = analyze_video(job.upload, partial, config, progress=progress)
        if summary.interrupted:
            raise ServerGone
        _name_source(partial, job.name)
        publish(partial, job.run_dir)
        store.finish_job(job_id, new_set(job.run_dir, "upload", job.name, job.performed_at))
    except Exception as exc:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(exc, ServerGone) or os.getppid() != parent:
            return  # abandoned, not failed: the next start of the app does the job again
        fail_job(store, job, exc)
        return
    job.upload.unlink(missing_ok=True)


def _name_source(run_dir: Path, name: str) -> None:
    """The report names the video as the user knows it, not its place in the queue."""
    import json

    from hipthrust_cam.report.files import rerender, write_atomic

    path = run_dir / "report.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    report["source"].update(path=name, name=name)
    write_atomic(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    rerender(run_dir)


def fail_job(store: Store, job: JobRow, exc: BaseException) -> None:
    """Marks a job failed with its error in one line (naming the user's file); drops its upload."""
    from hipthrust_cam.media.sources import SourceError
    from hipthrust_cam.media.video import VideoWriteError
    from hipthrust_cam.pose.blazepose import PoseError

    if isinstance(exc, (SourceError, VideoWriteError, PoseError, OSError, StoreError)):
        message = _one_line(exc, job.upload, job.name)
    else:
        log.error("job %d failed", job.id, exc_info=exc)
        message = f"internal error: {type(exc).__name__}: {_one_line(exc, job.upload, job.name)}"
    with contextlib.suppress(StoreError, OSError):
        store.end_job(job.id, "failed", message)
    job.upload.unlink(missing_ok=True)


class JobScheduler:
    """Starts queued jobs in worker processes, at most `max_jobs` at once, and reaps them.

    Args:
        data: The data folder.
        store: Its store.
        config: The config each job is analysed with.
        max_jobs: Jobs at once (0: one per core).
        attempts: Times a job may be started before a crash marks it failed.
    """

    def __init__(
        self, data: DataDir, store: Store, config: Config, max_jobs: int, attempts: int
    ) -> None:
        self.data, self.store, self.config, self.attempts = data, store, config, attempts
        self.cores = os.cpu_count() or 1
        self.max_jobs = max_jobs if max_jobs > 0 else self.cores
        self.running: dict[int, tuple[BaseProcess, int]] = {}  # job id -> (process, lanes)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Starts the scheduling thread."""
        self._thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Stops the workers and puts their jobs back in the queue (done again next start)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for job_id, (proc, _) in list(self.running.items()):
            proc.terminate()
            proc.join(timeout=10)
            job = self.store.get_job(job_id)
            if job is not None and job.state == "running":
                if job.run_dir is not None:
                    shutil.rmtree(partial_dir(job.run_dir), ignore_errors=True)
                self.store.undo_claim(job_id)
        self.running.clear()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._reap()
                self._fill()
            except (StoreError, OSError) as exc:  # e.g. a full disk: try again later
                log.warning("job queue: %s", exc)
            self._wake.wait(0.5)
            self._wake.clear()

    def _reap(self) -> None:
        for job_id, (proc, _) in list(self.running.items()):
            if proc.is_alive():
                continue
            proc.join()
            del self.running[job_id]
            job = self.store.get_job(job_id)
            if job is not None and job.state == "running":  # the worker died mid-job
                self._cut_off(job, proc.exitcode)

    def _cut_off(self, job: JobRow, exitcode: int | None) -> None:
        why = f"worker exit code {exitcode}"
        log.warning("%s", settle_cut_off_job(self.store, job, self.attempts, why))

    def _run_dir(self, job_id: int, name: str) -> Path:
        return run_dir_for(self.data, name, f"u{job_id}")

    def _fill(self) -> None:
        while len(self.running) < self.max_jobs and not self._stop.is_set():
            queued = len(self.store.jobs(("queued",)))
            if queued == 0:
                return
            free = max(1, self.cores - sum(lanes for _, lanes in self.running.values()))
            lanes = self.config.pose.lanes or max(1, free // max(1, min(queued, free)))
            job = self.store.claim_job(self._run_dir)
            if job is None:
                return
            config = replace(self.config, pose=replace(self.config.pose, lanes=lanes))
            context = multiprocessing.get_context("spawn")  # MediaPipe's threads do not fork
            proc = context.Process(
                target=run_job, args=(str(self.data.root), job.id, config), name=f"job-{job.id}"
            )
            proc.start()
            self.running[job.id] = (proc, lanes)
