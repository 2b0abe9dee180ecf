"""Save and load a `KeypointSeries` as a compressed `.npz` file.

Inputs: a `KeypointSeries` (save) or a path (load). Outputs: a `.npz` file holding one array per
series field (`t_s`, `xy`, `visibility`, `presence`, `world`, `num_poses`, `back_profile`,
`front_profile`) plus `image_size` (2,) int, `fps` () float, `source` () str and
`format_version` () int. Loading never unpickles (`allow_pickle=False`); a missing, corrupt or
wrongly shaped file raises `KeypointsFileError`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from hipthrust_cam.types import KeypointSeries

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


def save_keypoints(series: KeypointSeries, path: str | Path) -> Path:
    """Write `series` to `path` (a `.npz` suffix is added by numpy if missing).

    Args:
        series: The recording's keypoints.
        path: Destination file.

    Returns:
        The path actually written.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz")
    arrays = {
        name: np.asarray(getattr(series, name), dtype) for name, dtype in _ARRAY_FIELDS.items()
    }
    np.savez_compressed(
        path,
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
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise KeypointsFileError(f"{path}: not a readable keypoints .npz file ({exc})") from exc
    return _series_from_arrays(contents, path)


def _series_from_arrays(contents: dict[str, np.ndarray], path: Path) -> KeypointSeries:
    required = [*_ARRAY_FIELDS, "image_size", "fps", "format_version"]
    missing = [name for name in required if name not in contents]
    if missing:
        raise KeypointsFileError(f"{path}: missing arrays {missing}")
    version = int(contents["format_version"])
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
            fps=float(contents["fps"]),
            source=source,
        )
    except ValueError as exc:
        raise KeypointsFileError(f"{path}: {exc}") from exc
