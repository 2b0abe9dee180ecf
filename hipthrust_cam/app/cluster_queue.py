"""The upload queue's jobs run as Ray tasks (`hipthrust-cam app --ray [ADDRESS]`).

Inputs: the data folder, its `Store`, the `Config` and a `RayExecutor`. Outputs: the same as
the process-per-job queue (`jobs.JobScheduler`): finished run folders under `runs/` and their
set rows, failed jobs with a one-line reason, and each running job's progress in the database.
A task's run folder is published by this process (renamed into place, then recorded), so the
crash rules of `store.folders` hold unchanged; a task lost beyond Ray's retries counts as a
cut-off attempt, like a worker process that died.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from hipthrust_cam.app.cluster import RayExecutor, TaskLost, Ticket, import_ray, task_config
from hipthrust_cam.app.jobs import JobScheduler, fail_job
from hipthrust_cam.app.pipeline import RunSummary
from hipthrust_cam.config import Config
from hipthrust_cam.store.db import Store, StoreError
from hipthrust_cam.store.folders import new_set, settle_cut_off_job
from hipthrust_cam.store.layout import DataDir
from hipthrust_cam.store.records import JobRow

log = logging.getLogger(__name__)


class ProgressBoard:
    """How far each running task is (a Ray actor: tasks report, the driver takes)."""

    def __init__(self) -> None:
        self._seen: dict[int, float] = {}

    def report(self, key: int, fraction: float) -> None:
        """A task's latest fraction done, [0, 1]."""
        self._seen[key] = fraction

    def take(self) -> dict[int, float]:
        """The fractions reported since the last call."""
        seen, self._seen = self._seen, {}
        return seen


def progress_board() -> Any:
    """A new `ProgressBoard` actor on the connected cluster (it reserves no CPU)."""
    return import_ray().remote(num_cpus=0)(ProgressBoard).remote()


class RayJobScheduler(JobScheduler):
    """Starts queued jobs as Ray tasks, at most `max_jobs` at once (0: what the cluster runs).

    Args:
        data: The data folder.
        store: Its store.
        config: The config each job is analysed with (`pose.lanes` 0 runs one lane a task).
        max_jobs: Jobs at once (0: twice the tasks the cluster runs side by side).
        attempts: Times a job may be started before a lost task marks it failed.
        executor: The cluster to run on, already connected (its owner disconnects it).
    """

    def __init__(
        self,
        data: DataDir,
        store: Store,
        config: Config,
        max_jobs: int,
        attempts: int,
        executor: RayExecutor,
    ) -> None:
        super().__init__(data, store, task_config(config), max_jobs, attempts)
        self.executor = executor
        self._given_max = max_jobs
        self.tickets: dict[int, tuple[Ticket, JobRow]] = {}
        self._board: Any = None

    def start(self) -> None:
        """Sizes the queue to the cluster, then starts scheduling.

        Raises:
            ClusterError: `pose.lanes` asks more CPUs than any node has.
        """
        slots = self.executor.slots(self.config.pose.lanes)
        self.max_jobs = self._given_max or 2 * slots
        self._board = progress_board()
        super().start()

    def stop(self) -> None:
        """Puts the running jobs back in the queue (their tasks end as the executor disconnects)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        running = list(self.tickets.values())
        self.executor.abandon([ticket for ticket, _ in running])
        for _, job in running:
            with contextlib.suppress(StoreError):
                self.store.undo_claim(job.id)
        self.tickets.clear()

    def _reap(self) -> None:
        self._record_progress()
        by_ticket = {id(ticket): job for ticket, job in self.tickets.values()}
        tickets = [ticket for ticket, _ in self.tickets.values()]
        try:
            finished = self.executor.finished(tickets, timeout_s=0.0)
        except Exception as exc:  # the cluster is unreachable for now: look again next time
            log.warning("job queue: %s", exc)
            return
        for ticket in finished:
            job = by_ticket[id(ticket)]
            del self.tickets[job.id]
            self._settle(job, self.executor.collect(ticket))

    def _settle(self, job: JobRow, outcome: RunSummary | BaseException) -> None:
        """Records a finished task: the set, a failed job, or a cut-off attempt."""
        if isinstance(outcome, RunSummary):
            done = new_set(outcome.out_dir, "upload", job.name, job.performed_at)
            self.store.finish_job(job.id, done)
            job.upload.unlink(missing_ok=True)
        elif isinstance(outcome, TaskLost):
            log.warning("%s", outcome)
            why = "its Ray task was lost on every attempt"
            log.warning("%s", settle_cut_off_job(self.store, job, self.attempts, why))
        else:
            fail_job(self.store, job, outcome)

    def _record_progress(self) -> None:
        if self._board is None or not self.tickets:
            return
        ray = import_ray()
        try:
            seen = ray.get(self._board.take.remote(), timeout=5.0)
        except ray.exceptions.RayError as exc:  # the board is not essential: runs go on
            log.warning("job progress: %s", exc)
            return
        for job_id, fraction in seen.items():
            if job_id in self.tickets:
                self.store.job_progress(job_id, 0.98 * fraction)

    def _fill(self) -> None:
        while len(self.tickets) < self.max_jobs and not self._stop.is_set():
            job = self.store.claim_job(self._run_dir)
            if job is None or job.run_dir is None:
                return
            try:
                ticket = self.executor.submit(
                    job.upload,
                    job.run_dir,
                    self.config,
                    video_out=True,
                    label=job.name,
                    board=self._board,
                    key=job.id,
                )
            except Exception as exc:  # e.g. SourceError: the upload cannot be read
                fail_job(self.store, job, exc)
                continue
            self.tickets[job.id] = (ticket, job)
