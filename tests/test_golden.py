"""Goldens: every rendered sample's keypoints and report, committed and compared with tolerances.

`tests/golden/` holds, for each `sample_videos/NAME.mp4`:

- `NAME.keypoints.npz`: the real pose stage's keypoints (one tracker, default `Config()`);
- `NAME.report.json`: `analyze_series` on those keypoints with the default `Config()`.

The fast test runs the analyzer on each golden keypoints file (no pose model) and compares its
report with the golden one; a failure lists what changed, per rep field, golden against now.
The slow test (`-m slow`) runs the pose model over each sample and compares its keypoints with
the golden ones; a failure lists the pixel differences per joint. So a change of analyzer, of
model or of MediaPipe/OpenCV shows as a readable diff.

After a deliberate change of model, library or analyzer, regenerate and review the diff:

    python -m pytest tests/test_golden.py --regen-golden              # keypoints and reports
    python -m pytest tests/test_golden.py --regen-golden -m "not slow"  # reports only
    git diff --stat tests/golden/ && git diff tests/golden/*.json

Only files whose content changed are rewritten (each such test is reported as skipped,
"regenerated ..."). tests/golden/README.md says how the files were made and what the
tolerances rest on.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import GOLDEN, ROOT, SAMPLES, golden_path

from hipthrust_cam.analysis.faults import THRESHOLD_ROWS
from hipthrust_cam.analysis.features import JOINTS
from hipthrust_cam.analysis.framing import camera_yaws_deg
from hipthrust_cam.config import Config
from hipthrust_cam.datatypes import SIDE_JOINTS, KeypointSeries
from hipthrust_cam.pose.keypoints import load_keypoints, save_keypoints
from hipthrust_cam.report.assemble import analyze_series

VIDEOS = sorted(p.name for p in SAMPLES.glob("*.mp4"))

# -- the report: tolerances and a readable diff ----------------------------------------------

TIME_FRAMES = 1.0
"""Times (`*_s`) may move by one frame: a float difference can move a phase boundary by one."""
ANGLE_DEG = 0.5
"""Angles (`*_deg`): on the lockout plateau the hip moves < 15 deg/s, i.e. < 0.5 deg a frame."""
CONFIDENCE = 0.02
"""Confidences: a mean of key-landmark visibility over 30-60 frames; one frame moves it < 0.02."""
FRACTION = 0.01
"""Shares (judged share, clarity) and lengths in shin or torso lengths (heel lift, drift, arch;
under one mask pixel, ~0.013)."""
ROUNDING = 1e-3
"""Fault values and confidences are rounded to 3 decimals: every tolerance allows that too."""
MAX_LINES = 40
"""At most this many lines of a diff are shown."""

DROPPED_FIELDS = ("presence",)
"""Keypoint fields the goldens store as NaN: neither the analyzer nor the comparison reads them."""

FAULT_MEASURE = {code: measure for code, measure, *_ in THRESHOLD_ROWS} | {
    "lumbar_hyperextension": "hip_extension_deg"
}
"""Fault code -> the measure its `value` is (for the tolerance of that value)."""


def _tolerance(key: str, fps: float) -> float:
    """How far a float named `key` may move (0 = exact)."""
    if key in ("limit", "fps"):
        return 0.0
    if key == "confidence":
        return CONFIDENCE + ROUNDING
    if key.endswith("_s"):
        return TIME_FRAMES / fps + ROUNDING
    if key.endswith("_deg"):
        return ANGLE_DEG + ROUNDING
    return FRACTION + ROUNDING


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fault_names(faults: list[dict]) -> list[str]:
    return [("possible " if f["possible"] else "") + f["code"] for f in faults]


def _rep_line(rep: dict) -> str:
    faults = ", ".join(_fault_names(rep["faults"])) or "no faults"
    hip = rep.get("hip_extension_deg")
    hip_text = f"{hip:.1f}" if isinstance(hip, float) else "-"
    return (
        f"rep {rep['index']}: {rep['start_s']:.2f}-{rep['end_s']:.2f} s, "
        f"hip {hip_text} deg, {faults}"
    )


class _Diff:
    """Walks a golden report and a new one side by side and collects what differs."""

    def __init__(self, fps: float) -> None:
        self.fps = fps
        self.lines: list[str] = []

    def walk(self, golden: Any, now: Any, path: str, key: str, exact: bool = False) -> None:
        if isinstance(golden, dict) and isinstance(now, dict):
            self.dicts(golden, now, path, exact)
        elif isinstance(golden, list) and isinstance(now, list):
            self.lists(golden, now, path, key, exact)
        elif not self.same(golden, now, key, exact):
            self.lines.append(f"{path}: golden {_show(golden)}, now {_show(now)}")

    def same(self, golden: Any, now: Any, key: str, exact: bool) -> bool:
        numbers = (int, float)
        if not (isinstance(golden, numbers) and isinstance(now, numbers)):
            return golden == now
        if isinstance(golden, (bool, int)) and isinstance(now, (bool, int)):
            return golden == now  # counts, flags
        return abs(golden - now) <= (0.0 if exact else _tolerance(key, self.fps))

    def dicts(
        self, golden: dict, now: dict, path: str, exact: bool, like: dict | None = None
    ) -> None:
        """`like` names the measure a key holds, for its tolerance (a fault's `value`)."""
        for key in [*golden, *(k for k in now if k not in golden)]:
            sub = f"{path}.{key}" if path else key
            if key not in now or key not in golden:
                g, n = (_show(d[key]) if key in d else "absent" for d in (golden, now))
                self.lines.append(f"{sub}: golden {g}, now {n}")
            elif key == "reps" and not path:  # config.reps is the rep settings
                self.reps(golden[key], now[key])
            elif key == "faults" and path.startswith("rep "):
                self.faults(golden[key], now[key], path)
            else:
                as_key = (like or {}).get(key, key)
                self.walk(golden[key], now[key], sub, as_key, exact or key == "config")

    def lists(self, golden: list, now: list, path: str, key: str, exact: bool) -> None:
        if len(golden) != len(now):
            self.lines.append(f"{path}: golden {_show(golden)}, now {_show(now)}")
            return
        for i, (g, n) in enumerate(zip(golden, now, strict=True)):
            self.walk(g, n, f"{path}[{i}]", key, exact)

    def reps(self, golden: list[dict], now: list[dict]) -> None:
        if len(golden) != len(now):
            self.lines.append(f"reps: golden {len(golden)}, now {len(now)}")
            self.lines += [f"  golden {_rep_line(r)}" for r in golden]
            self.lines += [f"  now    {_rep_line(r)}" for r in now]
            return
        for i, (g, n) in enumerate(zip(golden, now, strict=True)):
            self.dicts(g, n, f"rep {i + 1}", exact=False)

    def faults(self, golden: list[dict], now: list[dict], path: str) -> None:
        if _fault_names(golden) != _fault_names(now):
            g, n = (", ".join(_fault_names(f)) or "none" for f in (golden, now))
            self.lines.append(f"{path}.faults: golden {g}, now {n}")
            return
        for g, n in zip(golden, now, strict=True):
            measure = FAULT_MEASURE.get(g["code"], "value")
            self.dicts(g, n, f"{path}.{g['code']}", exact=False, like={"value": measure})


def report_diff(golden: dict, now: dict) -> list[str]:
    """What differs beyond the tolerances, one line per field: `path: golden X, now Y`."""
    diff = _Diff(float(golden.get("source", {}).get("fps") or 30.0))
    diff.walk(golden, now, "", "")
    return diff.lines


def shown(lines: list[str]) -> str:
    if len(lines) <= MAX_LINES:
        return "\n".join(lines)
    return "\n".join([*lines[:MAX_LINES], f"... and {len(lines) - MAX_LINES} more"])


# -- the keypoints: tolerances and a readable diff -------------------------------------------


@dataclasses.dataclass(frozen=True)
class KeypointTolerance:
    """How far the pose stage's keypoints may drift from the golden ones.

    Run to run, one tracker gives the same arrays bit for bit, so on one machine the slow test
    sees no difference at all. The limits sit above the largest drift measured between two
    trackers of the same video (a lane's tracker, started 15 frames before its stretch, against
    one tracker over the whole video, after the seam; all nine samples; see
    tests/golden/README.md), which is what a tracker set off by a float difference looks like:
    camera-side joints pooled median 0.78-1.07 px; per joint median 0.45-2.9 px and 95th
    percentile 1.2-12.1 px; detection, visibility-gate, people-count and mask agreement 100 %;
    silhouette profiles median 0, 95th percentile 0.013 torso lengths; camera yaw from the
    world landmarks median 0.28-0.71 deg, 95th percentile 0.87-2.9 deg.
    """

    pooled_median_px: float = 2.0  # all camera-side joints and frames detected in both
    median_px: float = 4.0  # per camera-side joint
    p95_px: float = 16.0  # per camera-side joint
    detected_agree: float = 0.99  # share of frames whose "someone detected" agrees
    visible_agree: float = 0.98  # share of (frame, joint) whose visibility-gate state agrees
    people_agree: float = 0.99  # share of frames whose "several people" agrees
    masked_agree: float = 0.99  # share of frames whose "has silhouette profiles" agrees
    profile_median: float = 0.02  # torso lengths
    profile_p95: float = 0.05  # torso lengths
    yaw_median_deg: float = 1.5  # camera yaw from the world landmarks (side/oblique/front view)
    yaw_p95_deg: float = 6.0


def _columns(side: str | None) -> dict[str, int]:
    """The landmarks the analyzer reads on the camera side (both sides if it has none)."""
    sides = [side] if side in SIDE_JOINTS else list(SIDE_JOINTS)
    return {
        (joint if len(sides) == 1 else f"{s} {joint}"): SIDE_JOINTS[s][joint]
        for s in sides
        for joint in JOINTS
    }


def _agreements(golden: KeypointSeries, now: KeypointSeries, cols: list[int]) -> dict:
    gate = Config().features.visibility_gate

    def masked(s: KeypointSeries) -> np.ndarray:
        return np.isfinite(s.back_profile).any(axis=1)

    return {
        "detected": float(np.mean((golden.num_poses > 0) == (now.num_poses > 0))),
        "visible": float(
            np.mean((golden.visibility[:, cols] >= gate) == (now.visibility[:, cols] >= gate))
        ),
        "people": float(np.mean((golden.num_poses > 1) == (now.num_poses > 1))),
        "masked": float(np.mean(masked(golden) == masked(now))),
    }


def _yaws(world: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    """(N,) camera yaw per frame (median of the clearly seen axes), deg, as the analyzer reads
    it; NaN where no axis is clearly seen."""
    out = []
    for w, v in zip(world, visibility, strict=True):
        yaws = camera_yaws_deg(w, v, 0.5)
        out.append(float(np.median(yaws)) if yaws else np.nan)
    return np.array(out, dtype=float)


def _percentiles(values: np.ndarray) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if not values.size:
        return 0.0, 0.0
    return float(np.median(values)), float(np.percentile(values, 95))


def keypoint_diff(
    golden: KeypointSeries, now: KeypointSeries, side: str | None, tol: KeypointTolerance
) -> tuple[list[str], list[str]]:
    """(what is beyond the tolerances, a table of every measure) for the camera-side joints."""
    if (len(golden), golden.image_size) != (len(now), now.image_size) or not np.allclose(
        golden.t_s, now.t_s, rtol=0, atol=1e-6
    ):
        return [f"frames: golden {len(golden)} of {golden.image_size}, now {len(now)} of "
                f"{now.image_size} (or their times differ)"], []  # fmt: skip
    cols = _columns(side)
    both = (golden.num_poses > 0) & (now.num_poses > 0)
    dist = np.hypot(
        *(golden.xy[both][:, list(cols.values())] - now.xy[both][:, list(cols.values())]).T
    ).T
    pooled = _percentiles(dist.ravel())[0]
    table = [f"{'joints':>10}: median {pooled:5.2f} px over all"]
    problems = []
    if pooled > tol.pooled_median_px:
        problems.append(f"joints: median {pooled:.2f} px (limit {tol.pooled_median_px})")
    for i, joint in enumerate(cols):
        med, p95 = _percentiles(dist[:, i])
        table.append(f"{joint:>10}: median {med:5.2f} px, 95th percentile {p95:5.1f} px")
        if med > tol.median_px or p95 > tol.p95_px:
            problems.append(
                f"{joint}: median {med:.2f} px (limit {tol.median_px}), "
                f"95th percentile {p95:.1f} px (limit {tol.p95_px})"
            )
    for name, share in _agreements(golden, now, list(cols.values())).items():
        limit = getattr(tol, f"{name}_agree")
        table.append(f"{name:>10}: {share:.2%} agree")
        if share < limit:
            problems.append(f"{name}: {share:.2%} agree (limit {limit:.0%})")
    profiles = np.abs(np.concatenate([golden.back_profile - now.back_profile,
                                      golden.front_profile - now.front_profile]))  # fmt: skip
    med, p95 = _percentiles(profiles.ravel())
    table.append(f"{'profiles':>10}: median {med:.3f}, 95th percentile {p95:.3f} torso lengths")
    if med > tol.profile_median or p95 > tol.profile_p95:
        problems.append(f"profiles: median {med:.3f}, 95th percentile {p95:.3f} torso lengths")
    yaw = np.abs(
        _yaws(golden.world[both], golden.visibility[both])
        - _yaws(now.world[both], now.visibility[both])
    )
    med, p95 = _percentiles(yaw)
    table.append(f"{'yaw':>10}: median {med:.2f} deg, 95th percentile {p95:.2f} deg")
    if med > tol.yaw_median_deg or p95 > tol.yaw_p95_deg:
        problems.append(
            f"yaw: median {med:.2f} deg (limit {tol.yaw_median_deg}), "
            f"95th percentile {p95:.2f} deg (limit {tol.yaw_p95_deg})"
        )
    return problems, table


# -- the goldens on disk ------------------------------------------------------------------------


def as_golden(series: KeypointSeries, video: str) -> KeypointSeries:
    """`series` as the goldens store it: unread fields NaN, the source relative to the repo."""
    dropped = {name: np.full_like(getattr(series, name), np.nan) for name in DROPPED_FIELDS}
    return dataclasses.replace(series, **dropped, source=f"sample_videos/{video}")


def same_series(a: KeypointSeries, b: KeypointSeries) -> bool:
    arrays = [
        f.name
        for f in dataclasses.fields(KeypointSeries)
        if f.name not in ("fps", "source", "image_size")
    ]
    return (a.image_size, a.fps, a.source) == (b.image_size, b.fps, b.source) and all(
        np.array_equal(getattr(a, n), getattr(b, n), equal_nan=True) for n in arrays
    )


def golden_report(video: str) -> dict:
    path = golden_path(video, "report.json")
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run with --regen-golden")
    return json.loads(path.read_text())


def write_report(video: str, report: dict) -> Path | None:
    """Writes the golden report if its content changed; returns the path written, or None."""
    path = golden_path(video, "report.json")
    if path.is_file() and json.loads(path.read_text()) == report:
        return None
    path.write_text(json.dumps(report, indent=1) + "\n")
    return path


def regenerating(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


# -- the tests ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("video", VIDEOS)
def test_pose_model_reproduces_the_golden_keypoints(
    video: str, clip_keypoints, request: pytest.FixtureRequest
) -> None:
    """The pose model over the sample: the golden keypoints within `KeypointTolerance`."""
    now = as_golden(clip_keypoints(video), video)
    path = golden_path(video, "keypoints.npz")
    if regenerating(request) and not (path.is_file() and same_series(load_keypoints(path), now)):
        GOLDEN.mkdir(exist_ok=True)
        save_keypoints(now, path)
        write_report(video, analyze_series(now, Config())[1])
        pytest.skip(f"regenerated {path.relative_to(ROOT)} and its report")
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run with --regen-golden")
    golden = load_keypoints(path)
    problems, table = keypoint_diff(
        golden, now, golden_report(video)["setup"]["side"], KeypointTolerance()
    )
    if problems:
        pytest.fail(
            f"{video}: the pose stage's keypoints moved from {path.name} (a new model, "
            "MediaPipe or OpenCV?)\n"
            + "\n".join(problems)
            + "\nall measures:\n"
            + "\n".join(table),
            pytrace=False,
        )


@pytest.mark.parametrize("video", VIDEOS)
def test_analyzer_reproduces_the_golden_report(
    video: str, golden_keypoints, request: pytest.FixtureRequest
) -> None:
    """The analyzer on the golden keypoints: the golden report, within the tolerances above."""
    _, now = analyze_series(golden_keypoints(video), Config())
    if regenerating(request):
        written = write_report(video, now)
        if written is not None:
            pytest.skip(f"regenerated {written.relative_to(ROOT)}")
    diff = report_diff(golden_report(video), now)
    if diff:
        pytest.fail(
            f"{video}: the analyzer's report differs from golden/{Path(video).stem}.report.json "
            "(review; regenerate with --regen-golden if it is meant):\n" + shown(diff),
            pytrace=False,
        )


def test_every_sample_has_goldens_and_every_golden_a_sample() -> None:
    stems = {Path(v).stem for v in VIDEOS}
    kinds = ("keypoints.npz", "report.json")
    missing = [
        f"{s}.{k}" for s in sorted(stems) for k in kinds if not (GOLDEN / f"{s}.{k}").is_file()
    ]
    stray = [
        p.name
        for p in GOLDEN.glob("*.*")
        if p.name != "README.md" and p.name.split(".")[0] not in stems
    ]
    assert not missing and not stray, f"missing: {missing}; without a sample: {stray}"


# -- the comparisons can fail -------------------------------------------------------------------


def _replace(config: Any, path: str, value: Any) -> Any:
    """`config` with the field at the dotted `path` ("faults.heels_up.lift_max") set."""
    head, _, rest = path.partition(".")
    inner = _replace(getattr(config, head), rest, value) if rest else value
    return dataclasses.replace(config, **{head: inner})


def test_a_changed_fault_threshold_shows_as_new_faults_per_rep(golden_keypoints) -> None:
    config = _replace(Config(), "faults.feet_too_close.knee_min_deg", 95.0)
    _, now = analyze_series(golden_keypoints("clean_left.mp4"), config)
    diff = report_diff(golden_report("clean_left.mp4"), now)
    assert "rep 1.faults: golden none, now feet_too_close" in diff
    assert "config.faults.feet_too_close.knee_min_deg: golden 78.000, now 95.000" in diff
    assert "summary.clean_reps: golden 3, now 0" in diff


def test_a_changed_rep_threshold_shows_as_moved_times(golden_keypoints) -> None:
    config = _replace(Config(), "reps.lockout_speed_dps", 8.0)
    _, now = analyze_series(golden_keypoints("clean_left.mp4"), config)
    diff = report_diff(golden_report("clean_left.mp4"), now)
    assert any(line.split(":")[0].endswith(".pause_s") for line in diff), diff
    assert len(diff) < MAX_LINES, diff  # short enough to read


def test_a_lost_rep_shows_both_rep_lists() -> None:
    golden = golden_report("rushed_no_pause.mp4")
    now = json.loads(json.dumps(golden))
    del now["reps"][1]
    diff = report_diff(golden, now)
    assert diff[0] == f"reps: golden {len(golden['reps'])}, now {len(now['reps'])}"
    assert sum(line.startswith("  golden rep") for line in diff) == len(golden["reps"])


def test_the_report_tolerances_pass_small_drift_and_catch_two_frames(golden_keypoints) -> None:
    golden = golden_report("clean_left.mp4")
    now = json.loads(json.dumps(golden))
    rep = now["reps"][0]
    rep["knee_angle_deg"] += 0.4
    rep["confidence"] -= 0.01
    assert report_diff(golden, now) == []
    rep["lockout_start_s"] += 2.0 / 30.0
    assert report_diff(golden, now) == [
        f"rep 1.lockout_start_s: golden {golden['reps'][0]['lockout_start_s']:.3f}, "
        f"now {rep['lockout_start_s']:.3f}"
    ]


def test_keypoint_tolerances_pass_tracker_noise_and_catch_a_moved_joint(golden_keypoints) -> None:
    golden = golden_keypoints("clean_left.mp4")
    rng = np.random.default_rng(0)
    noisy = dataclasses.replace(
        golden, xy=golden.xy + rng.normal(0, 1.0, golden.xy.shape).astype(np.float32)
    )
    assert keypoint_diff(golden, noisy, "left", KeypointTolerance())[0] == []
    xy = golden.xy.copy()
    xy[:, SIDE_JOINTS["left"]["hip"], 0] += 5.0  # a model that reads the hip 5 px (~1.3 cm) off
    moved = dataclasses.replace(golden, xy=xy)
    problems = keypoint_diff(golden, moved, "left", KeypointTolerance())[0]
    assert len(problems) == 1 and problems[0].startswith("hip: median 5.00 px")


def test_keypoint_tolerances_catch_lost_detections(golden_keypoints) -> None:
    golden = golden_keypoints("clean_left.mp4")
    num_poses = golden.num_poses.copy()
    num_poses[100:110] = 0  # 10 of 498 frames: 2 %
    problems = keypoint_diff(
        golden, dataclasses.replace(golden, num_poses=num_poses), "left", KeypointTolerance()
    )[0]
    assert problems == ["detected: 97.99% agree (limit 99%)"]


def test_the_analyzer_does_not_read_presence(golden_keypoints) -> None:
    """So the goldens may store it as NaN (`DROPPED_FIELDS`); if this fails, store it."""
    golden = golden_keypoints("clean_left.mp4")
    rng = np.random.default_rng(1)
    filled = {
        name: rng.uniform(0, 1, getattr(golden, name).shape).astype(np.float32)
        for name in DROPPED_FIELDS
    }
    _, with_fields = analyze_series(dataclasses.replace(golden, **filled), Config())
    assert with_fields == analyze_series(golden, Config())[1]


def test_keypoint_tolerances_catch_a_turned_camera(golden_keypoints) -> None:
    """World landmarks that read the lifter turned 20 deg more toward the camera."""
    golden = golden_keypoints("clean_left.mp4")
    turn = np.radians(20.0)
    rotation = np.array(
        [[np.cos(turn), 0, np.sin(turn)], [0, 1, 0], [-np.sin(turn), 0, np.cos(turn)]], np.float32
    )
    turned = dataclasses.replace(golden, world=golden.world @ rotation.T)
    problems = keypoint_diff(golden, turned, "left", KeypointTolerance())[0]
    assert len(problems) == 1 and problems[0].startswith("yaw: median"), problems
