"""The arguments of `hipthrust-cam analyze | live | report | history | app`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from hipthrust_cam import __version__

if TYPE_CHECKING:  # imported lazily below: `--help` and bad arguments stay instant
    pass
from hipthrust_cam.cli.errors import Exit, one_line


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Prints `hipthrust-cam: MESSAGE (see --help)` and exits with status 2."""
        self.exit(Exit.BAD_INPUT, f"hipthrust-cam: {one_line(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
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
