"""Rebuild `models/pose_landmarker_full.task` from the BlazePose files in mediapipe 0.10.21.

MediaPipe stopped shipping model files in its wheels and its `.task` downloads cannot be reached
from every machine, so this project builds its own bundle from the Apache-2.0 TFLite files that
the `mediapipe==0.10.21` wheel still ships:

- `mediapipe/modules/pose_detection/pose_detection.tflite` -> `pose_detector.tflite`
  (image input normalised with mean 127.5, std 127.5, i.e. to [-1, 1]);
- `mediapipe/modules/pose_landmark/pose_landmark_full.tflite` -> `pose_landmarks_detector.tflite`
  (image input normalised with mean 0, std 255, i.e. to [0, 1]).

Metadata is added with MediaPipe's own metadata writers and both files are zipped, stored and
aligned, with fixed timestamps so that the output is byte-for-byte reproducible.

Run it through `models/build_pose_task.sh`, which makes a throwaway virtual environment with
mediapipe 0.10.21; run directly only inside such an environment:

    python models/build_pose_task.py OUTPUT.task
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer
from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils as bundle

EXPECTED_MEDIAPIPE = "0.10.21"
SOURCES = {
    "pose_detector.tflite": (
        "modules/pose_detection/pose_detection.tflite",
        "BlazePose detector",
        127.5,
        127.5,
    ),
    "pose_landmarks_detector.tflite": (
        "modules/pose_landmark/pose_landmark_full.tflite",
        "BlazePose GHUM 3D landmarks (full)",
        0.0,
        255.0,
    ),
}


def with_metadata(model: bytes, name: str, mean: float, std: float) -> bytes:
    """Returns the TFLite model with general info and image-input normalisation metadata."""
    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, "Apache-2.0 BlazePose model from mediapipe 0.10.21")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    content, _ = writer.populate()
    return bytes(content)


def main(out: str) -> int:
    """Writes the bundle to `out` and prints the sha256 of its sources and of itself."""
    if mediapipe.__version__ != EXPECTED_MEDIAPIPE:
        found = mediapipe.__version__
        print(f"need mediapipe=={EXPECTED_MEDIAPIPE}, found {found}", file=sys.stderr)
        return 2
    root = Path(mediapipe.__file__).parent
    members = {}
    for member, (rel, name, mean, std) in SOURCES.items():
        src = (root / rel).read_bytes()
        print(f"{rel}: sha256 {hashlib.sha256(src).hexdigest()}")
        members[member] = with_metadata(src, name, mean, std)
    with bundle.AlignZipFile(out, mode="w", alignment=bundle._ALIGNMENT) as zf:
        for member, data in members.items():
            info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, data)
    digest = hashlib.sha256(Path(out).read_bytes()).hexdigest()
    print(f"{out}: sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "pose_landmarker_full.task"))
