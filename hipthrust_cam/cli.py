"""The command line: `hipthrust-cam analyze | live | report | history | app`.

Inputs: argv. Outputs: run folders, a per-rep table on stdout, one-line errors on stderr and an
exit status: 0 done, 1 internal error (`--debug` shows the traceback), 2 bad input, 130 Ctrl-C.
Only this module (and the live loop it starts) builds adapters and prints.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from enum import IntEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from hipthrust_cam import __version__

if TYPE_CHECKING:  # imported lazily below: `--help` and bad arguments stay instant
    from hipthrust_cam.app.pipeline import RunSummary
    from hipthrust_cam.config import Config
    from hipthrust_cam.datatypes import SourceInfo

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv"}
RUN_MARKERS = ("report.json", "keypoints.npz", "annotated.mp4")


class Exit(IntEnum):
    """Process exit statuses."""

    OK = 0
    INTERNAL = 1
    BAD_INPUT = 2
    INTERRUPTED = 130


class UserError(Exception):
    """Bad input from the user: a one-line message, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Prints `hipthrust-cam: MESSAGE (see --help)` and exits with status 2."""
        self.exit(Exit.BAD_INPUT, f"hipthrust-cam: {_one_line(message)} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="hipthrust-cam",
        description="Side-view hip-thrust form checker: counts reps, measures each, cues faults.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("analyze", help="analyse recorded video(s) and write a run folder each")
    a.add_argument("videos", nargs="*", type=Path, help="video files or folders of videos")
    a.add_argument("--out", type=Path, help="run folder (one video) or parent folder (several)")
    a.add_argument("--keypoints", type=Path, help="re-analyse a recorded keypoints.npz, no pose")
    a.add_argument("--no-video", action="store_true", help="skip the annotated video")
    a.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="one Ray task per video: on the cluster at ADDRESS (HOST:PORT of its head, or "
        "auto), or without one on a local Ray instance (needs the cluster extra)",
    )
    a.add_argument(
        "--ray-shared-fs",
        action="store_true",
        help="with --ray: the videos and --out are at the same paths on every node, so workers "
        "read and write there instead of passing the files through Ray",
    )
    _common(a)

    live = sub.add_parser("live", help="film a set from the webcam with on-screen coaching")
    live.add_argument("--camera", type=int, default=0, help="camera index (default 0)")
    live.add_argument("--source", type=Path, help="feed a video file through the live loop")
    live.add_argument("--out", type=Path, help="run folder for the set's outputs")
    live.add_argument("--no-window", action="store_true", help="run without a display")
    live.add_argument("--voice", action="store_true", help="speak the cues (offline TTS)")
    _common(live)

    r = sub.add_parser("report", help="re-render reps.csv and report.html of a run folder")
    r.add_argument("run_dir", type=Path)
    r.add_argument("--config", type=Path, help="re-analyse keypoints.npz with this config first")

    h = sub.add_parser("history", help="list every set analysed (the app's Sets page)")
    _data_dir(h)

    web = sub.add_parser("app", help="start the local web app and open it in the browser")
    web.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free)")
    web.add_argument("--host", default="127.0.0.1", help="address (default loopback only)")
    web.add_argument("--no-browser", action="store_true", help="do not open a browser")
    web.add_argument("--config", type=Path, help="TOML file overriding thresholds and cue texts")
    web.add_argument("--model", help="pose model: lite, full (default), heavy, or a .task file")
    web.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="analyse uploads as Ray tasks: on the cluster at ADDRESS, or without one on a "
        "local Ray instance (needs the cluster extra)",
    )
    _data_dir(web)
    return p


def _data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        type=Path,
        help="where the history and the app's sets live (default: your user data folder, "
        "or $HIPTHRUST_CAM_DATA_DIR)",
    )


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="TOML file overriding thresholds and cue texts")
    p.add_argument(
        "--model",
        help="pose model: lite, full (default), heavy, or a .task file (see models/README.md)",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing run folder")
    p.add_argument("--no-history", action="store_true", help="do not add the run to the history")
    _data_dir(p)


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


def _progress(
    name: str, total: int, stream: TextIO = sys.stderr, unit: str = "frames"
) -> Callable[[int], None] | None:
    if not stream.isatty():
        return None
    started = time.monotonic()

    shown = [-1.0]

    def update(index: int) -> None:
        done, now = index + 1, time.monotonic()
        if now - shown[0] < 0.1 and done != total:
            return
        shown[0] = now
        rate = done / max(now - started, 1e-6)
        frac = done / total if total else 0.0
        bar = "#" * round(24 * frac)
        tail = f"{done}/{total}" if total else f"{done}"
        speed = f"{rate:5.1f} fps" if unit == "frames" else f"{rate * 3600:.0f}/h"
        stream.write(f"\r{name} [{bar:<24}] {tail} {unit} {speed} ")
        stream.flush()

    return update


def _clear_bar(bar: Callable[[int], None] | None, stream: TextIO = sys.stderr) -> None:
    """Ends the progress bar's line before other output (it is redrawn after)."""
    if bar is not None:
        stream.write("\r\033[K")
        stream.flush()


def _run_analyze(args: argparse.Namespace) -> int:
    from hipthrust_cam.app import runs

    config = _load_config(args.config, args.model)
    if args.keypoints is not None:
        if args.ray is not None:
            raise UserError("--keypoints re-analyses here, without a pose model: drop --ray")
        out = choose_out_dir(args.keypoints.parent, args.out, args.force)
        summary = runs.reanalyse_keypoints(args.keypoints, out, config)
        _print_summary(summary)
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
            progress=lambda total: _progress(videos[0].name, total),
        )
        _print_summary(summary)
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
    bar = _progress("videos", total, unit="files")
    for done, (video, outcome) in enumerate(outcomes):
        if isinstance(outcome, (*_user_errors(), TaskLost)):
            _clear_bar(bar)
            print(f"hipthrust-cam: {_one_line(outcome)}", file=sys.stderr)
            lost = lost or isinstance(outcome, TaskLost)
            status = Exit.BAD_INPUT
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            _clear_bar(bar)
            print(f"== {video.name}", flush=True)
            _print_summary(outcome)
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
    summary = run_live(options, config, out_dir, on_start=_live_started)
    _print_live_end(summary)
    _remember(args, summary, "live", args.source)
    return Exit.INTERRUPTED if summary.interrupted else Exit.OK


def _live_started(info: SourceInfo) -> None:
    print(
        f"hipthrust-cam: live from {info.name}; q or Esc ends the set, space pauses, "
        "r resets the count",
        file=sys.stderr,
    )


def _print_live_end(summary: RunSummary) -> None:
    from hipthrust_cam.app.runs import rep_table

    print(rep_table(summary.report))
    live = summary.report["live"]
    lat = live["latency_ms"]
    print(
        f"latency frame -> screen: median {lat['median']} ms, p95 {lat['p95']} ms; "
        f"{live['frames_shown']} frames shown, {live['frames_dropped']} dropped"
    )
    state = " (interrupted: partial)" if summary.interrupted else ""
    print(f"wrote {summary.out_dir}{state}: " + ", ".join(p.name for p in summary.files[:7]))


def _print_summary(summary: RunSummary) -> None:
    from hipthrust_cam.app.runs import rep_table

    if sys.stderr.isatty():
        sys.stderr.write("\n")
    print(rep_table(summary.report))
    state = " (interrupted: partial)" if summary.interrupted else ""
    top = [p.name for p in summary.files if p.parent == summary.out_dir]
    video = summary.out_dir / "annotated.mp4"
    if video.is_file() and video.name not in top:
        top.insert(0, video.name)
    thumbs = len(summary.files) - len([p for p in summary.files if p.parent == summary.out_dir])
    extra = f" + {thumbs} lockout thumbnails" if thumbs else ""
    print(f"wrote {summary.out_dir}{state}: {', '.join(top)}{extra}")
    html = summary.out_dir / "report.html"
    if html.is_file():
        print(f"open {html} in a browser")


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
            f"hipthrust-cam: not added to the history ({_one_line(exc)}); "
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


def _user_errors() -> tuple[type[BaseException], ...]:
    from hipthrust_cam.app.cluster import ClusterError
    from hipthrust_cam.config import ConfigError
    from hipthrust_cam.media.sources import SourceError
    from hipthrust_cam.media.video import VideoWriteError
    from hipthrust_cam.pose.blazepose import PoseError
    from hipthrust_cam.pose.keypoints import KeypointsFileError
    from hipthrust_cam.report.tables import ReportError
    from hipthrust_cam.store.db import StoreError

    return (
        UserError,
        ClusterError,
        StoreError,
        ConfigError,
        KeypointsFileError,
        PoseError,
        ReportError,
        SourceError,
        VideoWriteError,
    )


def _one_line(text: object) -> str:
    """Collapses a message to one line (ffmpeg and OS messages may span several)."""
    return " ".join(str(text).split())


# What to do about an OS error, by errno: the second half of its one-line message.
_OS_HINTS = {
    errno.ENOSPC: "the disk is full: free some space and run again",
    errno.EDQUOT: "the disk quota is exceeded: free some space and run again",
    errno.EACCES: "permission denied: choose another --out folder",
    errno.EPERM: "permission denied: choose another --out folder",
    errno.EROFS: "read-only file system: choose another --out folder",
    errno.ENOTDIR: "a part of this path is a file, not a folder: choose another --out",
    errno.EEXIST: "a file is in the way: choose another --out",
    errno.ENOENT: "no such file or folder",
    errno.EADDRINUSE: "that port is in use: choose another --port (0 picks a free one)",
    errno.EADDRNOTAVAIL: "this computer has no such address: check --host",
}


def _os_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
    hint = _OS_HINTS.get(exc.errno or 0) or exc.strerror or str(exc)
    return _one_line(f"{where}{hint}")


def _stop_now(signum: int, frame: FrameType | None) -> None:
    """A second Ctrl-C: leave at once (files already written are complete, never half)."""
    os.write(2, b"hipthrust-cam: stopped at once (second Ctrl-C)\n")
    os._exit(Exit.INTERRUPTED)


def _first_interrupt(signum: int, frame: FrameType | None) -> None:
    """The first Ctrl-C stops reading (the run writes what it has); the next one exits."""
    signal.signal(signal.SIGINT, _stop_now)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")  # its C++ log would add stderr lines
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # quiet: decode errors are ours to say
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) and Exit.BAD_INPUT
    logging.basicConfig(level=logging.WARNING, format="hipthrust-cam: %(message)s")
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _first_interrupt) if in_main_thread else None
    try:
        with warnings.catch_warnings():
            if not args.debug:  # NaN means "not judged": numpy's RuntimeWarnings are noise here
                warnings.simplefilter("ignore", RuntimeWarning)
            return _dispatch(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        return int(COMMANDS[args.command](args))
    except KeyboardInterrupt:
        print("hipthrust-cam: stopped (Ctrl-C)", file=sys.stderr)
        return Exit.INTERRUPTED
    except _user_errors() as exc:
        print(f"hipthrust-cam: {_one_line(exc)}", file=sys.stderr)
        return Exit.BAD_INPUT
    except OSError as exc:
        print(f"hipthrust-cam: {_os_message(exc)}", file=sys.stderr)
        return Exit.BAD_INPUT
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"hipthrust-cam: internal error: {type(exc).__name__}: {_one_line(exc)} "
                "(run with --debug for details and please report it)",
                file=sys.stderr,
            )
        return Exit.INTERNAL
