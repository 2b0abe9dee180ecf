"""Holding Ctrl-C while native code or a child process is handed something half-done.

Inputs: a block of code. Outputs: the same block, with a Ctrl-C that arrives inside it handled
only when it ends. Used around MediaPipe calls (a KeyboardInterrupt inside its wrapper can leave
its graph holding a freed image, and closing it then aborts the process) and around handing a
frame to the encoder (a KeyboardInterrupt inside imageio-ffmpeg's writer kills ffmpeg and loses
the whole video).
"""

from __future__ import annotations

import signal
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
