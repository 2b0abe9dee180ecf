"""Exit statuses and one-line messages: what a user reads when something goes wrong."""

from __future__ import annotations

import errno
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily below: `--help` and bad arguments stay instant
    pass


class Exit(IntEnum):
    """Process exit statuses."""

    OK = 0
    INTERNAL = 1
    BAD_INPUT = 2
    INTERRUPTED = 130


class UserError(Exception):
    """Bad input from the user: a one-line message, exit status 2."""


def user_errors() -> tuple[type[BaseException], ...]:
    """The exceptions whose message is the user's one line (exit status 2)."""
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


def one_line(text: object) -> str:
    """Collapses a message to one line (ffmpeg and OS messages may span several)."""
    return " ".join(str(text).split())


# What to do about an OS error, by errno: the second half of its one-line message.
OS_HINTS = {
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


def os_message(exc: OSError) -> str:
    """An OS error as one line: the path, then what to do about it."""
    where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
    hint = OS_HINTS.get(exc.errno or 0) or exc.strerror or str(exc)
    return one_line(f"{where}{hint}")
