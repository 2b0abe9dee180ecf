"""Analysing videos on a Ray cluster: one Ray task per video, asking a CPU per pose lane.

Inputs: (video, run folder) jobs, a `Config` and a cluster address (none: a local Ray instance
on this machine). Outputs: each job's `RunSummary`, or the exception that stopped it, as the
tasks finish; each run folder appears whole in its place or not at all.

How files travel. By default no file system is assumed shared: the driver puts each video's
bytes in Ray's object store, a worker analyses a copy in a temp folder and returns the run
folder's files, and the driver writes them into a hidden partial folder beside the run folder,
then renames it into place. With `shared_fs` the videos and run folders are at the same paths on
every node: the worker reads the video where it is and writes a hidden partial folder beside the
run folder, which the driver renames into place. Only the driver publishes, once per video, so a
task that Ray runs again after losing its worker never leaves a duplicate, and the partial
folders of lost or cancelled attempts are removed.

Ray is an optional extra (`pip install -e ".[cluster]"`), imported only here and only when a
cluster is asked for.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import uuid
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

from hipthrust_cam.app.cluster_task import TaskFailure, TaskResult, run_task
from hipthrust_cam.app.pipeline import RunSummary
from hipthrust_cam.atomic import atomic_open
from hipthrust_cam.config import Config

log = logging.getLogger(__name__)

INSTALL_HINT = (
    '--ray needs Ray, which is not installed: pip install -c constraints.txt -e ".[cluster]" '
    "(in the hipthrust-cam folder)"
)
RETRIES = 3
"""Times Ray runs a task again after losing its worker or node (Ray's own default)."""
CONNECT_TIMEOUT_S = 5.0
"""How long the cluster's address may take to accept a connection (Ray itself retries for
minutes, so an unreachable address is checked here first)."""
WINDOW_BYTES = 2 << 30
"""Video bytes in the object store at once, at most (a larger video still goes, alone)."""
PARTIAL = ".partial-"
RUN_ITEMS = frozenset(
    {
        "report.json",
        "reps.csv",
        "timeline.csv",
        "report.html",
        "annotated.mp4",
        "keypoints.npz",
        "thumbnails",
    }
)
"""What a run writes: a folder replaced by a new run keeps every other file it held."""


_NAMES = {
    "": "a local Ray instance",
    "local": "a local Ray instance",
    "auto": "the Ray cluster started on this machine",
}


class ClusterError(Exception):
    """A cluster that cannot be used: Ray missing, a bad or unreachable address (one line)."""


class TaskLost(Exception):
    """A video whose task failed on the cluster for good (its worker lost on every attempt)."""


def import_ray() -> Any:
    """The `ray` module.

    Raises:
        ClusterError: Ray is not installed (the message says how to install it).
    """
    try:
        import ray
    except ImportError as exc:
        raise ClusterError(INSTALL_HINT) from exc
    return ray


def check_address(address: str | None) -> str:
    """The address for `ray.init`, checked.

    None (or "local") starts a new local instance; "auto" joins the cluster that `ray start`
    began on this machine; HOST:PORT is a cluster's head, which must accept a connection.

    Raises:
        ClusterError: A malformed address, a Ray Client address, or nothing listening there.
    """
    if not address or address in ("local", "auto"):
        return address or "local"  # "local": never a stale cluster Ray remembers
    if address.startswith("ray://"):
        raise ClusterError(
            f"--ray {address}: Ray Client addresses are not supported; run hipthrust-cam on a "
            "node of the cluster (one that ran `ray start`) with --ray HEAD:PORT or --ray auto"
        )
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ClusterError(
            f"--ray {address}: give the cluster's address as HOST:PORT (as `ray start --head` "
            "prints it), or auto"
        )
    try:
        with socket.create_connection((host.strip("[]"), int(port)), CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise ClusterError(
            f"cannot reach a Ray cluster at {address} ({why}): start one there with "
            "`ray start --head`, or check the address"
        ) from exc
    return address


def task_config(config: Config) -> Config:
    """`config` for a task: `pose.lanes` 0 (auto) becomes 1, so the cores go to files first."""
    if config.pose.lanes > 0:
        return config
    return replace(config, pose=replace(config.pose, lanes=1))


def install_run(partial: Path, out_dir: Path) -> None:
    """Renames a complete run folder into place (a run already there is replaced).

    Files in a replaced folder that a run does not write (the user's own) are kept.
    """
    if not out_dir.exists():
        partial.rename(out_dir)
        return
    old = out_dir.with_name(f".replaced-{out_dir.name}-{uuid.uuid4().hex[:8]}")
    out_dir.rename(old)
    try:
        partial.rename(out_dir)
    except BaseException:
        old.rename(out_dir)
        raise
    for item in old.iterdir():
        if item.name not in RUN_ITEMS and not (out_dir / item.name).exists():
            item.rename(out_dir / item.name)
    shutil.rmtree(old, ignore_errors=True)


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Writes a returned run's files into `folder` (each path checked to stay inside it)."""
    for name, data in files.items():
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts:
            raise ValueError(f"a task returned a file outside its run folder: {name}")
        path = folder.joinpath(*rel.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(path) as fh:
            fh.write(data)


def _read_video(video: Path) -> bytes:
    """The video's bytes for the object store; a file that cannot be read is a `SourceError`."""
    from hipthrust_cam.media.sources import SourceError

    if not video.exists():
        raise SourceError(f"{video}: no such file")
    if video.is_dir():
        raise SourceError(f"{video}: is a folder, not a video file")
    try:
        return video.read_bytes()
    except OSError as exc:
        raise SourceError(f"{video}: cannot be read ({exc.strerror or exc})") from exc


@dataclass
class Ticket:
    """A submitted video: its task's result reference and where its run goes."""

    video: Path
    out_dir: Path
    ref: Any
    partial: Path
    size: int = 0


@dataclass
class RayExecutor:
    """Runs videos as Ray tasks: connects on entry, publishes results, cancels on request.

    Attributes:
        address: The cluster (see `check_address`); None or "" for a local instance.
        shared_fs: Videos and run folders are at the same paths on every node.
        retries: Times a task is run again after its worker or node is lost.
        verbose: Let the workers' own output through to this terminal (debugging).
    """

    address: str | None = None
    shared_fs: bool = False
    retries: int = RETRIES
    verbose: bool = False
    _owned: bool = field(default=False, init=False)
    _task: Any = field(default=None, init=False)
    _abandoned: list[Ticket] = field(default_factory=list, init=False)

    def __enter__(self) -> RayExecutor:
        """Connects: joins the cluster, starts a local instance, or reuses this process's."""
        ray = import_ray()
        target = check_address(self.address)
        if not ray.is_initialized():
            try:
                ray.init(address=target, logging_level=logging.ERROR, log_to_driver=self.verbose)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = f" at {self.address}" if self.address else ""
                raise ClusterError(
                    f"cannot connect to the Ray cluster{where}: {' '.join(str(exc).split())} "
                    "(a cluster with token authentication needs RAY_AUTH_MODE=token and its "
                    "token here too: see `ray get-auth-token` on the head)"
                ) from exc
            self._owned = True
        self._task = ray.remote(max_retries=self.retries)(run_task)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Disconnects (a local instance this executor started stops, and with it every task)."""
        if self._owned:
            import_ray().shutdown()
            self._owned = False
        for ticket in self._abandoned:
            self._discard(ticket)
        self._abandoned.clear()

    def describe(self) -> str:
        """The cluster in a few words: nodes and CPUs."""
        nodes = _alive_nodes()
        cpus = sum(n["Resources"].get("CPU", 0.0) for n in nodes)
        where = _NAMES.get(self.address or "", f"the Ray cluster at {self.address}")
        return f"{where}: {len(nodes)} node{'s' * (len(nodes) != 1)}, {cpus:g} CPUs"

    def slots(self, cpus: int) -> int:
        """How many tasks of `cpus` CPUs the cluster runs at once (at least 1).

        Raises:
            ClusterError: No node has that many CPUs (the tasks could never start).
        """
        per_node = [int(n["Resources"].get("CPU", 0.0)) for n in _alive_nodes()]
        if not per_node or max(per_node) < cpus:
            largest = max(per_node, default=0)
            raise ClusterError(
                f"[pose] lanes = {cpus} asks {cpus} CPUs a task, but the largest Ray node has "
                f"{largest}: lower [pose] lanes"
            )
        return max(1, sum(n // cpus for n in per_node))

    def submit(
        self,
        video: Path,
        out_dir: Path,
        config: Config,
        *,
        video_out: bool,
        label: str | None = None,
        board: Any = None,
        key: int = 0,
    ) -> Ticket:
        """Starts the task of one video (`config.pose.lanes` CPUs).

        Args:
            video: The video, on this machine (or at the same path on every node: `shared_fs`).
            out_dir: Its run folder.
            config: The config (`pose.lanes` > 0, see `task_config`).
            video_out: Whether to write `annotated.mp4`.
            label: How reports and messages name the video (default: its path).
            board: A `cluster_queue.ProgressBoard` actor told how far the task is, under `key`.
            key: The run's key on the board.

        Raises:
            SourceError: Without a shared file system: the video cannot be read here.
        """
        ray = import_ray()
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        partial = out_dir.with_name(f"{PARTIAL}{out_dir.name}-{uuid.uuid4().hex[:12]}")
        size, shared = 0, None
        if self.shared_fs:
            source: Any = str(video.resolve())
            shared = str(partial.resolve())
        else:
            data = _read_video(video)
            size, source = len(data), ray.put(data)
        task = self._task.options(num_cpus=config.pose.lanes)
        name = label if label is not None else str(video)
        ref = task.remote(source, name, config, video_out, shared, board, key)
        return Ticket(video, out_dir, ref, partial, size)

    def finished(self, tickets: list[Ticket], timeout_s: float) -> list[Ticket]:
        """The tickets whose tasks have ended, waiting up to `timeout_s` for a first one."""
        if not tickets:
            return []
        ray = import_ray()
        by_ref = {t.ref: t for t in tickets}
        first, _ = ray.wait(list(by_ref), num_returns=1, timeout=timeout_s)
        if not first:
            return []
        done, _ = ray.wait(list(by_ref), num_returns=len(by_ref), timeout=0)
        return [by_ref[ref] for ref in done]

    def collect(self, ticket: Ticket) -> RunSummary | BaseException:
        """A finished task's run, published into its run folder, or why it failed."""
        ray = import_ray()
        try:
            result = ray.get(ticket.ref)
        except ray.exceptions.RayError as exc:
            self._discard(ticket)
            why = " ".join(str(exc).split())[:300]
            return TaskLost(f"{ticket.video}: the analysis failed on the cluster ({why})")
        for warning in result.warnings:
            log.warning("%s", warning)
        try:
            if isinstance(result, TaskFailure):
                return result.error
            return self._publish(ticket, result)
        except OSError as exc:  # e.g. a full disk here: that video's outcome
            return exc
        finally:
            self._discard(ticket)

    def _publish(self, ticket: Ticket, result: TaskResult) -> RunSummary:
        if result.partial is None:
            ticket.partial.mkdir()
            _write_files(ticket.partial, result.files)
            install_run(ticket.partial, ticket.out_dir)
        else:
            install_run(Path(result.partial), ticket.out_dir)
        files = tuple(ticket.out_dir.joinpath(*PurePosixPath(f).parts) for f in result.listed)
        return RunSummary(ticket.out_dir, result.frames, result.report, result.interrupted, files)

    def _discard(self, ticket: Ticket) -> None:
        """Removes what unfinished attempts of this ticket left (their partial folders)."""
        with contextlib.suppress(OSError):
            for leftover in ticket.out_dir.parent.iterdir():
                if leftover.name.startswith(ticket.partial.name):
                    shutil.rmtree(leftover, ignore_errors=True)

    def abandon(self, tickets: list[Ticket]) -> None:
        """Gives up these tasks: they end when this driver disconnects (`__exit__`).

        Ray stops the running tasks of a driver that leaves the cluster, and a local instance
        stops with its driver. `ray.cancel` is not used: in Ray 2.60 a cancel that crosses the
        task's own reply aborts the driver. The partial folders of these tasks are removed on
        disconnecting; with a connection this executor did not make, the tasks run to their
        end and their results are dropped.
        """
        self._abandoned += tickets


def _alive_nodes() -> list[dict[str, Any]]:
    return [n for n in import_ray().nodes() if n.get("Alive")]


def analyze_on_ray(
    jobs: list[tuple[Path, Path]], config: Config, *, video_out: bool, executor: RayExecutor
) -> Generator[tuple[Path, RunSummary | BaseException], None, None]:
    """Yields (video, RunSummary or exception) for each job, in the order they finish.

    A task per video, `pose.lanes` CPUs each (auto: 1). Tasks are started as the cluster frees
    room (twice its slots in flight, at most `WINDOW_BYTES` of video in the object store), so a
    folder of thousands of videos never sits in memory at once. Stopping early (Ctrl-C, an
    internal error, closing the generator) abandons the tasks still out, which end when the
    executor disconnects; finished runs stay.
    """
    config = task_config(config)
    room = 2 * executor.slots(config.pose.lanes)
    waiting, running = deque(jobs), list[Ticket]()
    try:
        while waiting or running:
            while waiting and len(running) < room and _bytes(running) < WINDOW_BYTES:
                video, out_dir = waiting.popleft()
                try:
                    running.append(executor.submit(video, out_dir, config, video_out=video_out))
                except Exception as exc:  # unreadable here: that file's outcome
                    yield video, exc
            for ticket in executor.finished(running, timeout_s=0.5):
                running.remove(ticket)
                yield ticket.video, executor.collect(ticket)
    finally:
        executor.abandon(running)


def _bytes(tickets: list[Ticket]) -> int:
    return sum(t.size for t in tickets)
