"""Spoken cues for `live --voice`, through an offline text-to-speech program (espeak-ng).

Inputs: short cue texts. Output: speech, on a worker thread, so the frame loop never waits for
the speaker. The queue holds one text: a newer cue replaces one not yet spoken, because a stale
cue ("Feet closer" two reps ago) is worse than silence. With no TTS program installed, a single
warning is logged and `say` does nothing.

Install the engine with `apt-get install espeak-ng` (Debian/Ubuntu) or `brew install espeak-ng`.
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

log = logging.getLogger(__name__)

ENGINES: tuple[str, ...] = ("espeak-ng", "espeak")
"""TTS programs tried in order; each takes `-s WPM TEXT`."""
WORDS_PER_MINUTE = 165
SPEAK_TIMEOUT_S = 10.0

Runner = Callable[[Sequence[str]], None]


class Speaker(Protocol):
    """Anything that can say a cue out loud without blocking the loop."""

    def say(self, text: str) -> None:
        """Queues `text` to be spoken."""


def _run(command: Sequence[str]) -> None:
    subprocess.run(
        list(command),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=SPEAK_TIMEOUT_S,
        check=False,
    )


def find_engine(which: Callable[[str], str | None] = shutil.which) -> str | None:
    """The path of the first TTS program found on PATH, or None."""
    for name in ENGINES:
        path = which(name)
        if path:
            return path
    return None


class Voice:
    """Speaks texts on a worker thread; used as a context manager.

    Args:
        engine: Path of the TTS program; None finds one on PATH when entered.
        runner: Runs one command to completion (injected by tests).
        which: Looks a program up on PATH (injected by tests).
    """

    def __init__(
        self,
        engine: str | None = None,
        runner: Runner = _run,
        which: Callable[[str], str | None] = shutil.which,
    ) -> None:
        self._engine = engine
        self._runner = runner
        self._which = which
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        self.spoken: list[str] = []
        self.dropped = 0

    @property
    def available(self) -> bool:
        """Whether a TTS program was found (valid once entered)."""
        return self._thread is not None

    def __enter__(self) -> Voice:
        engine = self._engine or find_engine(self._which)
        if engine is None:
            log.warning(
                "--voice: no text-to-speech program found (install espeak-ng); "
                "cues are shown but not spoken"
            )
            return self
        self._engine = engine
        self._thread = threading.Thread(target=self._work, name="hipthrust-voice", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def say(self, text: str) -> None:
        """Queues `text` without waiting; replaces a text not yet spoken."""
        if self._thread is None:
            return
        while True:
            try:
                self._queue.put_nowait(text)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def _work(self) -> None:
        while True:
            text = self._queue.get()
            if text is None:
                return
            try:
                self._runner([str(self._engine), "-s", str(WORDS_PER_MINUTE), text])
                self.spoken.append(text)
            except (OSError, subprocess.SubprocessError) as exc:
                log.warning("--voice: speaking failed: %s", exc)

    def close(self, timeout_s: float = 2.0) -> None:
        """Stops the worker after the text being spoken (pending ones are dropped)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(None)
        thread.join(timeout_s)
