"""Displays for the live loop: an OpenCV window, or a headless null display for `--no-window`.

Inputs: BGR uint8 frames to show. Outputs: the key the user pressed (or -1) and whether the
window is still open. OpenCV's Qt backend aborts the whole process when it cannot reach an X
display, so `CvWindow` probes the display in a throw-away subprocess first and raises a clear
`DisplayError` (suggesting `--no-window`) instead of crashing.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

ESC = 27
PROBE_TIMEOUT_S = 20.0
_PROBE = (
    "import cv2; cv2.namedWindow('hipthrust-cam probe'); cv2.waitKey(1); cv2.destroyAllWindows()"
)


class DisplayError(OSError):
    """No window can be opened; the message is one line for the user (exit status 2)."""


class Display(Protocol):
    """What the live loop needs from a display."""

    def show(self, image: np.ndarray) -> None:
        """Shows one (H, W, 3) BGR uint8 frame."""

    def poll_key(self, wait_ms: int = 1) -> int:
        """The key pressed within `wait_ms` milliseconds (lower-case code), or -1."""

    def is_open(self) -> bool:
        """False once the user closed the window."""

    def close(self) -> None:
        """Releases the window."""

    def __enter__(self) -> Display: ...

    def __exit__(self, *exc: object) -> None: ...


class NullDisplay:
    """A display that shows nothing and is never closed (`--no-window`, tests)."""

    def __enter__(self) -> NullDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def show(self, image: np.ndarray) -> None:
        """Discards the frame."""

    def poll_key(self, wait_ms: int = 1) -> int:
        """No keyboard: always -1."""
        return -1

    def is_open(self) -> bool:
        """Always open."""
        return True

    def close(self) -> None:
        """Nothing to release."""


def check_display(env: dict[str, str] | None = None) -> None:
    """Raises `DisplayError` unless an OpenCV window can be opened on this machine.

    Args:
        env: Environment to check (default `os.environ`).
    """
    env = dict(os.environ if env is None else env)
    hint = "run with --no-window to film without showing the video"
    if sys.platform.startswith("linux") and not env.get("DISPLAY"):
        raise DisplayError(f"cannot open a window: no display (DISPLAY is not set); {hint}")
    try:
        probe = subprocess.run(
            [sys.executable, "-c", _PROBE],
            env=env,
            capture_output=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DisplayError(f"cannot open a window: the display did not answer; {hint}") from exc
    if probe.returncode != 0:
        where = env.get("DISPLAY", "the screen")
        raise DisplayError(f"cannot open a window on display {where}; {hint}")


class CvWindow:
    """An OpenCV window, used as a context manager.

    Args:
        title: Window title.
        probe: Whether to check the display in a subprocess before opening (OpenCV's Qt
            backend would otherwise abort the process when there is none).
    """

    def __init__(self, title: str = "hipthrust-cam", probe: bool = True) -> None:
        self.title = title
        self._probe = probe
        self._opened = False
        self._shown = False

    def __enter__(self) -> CvWindow:
        import cv2

        from hipthrust_cam.native import native_stderr_quiet

        if self._probe:
            check_display()
        # Resizable, keeping the frame's aspect ratio, and GUI_NORMAL: no Qt toolbar (pan/zoom
        # buttons) and no status bar (pixel values) around the video.
        flags = cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL
        with native_stderr_quiet():  # Qt's font-directory chatter on fd 2
            cv2.namedWindow(self.title, flags)
        self._opened = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def show(self, image: np.ndarray) -> None:
        """Shows one BGR frame; the first one also sizes the window to the frame."""
        import cv2

        if not self._shown:
            cv2.resizeWindow(self.title, image.shape[1], image.shape[0])
            self._shown = True
        cv2.imshow(self.title, image)

    def poll_key(self, wait_ms: int = 1) -> int:
        """Runs the GUI event loop for `wait_ms` ms; returns the pressed key or -1."""
        import cv2

        key = cv2.waitKey(max(1, int(wait_ms)))
        if key < 0:
            return -1
        key &= 0xFF
        return ord(chr(key).lower()) if 65 <= key <= 90 else key

    def is_open(self) -> bool:
        """False once the user closed the window with its close button."""
        import cv2

        if not self._opened:
            return False
        if not self._shown:
            return True
        try:
            return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) >= 1
        except cv2.error:
            return False

    def close(self) -> None:
        """Destroys the window (safe to call twice)."""
        import cv2

        if self._opened:
            self._opened = False
            try:
                cv2.destroyWindow(self.title)
                cv2.waitKey(1)
            except cv2.error as exc:
                log.debug("closing the window: %s", exc)


def open_display(no_window: bool, title: str = "hipthrust-cam") -> CvWindow | NullDisplay:
    """The display for the live loop: a null one for `--no-window`, else an OpenCV window.

    The returned object is a context manager; entering a `CvWindow` may raise `DisplayError`.
    """
    return NullDisplay() if no_window else CvWindow(title)
