"""What every pose backend is: frames in, `PoseFrame`s out, used as a context manager.

Inputs: nothing. Outputs: the `PoseBackend` protocol (and `StreamingPoseBackend`, for backends
that pipeline their work over a stream of frames) and `PoseError`. No OpenCV, no MediaPipe:
every layer can name the type of a pose backend without loading a model runtime.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

from hipthrust_cam.datatypes import Frame, PoseFrame

Guard = Callable[[], contextlib.AbstractContextManager[Any]]
"""Makes the context wrapped around each native call in the caller's thread (e.g. Ctrl-C held)."""


class PoseError(Exception):
    """The pose model cannot be loaded or run; the message is one line for the user."""


@runtime_checkable
class PoseBackend(Protocol):
    """Anything that turns a frame into a `PoseFrame`, used as a context manager."""

    def detect(self, frame: Frame) -> PoseFrame:
        """Returns the pose of the main person in `frame` (or `PoseFrame.empty`)."""
        ...

    def __enter__(self) -> PoseBackend: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class StreamingPoseBackend(PoseBackend, Protocol):
    """A backend that can work ahead over a stream: the same poses as `detect`, sooner."""

    def __enter__(self) -> StreamingPoseBackend: ...

    def stream(self, frames: Iterable[Frame]) -> Iterator[tuple[Frame, PoseFrame]]:
        """Yields (frame, pose) in order."""
        ...


def poses(pose: PoseBackend, frames: Iterable[Frame]) -> Iterator[tuple[Frame, PoseFrame]]:
    """(frame, pose) in order: the backend's pipelined `stream` when it has one."""
    if isinstance(pose, StreamingPoseBackend):
        yield from pose.stream(frames)
        return
    for frame in frames:
        yield frame, pose.detect(frame)
