"""Where the app keeps its data: the user's data folder, or one given by flag or environment.

Inputs: an optional folder. Outputs: a `DataDir` naming the database, the run folders the app
writes and the uploads waiting for analysis. Nothing is created until `ensure()` is called.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "HIPTHRUST_CAM_DATA_DIR"
"""Overrides the default data folder (tests and several profiles on one machine use it)."""

APP_NAME = "hipthrust-cam"


def default_root() -> Path:
    """`$HIPTHRUST_CAM_DATA_DIR`, else the platform's user data folder for the app."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class DataDir:
    """The app's data folder.

    Attributes:
        root: The folder itself.
    """

    root: Path

    @classmethod
    def resolve(cls, given: Path | None = None) -> DataDir:
        """The folder given, else `default_root()`, made absolute."""
        return cls((given or default_root()).expanduser().resolve())

    @property
    def db(self) -> Path:
        """The SQLite database: the index of every set."""
        return self.root / "history.sqlite3"

    @property
    def runs(self) -> Path:
        """Run folders the app writes (uploads and browser live sets)."""
        return self.root / "runs"

    @property
    def uploads(self) -> Path:
        """Uploaded videos waiting for (or being) analysed."""
        return self.root / "uploads"

    def ensure(self) -> DataDir:
        """Creates the folders; returns self."""
        for folder in (self.root, self.runs, self.uploads):
            folder.mkdir(parents=True, exist_ok=True)
        return self
