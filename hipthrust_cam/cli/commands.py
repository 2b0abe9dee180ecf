"""The commands: each turns parsed arguments into runs, prints them and returns a status."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from hipthrust_cam.cli.errors import Exit, UserError, one_line, user_errors
from hipthrust_cam.cli.output import (
    clear_bar,
    live_started,
    print_live_end,
    print_summary,
    progress,
)

if TYPE_CHECKING:  # imported lazily below: `--help` and bad arguments stay instant
    from hipthrust_cam.app.pipeline import RunSummary
    from hipthrust_cam.config import Config

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv"}
RUN_MARKERS = ("report.json", "keypoints.npz", "annotated.mp4")


def _holds_run(folder: Path) -> bool:
    return folder.is_dir() and any((folder / m).exists() for m in RUN_MARKERS)


def choose_out_dir(video: Path, out: Path | None, force: bool) -> Path:
    """The run folder: `--out`, or one named after the video beside the current folder.

    An explicit folder that already holds a run needs `--force`; the default name moves to
    `NAME-2`, `NAME-3`, ... so two runs are never mixed.
    """
    if out is not None:
        if _holds_run(out) and not force:
            raise UserError(
                f"{out} already holds a run: pass --force to overwrite it, or choose another --out"
            )
        return out
    base = Path.cwd() / f"{video.stem}-hipthrust"
    if force or not _holds_run(base):
        return base
    n = 2
    while _holds_run(base.with_name(f"{base.name}-{n}")):
        n += 1
    return base.with_name(f"{base.name}-{n}")


def _expand_videos(paths: list[Path]) -> list[Path]:
    videos: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
            if not found:
                raise UserError(f"{path}: folder holds no video files")
            videos += found
        else:
            videos.append(path)
    return videos


def _load_config(path: Path | None, model: str | None = None) -> Config:
    from dataclasses import replace

    from hipthrust_cam.config import load_config

    try:
        config = load_config(path)
    except UnicodeDecodeError as exc:  # tomllib decodes UTF-8 itself; not a ConfigError
        raise UserError(
            f"{path}: not a UTF-8 text TOML file ({exc.reason}): save it as plain text"
        ) from exc
    if model is not None:
        config = replace(config, pose=replace(config.pose, model=model))
    return config


def _run_analyze(args: argparse.Namespace) -> int:
    from hipthrust_cam.app import runs

    config = _load_config(args.config, args.model)
    if args.keypoints is not None:
        if args.ray is not None:
            raise UserError("--keypoints re-analyses here, without a pose model: drop --ray")
        out = choose_out_dir(args.keypoints.parent, args.out, args.force)
        summary = runs.reanalyse_keypoints(args.keypoints, out, config)
        print_summary(summary)
        _remember(args, summary, "analyze", None)
        return Exit.INTERRUPTED if summary.interrupted else Exit.OK
    if not args.videos:
        raise UserError("name a video to analyse (or --keypoints RUN/keypoints.npz)")
    _check_ray_args(args)
    videos = _expand_videos(args.videos)
    if len(videos) == 1 and args.ray is None:
        summary = runs.analyze_video(
            videos[0],
            choose_out_dir(videos[0], args.out, args.force),
            config,
            video_out=not args.no_video,
            progress=lambda total: progress(videos[0].name, total),
        )
        print_summary(summary)
        _remember(args, summary, "analyze", videos[0])
        return Exit.INTERRUPTED if summary.interrupted else Exit.OK
    return _run_batch(videos, args, config)


def _check_ray_args(args: argparse.Namespace) -> None:
    """`--ray` must not have swallowed a video as its address (`--ray A.mp4 B.mp4`)."""
    if args.ray_shared_fs and args.ray is None:
        raise UserError("--ray-shared-fs goes with --ray")
    taken = Path(args.ray or "")
    if args.ray and (taken.exists() or taken.suffix.lower() in VIDEO_SUFFIXES):
        raise UserError(
            f"--ray took {args.ray} as the cluster's address: put --ray after the videos "
            "(or write --ray=ADDRESS)"
        )


def _run_batch(videos: list[Path], args: argparse.Namespace, config: Config) -> int:
    """Analyses several videos, one worker process per core or one Ray task per video.

    A bad file is one line on stderr and does not stop the rest.
    """
    several = len(videos) > 1  # --out: the run folder of one video, the parent of several
    out = {v: args.out / v.stem if args.out and several else args.out for v in videos}
    jobs = [(v, choose_out_dir(v, out[v], args.force)) for v in videos]
    with contextlib.ExitStack() as stack:
        outcomes = _batch_outcomes(jobs, args, config, stack)
        return _report_batch(outcomes, len(jobs), args)


def _batch_outcomes(
    jobs: list[tuple[Path, Path]],
    args: argparse.Namespace,
    config: Config,
    stack: contextlib.ExitStack,
) -> Iterator[tuple[Path, RunSummary | BaseException]]:
    """The runs' outcomes as they finish, from worker processes here or from Ray."""
    video_out = not args.no_video
    if args.ray is None:
        from hipthrust_cam.app.batch import analyze_batch, default_workers

        workers = default_workers(len(jobs))
        print(f"analysing {len(jobs)} videos, {workers} at a time")
        return analyze_batch(jobs, config, video_out=video_out, workers=workers)
    from hipthrust_cam.app.cluster import RayExecutor, analyze_on_ray

    executor = RayExecutor(args.ray or None, shared_fs=args.ray_shared_fs, verbose=args.debug)
    stack.enter_context(executor)
    videos = f"{len(jobs)} video{'s' * (len(jobs) != 1)}"
    print(f"analysing {videos} on {executor.describe()}", flush=True)
    return stack.enter_context(
        contextlib.closing(analyze_on_ray(jobs, config, video_out=video_out, executor=executor))
    )


def _report_batch(
    outcomes: Iterator[tuple[Path, RunSummary | BaseException]],
    total: int,
    args: argparse.Namespace,
) -> int:
    """Prints each run's table (or its one-line error) as it finishes; returns the status."""
    from hipthrust_cam.app.cluster import TaskLost

    status, interrupted, lost = Exit.OK, False, False
    bar = progress("videos", total, unit="files")
    for done, (video, outcome) in enumerate(outcomes):
        if isinstance(outcome, (*user_errors(), TaskLost)):
            clear_bar(bar)
            print(f"hipthrust-cam: {one_line(outcome)}", file=sys.stderr)
            lost = lost or isinstance(outcome, TaskLost)
            status = Exit.BAD_INPUT
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            clear_bar(bar)
            print(f"== {video.name}", flush=True)
            print_summary(outcome)
            _remember(args, outcome, "analyze", video)
            interrupted = interrupted or outcome.interrupted
        if bar is not None:
            bar(done)
    if interrupted:
        return Exit.INTERRUPTED
    return Exit.INTERNAL if lost else status


def _run_report(args: argparse.Namespace) -> int:
    from hipthrust_cam.app import runs

    written = runs.rerender_run(args.run_dir, _load_config(args.config) if args.config else None)
    for path in written:
        print(path)
    return Exit.OK


def _run_live(args: argparse.Namespace) -> int:
    from hipthrust_cam.app.live import LiveOptions, run_live

    config = _load_config(args.config, args.model)
    named = args.source if args.source is not None else Path(time.strftime("live-%Y%m%d-%H%M%S"))
    out_dir = choose_out_dir(named, args.out, args.force)
    options = LiveOptions(args.camera, args.source, not args.no_window, args.voice)
    summary = run_live(options, config, out_dir, on_start=live_started)
    print_live_end(summary)
    _remember(args, summary, "live", args.source)
    return Exit.INTERRUPTED if summary.interrupted else Exit.OK


def _remember(
    args: argparse.Namespace, summary: RunSummary, origin: str, video: Path | None
) -> None:
    """Adds a finished run to the history (unless `--no-history`); a failure only warns."""
    if args.no_history:
        return
    from hipthrust_cam.app.history import remember
    from hipthrust_cam.store.db import StoreError
    from hipthrust_cam.store.records import iso_from_timestamp, now_iso

    name = video.name if video is not None else summary.out_dir.name
    when = now_iso()
    if video is not None and video.is_file():
        when = iso_from_timestamp(video.stat().st_mtime)
    try:
        remember(summary.out_dir, origin, name, when, args.data_dir)
    except (StoreError, OSError) as exc:
        print(
            f"hipthrust-cam: not added to the history ({one_line(exc)}); "
            "the run folder is complete",
            file=sys.stderr,
        )


def _run_history(args: argparse.Namespace) -> int:
    from hipthrust_cam.app.history import history_lines

    for line in history_lines(args.data_dir):
        print(line)
    return Exit.OK


def _run_app(args: argparse.Namespace) -> int:
    from hipthrust_cam.store.layout import DataDir
    from hipthrust_cam.web.security import is_loopback
    from hipthrust_cam.web.server import Settings, serve

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port}: give a port from 0 to 65535")
    config = _load_config(args.config, args.model)
    settings = Settings(DataDir.resolve(args.data_dir), config, args.host, args.port, ray=args.ray)

    def announce(url: str) -> None:
        print(f"hipthrust-cam app: {url}", flush=True)
        if not is_loopback(args.host):
            print(
                "hipthrust-cam app: listening beyond this computer; the link carries the "
                "access token, share it only with devices you trust",
                flush=True,
            )
        print(f"hipthrust-cam app: data in {settings.data.root}; Ctrl-C stops", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how the app is stopped
        serve(settings, announce)
    print("hipthrust-cam app: stopped", flush=True)
    return Exit.OK


COMMANDS = {
    "analyze": _run_analyze,
    "live": _run_live,
    "report": _run_report,
    "history": _run_history,
    "app": _run_app,
}
