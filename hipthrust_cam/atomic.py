"""Atomic file writes: a reader sees the old file or the complete new one, never half.

Inputs: a destination path. Output: a binary file object to write; on success its temp file
(in the same folder, created with the usual umask-controlled mode) replaces the destination in
one `os.replace`; on any failure the temp file is removed and the old file is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_open(path: str | Path) -> Iterator[BinaryIO]:
    """Opens a temp file beside `path` for binary writing; replaces `path` when the block ends.

    Args:
        path: Destination file; its folder must exist.

    Yields:
        The open temp file.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    # os.open with 0o666 lets the umask set the usual file mode (mkstemp would give 0600).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
