"""Where live frames come from, paced.

Inputs: an iterable of `Frame`s (a video file or a camera) and a `Clock`. Outputs: `next()`
gives `(frame, arrival time in clock seconds)` or None at the end; `dropped` counts frames
skipped because the loop was slower than the source.

- `PacedFeed`: a recorded video at its own rate (its timestamps against the clock); late
  frames are dropped like a camera's, or all processed (`drop_late=False`).
- `LatestFrameFeed`: a camera read on its own thread, keeping only the newest frame.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable
from typing import Protocol

from hipthrust_cam.datatypes import Frame
from hipthrust_cam.pose.rate import analysed_frames

log = logging.getLogger(__name__)


class Clock(Protocol):
    """Time for the loop: `now()` in seconds (monotonic) and `sleep(seconds)`."""

    def now(self) -> float:
        """Seconds from an arbitrary origin."""

    def sleep(self, seconds: float) -> None:
        """Waits `seconds` (a fake clock just advances)."""


class Feed(Protocol):
    """What the live loop reads frames from (`PacedFeed`, `LatestFrameFeed`)."""

    dropped: int  # frames skipped because the loop was slower than the source
    end_reason: str  # what ends the feed: "video ended", "camera stopped"

    def next(self) -> tuple[Frame, float] | None:
        """The next frame and its arrival time (clock seconds); None at the end."""

    def pause(self) -> None:
        """The loop is paused."""

    def resume(self) -> None:
        """The loop resumes."""

    def __enter__(self) -> Feed: ...

    def __exit__(self, *exc: object) -> None: ...


class SystemClock:
    """The real monotonic clock."""

    def now(self) -> float:
        """Seconds from an arbitrary origin."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Waits `seconds`."""
        time.sleep(max(0.0, seconds))


class PacedFeed:
    """Frames of a recorded video at their own rate: each waits until its time has come.

    Args:
        frames: The video's frames (timestamps `t_s` from the container).
        clock: The loop's clock.
        drop_late: Skip a frame whose time passed more than one frame ago (as a camera would
            have replaced it); False processes every frame, however late.
        max_fps: Only the frames `rate.analysed` picks at this rate (0 = all), as `analyze`.
    """

    def __init__(
        self, frames: Iterable[Frame], clock: Clock, drop_late: bool, max_fps: float = 0.0
    ) -> None:
        self._frames = analysed_frames(frames, max_fps)
        self._clock = clock
        self._drop_late = drop_late
        self._origin: float | None = None
        self._paused_at: float | None = None
        self._period = 1.0 / 30.0
        self._last_t = math.nan
        self.dropped = 0
        self.end_reason = "video ended"

    def __enter__(self) -> PacedFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def next(self) -> tuple[Frame, float] | None:
        """The next frame due and the clock time it became due; None at the end."""
        for frame in self._frames:
            if math.isfinite(self._last_t) and frame.t_s > self._last_t:
                self._period = frame.t_s - self._last_t
            self._last_t = frame.t_s
            now = self._clock.now()
            if self._origin is None:
                self._origin = now - frame.t_s
            due = self._origin + frame.t_s
            if now < due:
                self._clock.sleep(due - now)
            elif self._drop_late and now - due > self._period:
                self.dropped += 1
                continue
            return frame, max(now, due)
        return None

    def pause(self) -> None:
        """Stops the video clock."""
        self._paused_at = self._clock.now()

    def resume(self) -> None:
        """Restarts the video clock where it stopped."""
        if self._paused_at is not None and self._origin is not None:
            self._origin += self._clock.now() - self._paused_at
        self._paused_at = None


class LatestFrameFeed:
    """A camera read on its own thread, keeping only the newest frame.

    When the loop is slower than the camera, older frames are replaced (and counted in
    `dropped`) rather than queued, so what is shown is never more than one frame old.
    Used as a context manager; the source's iteration ending (camera unplugged) ends the feed.
    A fast camera is read at most at `max_fps` (`rate.analysed`; 0 = every frame), as `analyze`
    reads a fast video.
    """

    def __init__(self, frames: Iterable[Frame], clock: Clock, max_fps: float = 0.0) -> None:
        self._frames = analysed_frames(frames, max_fps)
        self._clock = clock
        self._cond = threading.Condition()
        self._latest: tuple[Frame, float] | None = None
        self._ended = False
        self._stop = False
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self.dropped = 0
        self.end_reason = "camera stopped"

    def __enter__(self) -> LatestFrameFeed:
        self._thread = threading.Thread(target=self._read, name="hipthrust-camera", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5.0)

    def _read(self) -> None:
        try:
            for frame in self._frames:
                with self._cond:
                    if self._stop:
                        return
                    if self._latest is not None:
                        self.dropped += 1
                    self._latest = (frame, self._clock.now())
                    self._cond.notify_all()
        except Exception as exc:  # handed to the loop's thread, raised there by next()
            self._error = exc
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def next(self) -> tuple[Frame, float] | None:
        """Waits for a frame newer than the last one; None once the camera stopped."""
        with self._cond:
            while self._latest is None and not self._ended:
                self._cond.wait(0.1)
            latest, self._latest = self._latest, None
        if latest is None and self._error is not None:
            raise self._error
        return latest

    def pause(self) -> None:
        """Nothing to stop: the camera keeps running and only the newest frame is kept."""

    def resume(self) -> None:
        """Discards the frame held during the pause."""
        with self._cond:
            self._latest = None
