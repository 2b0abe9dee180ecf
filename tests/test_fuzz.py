"""Fuzzing: mutated videos, keypoints files and configs never crash or hang the tool.

Each case runs the CLI (`cli.main`) and must end with status 0 (analysed) or 2 (bad input, one
line on stderr), never 1 (an uncaught internal error) and never a traceback. Seeded byte
mutations (flip, cut, splice, zero) plus structured mutations (wrong shapes, NaN, absurd
numbers). A watchdog (`faulthandler`) bounds each case's time, so a hang fails loudly with the
stack of where it hung instead of stalling the suite.
"""

from __future__ import annotations

import dataclasses
import faulthandler
import json
import math
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from conftest import MODEL, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hipthrust_cam import cli
from hipthrust_cam.datatypes import KeypointSeries

CASE_TIMEOUT_S = 60  # a hang bound, not a speed check: cases take well under a second
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextmanager
def hang_guard(seconds: float = CASE_TIMEOUT_S) -> Iterator[None]:
    """Dumps every thread's stack and exits if the block runs longer than `seconds`."""
    faulthandler.dump_traceback_later(seconds, exit=True, file=sys.__stderr__)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One random damage: flipped bytes, a cut, a spliced copy, a zeroed or random stretch."""
    buf = bytearray(data)
    n = len(buf)
    kind = int(rng.integers(5))
    a, b = sorted(int(x) for x in rng.integers(0, n, 2))
    if kind == 0:
        for i in rng.integers(0, n, int(rng.integers(1, 16))):
            buf[int(i)] ^= 1 << int(rng.integers(8))
    elif kind == 1:
        del buf[a:]
    elif kind == 2:
        buf[a:a] = buf[b : b + int(rng.integers(1, 256))]
    elif kind == 3:
        buf[a:b] = bytes(b - a)
    else:
        buf[a:b] = rng.integers(0, 256, b - a, dtype=np.uint8).tobytes()
    return bytes(buf)


def analyze_with_config(
    capsys: pytest.CaptureFixture[str], keypoints: Path, config: Path, scratch: Path
) -> tuple[int, str]:
    """`analyze --keypoints` with a config file, through `run_cli`."""
    out = scratch / "run"
    return run_cli(capsys, "analyze", "--keypoints", keypoints, "--config", config, "--out", out,
                   "--force")  # fmt: skip


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
    """Runs the CLI under the hang guard; returns (status, stderr) and checks the contract."""
    with hang_guard():
        status = cli.main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert status in (cli.Exit.OK, cli.Exit.BAD_INPUT), err
    if status == cli.Exit.BAD_INPUT:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("hipthrust-cam: "), err
    return status, err


# ---------------------------------------------------------------------------------------------
# Keypoints files


@pytest.fixture(scope="module")
def good_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid keypoints file of a short synthetic set (one rep)."""
    from hipthrust_cam.pose.keypoints import save_keypoints
    from hipthrust_cam.synth import SetSpec, simulate

    series = simulate(SetSpec(reps=1, fps=15.0, setup_s=0.5, tail_s=0.3)).series
    return save_keypoints(series, tmp_path_factory.mktemp("npz") / "good.npz")


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("seed", range(30))
def test_mutated_keypoints_bytes_never_crash(good_npz, scratch, capsys, seed):
    path = scratch / "k.npz"
    path.write_bytes(mutate(good_npz.read_bytes(), np.random.default_rng(seed)))
    run_cli(capsys, "analyze", "--keypoints", path, "--out", scratch / "run", "--force")


def _odd_values(name: str, value: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Arrays a damaged or hand-made file might hold in place of `value`."""
    if value.dtype.kind not in "fi":
        return [
            np.asarray(7.5),
            np.zeros((3, 2)),
            np.asarray(b"\xff\xfe"),
            np.asarray(""),
            np.asarray(["a", "b"]),
            np.asarray(True),
            np.asarray("x" * 10000),
        ]
    flat = value.astype(np.float64).copy()
    if flat.size:
        flat.reshape(-1)[rng.integers(0, flat.size, max(1, flat.size // 10))] = np.nan
    big = (
        np.full_like(
            value,
            1e30
            if value.dtype.kind == "f"
            else np.iinfo(np.int16).max
            if value.dtype.kind == "i"
            else 1,
            dtype=value.dtype,
        )
        if value.dtype.kind in "fi"
        else value
    )
    return [
        flat.astype(value.dtype) if value.dtype.kind == "f" else value,
        value[: max(0, len(value) // 2)] if value.ndim else value,  # inconsistent length
        value.reshape(-1) if value.ndim > 1 else value.reshape(1, -1),  # wrong rank
        -np.abs(value) if value.dtype.kind in "fi" else value,  # negative
        big,
        np.asarray("text"),  # wrong type
        np.zeros((0, *value.shape[1:]), value.dtype) if value.ndim else value,  # empty
    ]


FIELDS = (*(f.name for f in dataclasses.fields(KeypointSeries)), "format_version")
"""Every field of a keypoints file."""


ODD_CASES = [(f, w) for f in FIELDS for w in range(7)]


@pytest.mark.parametrize(("field", "which"), ODD_CASES)
def test_structurally_odd_keypoints_never_crash(good_npz, scratch, capsys, field, which):
    rng = np.random.default_rng(which)
    with np.load(good_npz, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays[field] = _odd_values(field, arrays[field], rng)[which]
    if field == "image_size" and which == 4:
        arrays[field] = np.asarray([10**6, 10**6])  # an absurd frame size
    if field == "t_s" and which == 3:
        arrays[field] = arrays[field][::-1].copy()  # time running backwards
    path = scratch / "k.npz"
    np.savez(path, **arrays)
    run_cli(capsys, "analyze", "--keypoints", path, "--out", scratch / "run", "--force")


def test_all_landmarks_on_one_point_is_not_a_crash(good_npz, scratch, capsys):
    with np.load(good_npz, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["xy"] = np.full_like(arrays["xy"], 50.0)  # a glitching model: everything at one spot
    np.savez(scratch / "k.npz", **arrays)
    run_cli(capsys, "analyze", "--keypoints", scratch / "k.npz", "--out", scratch / "run")


# ---------------------------------------------------------------------------------------------
# Config files

GOOD_TOML = b"""[pose]
num_poses = 2
[video]
max_long_side = 960
[reps]
min_rom_deg = 30.0
min_duration_s = 0.6
[smoothing]
window_frames = 7
[faults.feet_too_far]
knee_max_deg = 105.0
[cues]
hold_s = 0.4
"""


@pytest.mark.parametrize("seed", range(60))
def test_mutated_config_bytes_load_or_fail_with_one_line(good_npz, scratch, capsys, seed):
    path = scratch / "c.toml"
    path.write_bytes(mutate(GOOD_TOML, np.random.default_rng(seed)))
    # Exercise the whole CLI only when the config loads; else just the one-line error.
    analyze_with_config(capsys, good_npz, path, scratch)


def _keys() -> list[tuple[str, ...]]:
    from hipthrust_cam.config import Config

    out: list[tuple[str, ...]] = []

    def walk(d: dict, prefix: tuple[str, ...]) -> None:
        for k, v in d.items():
            if isinstance(v, dict) and k != "texts":
                walk(v, (*prefix, k))
            else:
                out.append((*prefix, k))

    walk(Config().to_dict(), ())
    return out


ODD_VALUES = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=8),
    st.lists(st.text(max_size=4), max_size=3),
    st.sampled_from([0, 1, -1, 0.0, 1e-9, 1e300, 2**63 - 1, "", "centred", "one_euro"]),
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, (int, str, list)):
        return json.dumps(value)
    raise TypeError(value)


@FUZZ
@given(key=st.sampled_from(_keys()), value=ODD_VALUES)
def test_any_value_for_any_key_is_used_or_refused_in_one_line(
    good_npz, scratch, capsys, key, value
):
    path = scratch / "c.toml"
    path.write_text(
        f"[{'.'.join(key[:-1])}]\n{key[-1]} = {_toml_value(value)}\n"
        if len(key) > 1
        else f"{key[0]} = {_toml_value(value)}\n"
    )
    status, err = analyze_with_config(capsys, good_npz, path, scratch)
    if status == cli.Exit.BAD_INPUT:
        assert key[-1] in err or "c.toml" in err  # the message names the key (or the file)


# ---------------------------------------------------------------------------------------------
# Videos (a real process: the pose model and FFmpeg run in C, where only a watchdog can stop a
# hang)

CHILD = r"""
import contextlib, faulthandler, io, json, logging, sys
from hipthrust_cam import cli
class ToStderr(logging.Handler):  # follows sys.stderr, so each case's warnings are its own
    def emit(self, record):
        sys.stderr.write(self.format(record) + "\n")

logging.basicConfig(level=logging.WARNING, format="hipthrust-cam: %(message)s",
                    handlers=[ToStderr()])
for i, path in enumerate(sys.argv[2:]):
    err = io.StringIO()
    faulthandler.dump_traceback_later(float(sys.argv[1]), exit=True, file=sys.__stderr__)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = cli.main(["analyze", path, "--out", f"run{i}", "--force"]
                              + (["--no-video"] if i % 2 else []))
        uncaught = None
    except BaseException as exc:  # noqa: BLE001 - the point is to see anything escaping
        status, uncaught = -1, repr(exc)
    faulthandler.cancel_dump_traceback_later()
    print(json.dumps({"path": path, "status": int(status), "stderr": err.getvalue(),
                      "uncaught": uncaught}), flush=True)
"""


@pytest.mark.slow  # a real process analysing a dozen videos
@pytest.mark.skipif(not MODEL.is_file(), reason=f"pose model {MODEL} is absent")
def test_mutated_videos_never_crash_or_hang(tmp_path):
    import imageio_ffmpeg

    good = tmp_path / "good.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=10",
            "-t",
            "1",
            "-g",
            "3",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(good),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    data = good.read_bytes()
    paths = []
    for seed in range(12):
        path = tmp_path / f"m{seed:02d}.mp4"
        path.write_bytes(mutate(data, np.random.default_rng(1000 + seed)))
        paths.append(str(path))
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(CASE_TIMEOUT_S), *paths],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=CASE_TIMEOUT_S * (len(paths) + 1),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]  # the watchdog exits 1 on a hang
    cases = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(cases) == len(paths), proc.stderr[-3000:]
    for case in cases:
        assert case["uncaught"] is None, case
        assert case["status"] in (cli.Exit.OK, cli.Exit.BAD_INPUT), case
        assert "Traceback" not in case["stderr"], case
        lines = case["stderr"].strip().splitlines()
        assert all(line.startswith("hipthrust-cam: ") for line in lines), case
        if case["status"] == cli.Exit.BAD_INPUT:
            assert lines, case  # warnings may come first; the error is the last line
    assert any(c["status"] == cli.Exit.OK for c in cases)  # some damage still decodes


def test_mutations_differ_from_the_input_and_each_other():
    data = bytes(range(256)) * 8
    outputs = [mutate(data, np.random.default_rng(s)) for s in range(20)]
    assert len(set(outputs)) > 15
    assert sum(out != data for out in outputs) > 15
