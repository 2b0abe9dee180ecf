"""Guards around native code: Ctrl-C held, and the C++ runtimes' chatter on fd 2 silenced.

`ctrl_c_held` holds a Ctrl-C while native code or a child process is handed something half-
done: a Ctrl-C that arrives inside the block is handled only when it ends. Used around
MediaPipe calls (a KeyboardInterrupt inside its wrapper can leave its graph holding a freed
image, and closing it then aborts the process) and around handing a frame to the encoder (a
KeyboardInterrupt inside imageio-ffmpeg's writer kills ffmpeg and loses the whole video).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


@contextmanager
def ctrl_c_held() -> Iterator[None]:
    """Holds Ctrl-C (SIGINT) until the block ends, then handles it as usual.

    Only the main thread can swap signal handlers (and only it receives Ctrl-C); elsewhere this
    does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        for i in range(min(len(pending), 2)):  # a second press held here still stops at once
            handler = signal.getsignal(signal.SIGINT)
            if not callable(handler):
                break
            if i + 1 < min(len(pending), 2):
                with suppress(KeyboardInterrupt):
                    handler(signal.SIGINT, None)
            else:
                handler(signal.SIGINT, None)


_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved: tuple[int, int] | None = None  # (fd 2 as it was, /dev/null)


@contextlib.contextmanager
def native_stderr_quiet() -> Iterator[None]:
    """Silences the C++ runtime's start-up chatter on fd 2 (it ignores Python's logging).

    Only wraps model creation and the first inference; errors still surface as exceptions.
    Safe across threads (several lanes start their models at once): fd 2 is redirected while
    any thread is inside, and given back when the last one leaves.
    """
    global _quiet_depth, _quiet_saved
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    with _quiet_lock:
        if _quiet_depth == 0:
            sys.stderr.flush()
            saved, devnull = os.dup(fd), os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)
            _quiet_saved = (saved, devnull)
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0 and _quiet_saved is not None:
                saved, devnull = _quiet_saved
                os.dup2(saved, fd)
                os.close(saved)
                os.close(devnull)
                _quiet_saved = None
