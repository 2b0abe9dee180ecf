"""Build the MediaPipe PoseLandmarker bundles `pose_landmarker_{lite,full,heavy}.task`.

MediaPipe stopped shipping model files in its wheels and its `.task` downloads cannot be reached
from every machine, so this project builds its own bundles from Apache-2.0 BlazePose TFLite files:

- the detector, `pose_detection.tflite`, and the full landmark model come from the
  `mediapipe==0.10.21` wheel on PyPI;
- the lite and heavy landmark models come from the npm tarball `@mediapipe/pose@0.5.1675469404`,
  downloaded with urllib (no node or npm needed) and checked against the registry's integrity
  hash. Its full model must equal the wheel's, which vouches for the tarball.

Every source file is checked against a recorded sha256. Metadata (general info and the image
input's normalisation) is added with MediaPipe's own metadata writers, and the two members are
zipped, stored and aligned, with fixed timestamps, so each bundle is byte-for-byte reproducible;
its sha256 is checked against the recorded one before it replaces the file in the output folder.

Run it through `models/build_models.sh`, which makes a throwaway virtual environment with
mediapipe 0.10.21; run directly only inside such an environment:

    python models/build_models.py [--variant {lite,full,heavy,all}] [--out-dir DIR]
        [--npm-tarball FILE]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer
from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils as bundle

MEDIAPIPE_VERSION = "0.10.21"
NPM_PACKAGE = "@mediapipe/pose 0.5.1675469404"
NPM_URL = "https://registry.npmjs.org/@mediapipe/pose/-/pose-0.5.1675469404.tgz"
NPM_INTEGRITY = "sha512-DFZsNWTsSphRIZppnUCuunzBiHP2FdJXR9ehc7mMi4KG+oPaOH0Em3d6kr7Py+TSyTXC1doH88KcF28k2sBxsQ=="  # noqa: E501
NPM_SHASUM = "8f81e64c6561b2357a021a134b54de0204bafc72"
ORIGINS = {"wheel": f"mediapipe {MEDIAPIPE_VERSION}", "npm": NPM_PACKAGE}
VARIANTS = ("lite", "full", "heavy")
DETECTOR_NORM = (127.5, 127.5)  # mean, std: image input to [-1, 1]
LANDMARKS_NORM = (0.0, 255.0)  # mean, std: image input to [0, 1]
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Source:
    """A TFLite file inside the wheel's `mediapipe/` folder or inside the npm tarball."""

    origin: str
    path: str
    sha256: str


DETECTOR = Source(
    "wheel",
    "modules/pose_detection/pose_detection.tflite",
    "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
)
LANDMARKS = {
    "lite": Source(
        "npm",
        "package/pose_landmark_lite.tflite",
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    ),
    "full": Source(
        "wheel",
        "modules/pose_landmark/pose_landmark_full.tflite",
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    ),
    "heavy": Source(
        "npm",
        "package/pose_landmark_heavy.tflite",
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
    ),
}
NPM_FULL = Source("npm", "package/pose_landmark_full.tflite", LANDMARKS["full"].sha256)
BUNDLE_SHA256 = {
    "lite": "8e424aa1113978640419108f397d1df9d8dc2bbcdb5ae2c493b93ae561e48869",
    "full": "06530e5bbf080e3cf5bd8a1339297092fbd49d7279029c455212b7b8cec7bfea",
    "heavy": "e59c5ce82f56e8ab6b27ba326f333c1c31f1299ac8368bf9b6bbff664b1fa6b8",
}


class BuildError(Exception):
    """A source or a bundle does not match its recorded checksum."""


def check_sha256(label: str, data: bytes, expected: str) -> None:
    """Checks the sha256 of `data` and prints it.

    Args:
        label: What `data` is, for the message.
        data: The bytes to hash.
        expected: The recorded sha256 (hex).

    Raises:
        BuildError: The sha256 differs from `expected`.
    """
    got = hashlib.sha256(data).hexdigest()
    if got != expected:
        raise BuildError(f"{label}: sha256 {got}, expected {expected}")
    print(f"{label}: sha256 {got} OK ({len(data):,} B)")


def check_tarball(tgz: bytes) -> None:
    """Checks the npm tarball against the registry's `dist.integrity` and `dist.shasum`.

    Raises:
        BuildError: Either hash differs from the recorded one.
    """
    sha512 = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()
    sha1 = hashlib.sha1(tgz).hexdigest()
    if sha512 != NPM_INTEGRITY or sha1 != NPM_SHASUM:
        raise BuildError(f"{NPM_URL}: integrity {sha512}, shasum {sha1}: not the registry's")
    print(f"{NPM_URL}: integrity {sha512} OK ({len(tgz):,} B)")


def read_tarball(local: Path | None) -> bytes:
    """Returns the checked npm tarball: read from `local` if given, else downloaded."""
    if local is not None:
        tgz = local.read_bytes()
    else:
        print(f"downloading {NPM_URL}")
        with urllib.request.urlopen(NPM_URL, timeout=120) as response:
            tgz = response.read()
    check_tarball(tgz)
    return tgz


def read_npm(tgz: bytes, sources: list[Source]) -> dict[Source, bytes]:
    """Returns the tarball members named by `sources`, each checked against its sha256."""
    found = {}
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        for src in sources:
            try:
                member = tar.extractfile(src.path)
            except KeyError:
                member = None
            if member is None:
                raise BuildError(f"{NPM_URL}: no regular file {src.path}")
            found[src] = member.read()
            check_sha256(f"npm:{src.path}", found[src], src.sha256)
    return found


def read_wheel(sources: list[Source]) -> dict[Source, bytes]:
    """Returns the wheel files named by `sources`, each checked against its sha256."""
    root = Path(mediapipe.__file__).parent
    found = {}
    for src in sources:
        found[src] = (root / src.path).read_bytes()
        check_sha256(f"wheel:mediapipe/{src.path}", found[src], src.sha256)
    return found


def read_sources(variants: list[str], tarball: Path | None) -> dict[Source, bytes]:
    """Returns every checked source file the variants need.

    When a landmark model comes from npm, the tarball's full model is read too and must equal
    the wheel's.
    """
    wanted = [DETECTOR] + [LANDMARKS[v] for v in variants]
    from_npm = [s for s in wanted if s.origin == "npm"]
    if not from_npm:
        return read_wheel(wanted)
    from_wheel = dict.fromkeys([s for s in wanted if s.origin == "wheel"] + [LANDMARKS["full"]])
    found = read_wheel(list(from_wheel))
    found |= read_npm(read_tarball(tarball), [*from_npm, NPM_FULL])
    if found[NPM_FULL] != found[LANDMARKS["full"]]:
        raise BuildError("the npm tarball's pose_landmark_full.tflite differs from the wheel's")
    print("npm pose_landmark_full.tflite == wheel pose_landmark_full.tflite OK")
    return found


def with_metadata(model: bytes, name: str, origin: str, norm: tuple[float, float]) -> bytes:
    """Returns the TFLite model with general info and image-input normalisation metadata.

    Args:
        model: The TFLite flatbuffer.
        name: The model's name in the metadata.
        origin: Where the file comes from, for the metadata's description.
        norm: The image input's normalisation (mean, std).
    """
    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, f"Apache-2.0 BlazePose model from {origin}")
    writer.add_image_input(norm_mean=[norm[0]], norm_std=[norm[1]])
    content, _ = writer.populate()
    return bytes(content)


def bundle_members(variant: str, found: dict[Source, bytes]) -> dict[str, bytes]:
    """Returns the bundle's member files, in order, with metadata added."""
    landmarks = LANDMARKS[variant]
    return {
        "pose_detector.tflite": with_metadata(
            found[DETECTOR], "BlazePose detector", ORIGINS[DETECTOR.origin], DETECTOR_NORM
        ),
        "pose_landmarks_detector.tflite": with_metadata(
            found[landmarks],
            f"BlazePose GHUM 3D landmarks ({variant})",
            ORIGINS[landmarks.origin],
            LANDMARKS_NORM,
        ),
    }


def write_bundle(path: Path, members: dict[str, bytes]) -> None:
    """Writes `members` to a zip at `path`, stored and aligned, with fixed timestamps."""
    with bundle.AlignZipFile(path, mode="w", alignment=bundle._ALIGNMENT) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, data)


def build(variant: str, found: dict[Source, bytes], out_dir: Path) -> None:
    """Builds `pose_landmarker_<variant>.task` in `out_dir` if its sha256 is the recorded one.

    Raises:
        BuildError: The bundle's sha256 differs; the file in `out_dir` is left as it was.
    """
    out = out_dir / f"pose_landmarker_{variant}.task"
    tmp = out.with_name(out.name + ".tmp")
    write_bundle(tmp, bundle_members(variant, found))
    try:
        check_sha256(str(out), tmp.read_bytes(), BUNDLE_SHA256[variant])
    except BuildError as err:
        tmp.unlink()
        raise BuildError(f"{err} (if the change is meant, record it in BUNDLE_SHA256)") from None
    os.replace(tmp, out)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Returns the command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=[*VARIANTS, "all"], default="all")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument(
        "--npm-tarball", type=Path, help="a local copy of the npm tarball (checked all the same)"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Builds the bundles named on the command line; returns the exit status."""
    args = parse_args(argv)
    if mediapipe.__version__ != MEDIAPIPE_VERSION:
        found = mediapipe.__version__
        print(f"need mediapipe=={MEDIAPIPE_VERSION}, found {found}", file=sys.stderr)
        return 2
    variants = list(VARIANTS) if args.variant == "all" else [args.variant]
    try:
        found = read_sources(variants, args.npm_tarball)
        args.out_dir.mkdir(parents=True, exist_ok=True)
        for variant in variants:
            build(variant, found, args.out_dir)
    except (BuildError, OSError) as err:
        sys.stdout.flush()
        print(f"BUILD FAILED: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
