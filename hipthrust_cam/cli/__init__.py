"""The command line: `hipthrust-cam analyze | live | report | history | app`.

Inputs: argv. Outputs: run folders, a per-rep table on stdout, one-line errors on stderr and an
exit status: 0 done, 1 internal error (`--debug` shows the traceback), 2 bad input, 130 Ctrl-C.
Only this package (and the live loop it starts) builds adapters and prints: `parser` the
arguments, `commands` the runs, `output` the terminal, `errors` the statuses and messages.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import traceback
import warnings
from types import FrameType

from hipthrust_cam.cli.commands import COMMANDS
from hipthrust_cam.cli.errors import Exit, UserError, one_line, os_message, user_errors
from hipthrust_cam.cli.parser import build_parser

__all__ = ["Exit", "UserError", "main"]


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
        args = build_parser().parse_args(argv)
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
    except user_errors() as exc:
        print(f"hipthrust-cam: {one_line(exc)}", file=sys.stderr)
        return Exit.BAD_INPUT
    except OSError as exc:
        print(f"hipthrust-cam: {os_message(exc)}", file=sys.stderr)
        return Exit.BAD_INPUT
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"hipthrust-cam: internal error: {type(exc).__name__}: {one_line(exc)} "
                "(run with --debug for details and please report it)",
                file=sys.stderr,
            )
        return Exit.INTERNAL
