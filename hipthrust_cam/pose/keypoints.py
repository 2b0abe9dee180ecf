"""Save and load a `KeypointSeries` as a compressed `.npz` file.

Inputs: a `KeypointSeries` (save) or a path (load). Outputs: a `.npz` file holding one array per
series field (`t_s`, `xy`, `visibility`, `presence`, `world`, `num_poses`, `back_profile`,
`front_profile`) plus `image_size` (2,) int, `fps` () float, `source` () str and
`format_version` () int. Saving is atomic (a temp file in the same folder, then `os.replace`):
a failed save leaves any earlier file untouched. Loading never unpickles (`allow_pickle=False`);
a missing, corrupt or wrongly shaped file raises `KeypointsFileError`, never a bare zlib, struct
or conversion error.
"""

from __future__ import annotations

import struct
import tokenize
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from hipthrust_cam.atomic import atomic_open
from hipthrust_cam.datatypes import KeypointSeries

FORMAT_VERSION = 1
"""Version of the on-disk layout written by `save_keypoints`."""

_ARRAY_FIELDS: dict[str, type] = {
    "t_s": np.float64,
    "xy": np.float32,
    "visibility": np.float32,
    "presence": np.float32,
    "world": np.float32,
    "num_poses": np.int16,
    "back_profile": np.float32,
    "front_profile": np.float32,
}


class KeypointsFileError(ValueError):
    """A keypoints file is missing, unreadable, or does not hold a valid series."""


_READ_ERRORS = (
    OSError,  # unreadable, truncated
    ValueError,  # not an npz, or pickled objects (allow_pickle=False)
    EOFError,
    zipfile.BadZipFile,
    zlib.error,  # corrupt deflate stream
    struct.error,  # corrupt zip or .npy header
    NotImplementedError,  # zip compression method numpy's zipfile cannot read
    RuntimeError,  # encrypted zip member
    SyntaxError,  # garbled .npy header (numpy parses it as a Python literal)
    tokenize.TokenError,  # ... cut off mid-literal
)
"""What reading a damaged .npz can raise; each becomes a `KeypointsFileError`."""


def save_keypoints(series: KeypointSeries, path: str | Path) -> Path:
    """Write `series` to `path` atomically (a `.npz` suffix is added if missing).

    The data goes to a temp file in the same folder, which then replaces `path` in one step, so
    a reader never sees half a file and a failure (full disk, bad data) keeps the old file.

    Args:
        series: The recording's keypoints.
        path: Destination file; its folder must exist.

    Returns:
        The path actually written.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz")
    arrays: dict[str, Any] = {  # Any: numpy's stub reads ** as its allow_pickle flag
        name: np.asarray(getattr(series, name), dtype) for name, dtype in _ARRAY_FIELDS.items()
    }
    with atomic_open(path) as fh:
        np.savez_compressed(
            fh,
            **arrays,
            image_size=np.asarray(series.image_size, np.int64),
            fps=np.asarray(float(series.fps), np.float64),
            source=np.asarray(str(series.source)),
            format_version=np.asarray(FORMAT_VERSION, np.int64),
        )
    return path


def load_keypoints(path: str | Path) -> KeypointSeries:
    """Read a series written by `save_keypoints`.

    Args:
        path: A `.npz` file.

    Returns:
        The stored `KeypointSeries`.

    Raises:
        KeypointsFileError: The file is missing, corrupt, from a newer format, or its arrays
            have the wrong names or shapes.
    """
    path = Path(path)
    if not path.is_file():
        raise KeypointsFileError(f"{path}: keypoints file not found")
    try:
        with np.load(path, allow_pickle=False) as data:
            contents = {name: data[name] for name in data.files}
    except _READ_ERRORS as exc:
        raise KeypointsFileError(f"{path}: not a readable keypoints .npz file ({exc})") from exc
    return _series_from_arrays(contents, path)


def _series_from_arrays(contents: dict[str, np.ndarray], path: Path) -> KeypointSeries:
    required = [*_ARRAY_FIELDS, "image_size", "fps", "format_version"]
    missing = [name for name in required if name not in contents]
    if missing:
        raise KeypointsFileError(f"{path}: missing arrays {missing}")
    version = int(_scalar(contents, "format_version", path))
    if version > FORMAT_VERSION:
        raise KeypointsFileError(
            f"{path}: format_version {version} is newer than supported ({FORMAT_VERSION})"
        )
    size = contents["image_size"].reshape(-1)
    if size.shape != (2,):
        raise KeypointsFileError(f"{path}: image_size must hold 2 numbers, got {size.shape}")
    source = str(contents["source"]) if "source" in contents else ""
    try:
        return KeypointSeries(
            **{name: contents[name].astype(dtype) for name, dtype in _ARRAY_FIELDS.items()},
            image_size=(int(size[0]), int(size[1])),
            fps=_scalar(contents, "fps", path),
            source=source,
        )
    except (TypeError, ValueError, OverflowError) as exc:
        raise KeypointsFileError(f"{path}: {exc}") from exc


def _scalar(contents: dict[str, np.ndarray], name: str, path: Path) -> float:
    """The one number stored as `name`, as a float.

    Raises:
        KeypointsFileError: It holds no number, several numbers, or text.
    """
    values = np.asarray(contents[name]).reshape(-1)
    if values.size != 1:
        raise KeypointsFileError(f"{path}: {name} must be one number, got {values.size} values")
    try:
        value = float(values[0])
    except (TypeError, ValueError, OverflowError) as exc:
        raise KeypointsFileError(f"{path}: {name} is not a number ({exc})") from exc
    if name == "format_version" and not value.is_integer():
        raise KeypointsFileError(f"{path}: format_version must be a whole number, got {value}")
    return value
