"""The one typed, frozen configuration tree, with FORM.md's numbers as documented defaults.

Inputs: an optional TOML file whose tables mirror the dataclasses below. Outputs: a `Config`.
Defaults < file; an unknown key, a wrong type or an impossible value raises `ConfigError`
naming the key, e.g. `faults.feet_too_far.knee_max_deg: expected a number, got "abc"`.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hipthrust_cam.datatypes import json_safe


class ConfigError(ValueError):
    """A configuration file or value is invalid; the message names the key."""


@dataclass(frozen=True)
class PoseConfig:
    """The pose stage (MediaPipe PoseLandmarker)."""

    model: str = "full"  # lite, full, heavy (models/pose_landmarker_<name>.task) or a .task path
    max_fps: float = 30.0  # analyse at most this many frames a second (60 fps -> 30); 0 = every
    num_poses: int = 2  # people the model looks for (2 so "several people" can be told)
    min_detection_confidence: float = 0.5  # [0, 1]
    min_presence_confidence: float = 0.5  # [0, 1]
    min_tracking_confidence: float = 0.5  # [0, 1]
    segmentation: bool = True  # ask for the person mask (silhouette profiles)
    count_people_every: int = 30  # analysed frames between counts of the people in frame (1 s at
    # 30 fps: "several people" is a set-level message); 0 = every frame
    lanes: int = 0  # trackers side by side on consecutive stretches of a video; 0 = one per core
    lane_warmup_frames: int = 15  # frames a lane's tracker sees before its stretch (dropped)
    lane_min_frames: int = 100  # each lane tracks at least this many (fewer lanes if short)


X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow")
"""x264 speed presets the annotated video may use, fastest first."""


@dataclass(frozen=True)
class VideoConfig:
    """Video decoding and writing."""

    max_long_side: int = 1280  # frames are downscaled so the long side is at most this, px
    annotated_max_long_side: int = 960  # the annotated video of a recorded one is drawn at most
    # this size, px (0 = the analysed size): half the drawing and encoding of a 720x1280 video,
    # while the pose model still sees every pixel (at 960 it misses more on real gym clips)
    crf: int = 23  # H.264 quality of the annotated video (0 best .. 51 worst)
    preset: str = "veryfast"  # x264 speed of the annotated video: ultrafast (half the CPU, files
    # 5x larger), superfast, veryfast (default), faster, fast, medium
    quick_search: bool = True  # with veryfast or slower: x264's quickest motion search
    # (me=dia:subme=1): ~30% less encoding CPU, files ~5% larger, 0.7 dB lower PSNR


@dataclass(frozen=True)
class FeaturesConfig:
    """Per-frame features."""

    visibility_gate: float = 0.5  # landmarks below this visibility are "not judged", [0, 1]
    side_lock_s: float = 2.0  # seconds of detected frames used to choose the side, then locked
    limb_tolerance: float = 0.25  # thigh/shin length off its running median by more = not plausible


@dataclass(frozen=True)
class PlantedConfig:
    """Planted parts (feet, upper back) and plausible landmarks; see `analysis.planted`."""

    foot_near_sure: float = 0.35  # a clearly seen foot point this close to its anchor stays, shins
    foot_near_unsure: float = 0.15  # an unsure foot point this close to its anchor stays, shins
    back_near_sure: float = 0.5  # the same for the shoulder on the bench, torso lengths
    back_near_unsure: float = 0.2  # ... unsure shoulder, torso lengths
    settle_s: float = 0.3  # clearly seen, agreeing time that sets an anchor, s
    move_s: float = 0.8  # clearly seen time elsewhere that moves an anchor (feet set again), s
    anchored_confidence: float = 0.5  # confidence of a position taken from its anchor, [0, 1]
    outside_frac: float = 0.02  # a landmark further outside the image than this is unseen, of size


@dataclass(frozen=True)
class SmoothingConfig:
    """Keypoint smoothing: One Euro live, a centred window offline."""

    live_filter: str = "one_euro"  # filter name used live
    offline_filter: str = "centred"  # filter name used on recorded video
    min_cutoff_hz: float = 1.5  # One Euro minimum cutoff, Hz
    beta: float = 0.05  # One Euro speed coefficient, 1/px
    d_cutoff_hz: float = 1.0  # One Euro derivative cutoff, Hz
    window_frames: int = 7  # centred window length, frames (odd)
    max_gap_s: float = 0.3  # gaps up to this long are interpolated offline; longer stay NaN


@dataclass(frozen=True)
class RepsConfig:
    """The rep state machine (on the hip extension angle)."""

    rise_deg: float = 12.0  # rise above the running minimum that starts a concentric, deg
    drop_deg: float = 10.0  # fall below the running peak that ends the top, deg
    lockout_band_deg: float = 6.0  # the lockout plateau is within this of the peak, deg
    lockout_band_rom_frac: float = 0.15  # ... or, up to the peak, within this share of the
    # rep's range if wider (a hold that creeps up as the glutes squeeze)
    lockout_speed_dps: float = 15.0  # ... and the hip angle moves slower than this, deg/s
    min_rom_deg: float = 30.0  # a rep needs at least this hip range of motion, deg
    min_rom_frac: float = 0.5  # ... and this fraction of the median ROM of earlier reps
    return_frac: float = 0.6  # the hips must come down this fraction of the ROM to end a rep
    bottom_frac: float = 0.15  # within this fraction of the ROM of the start = back at bottom
    min_duration_s: float = 0.6  # shortest whole rep, s
    partial_rom_deg: float = 15.0  # a rise this big that never locks out is a partial, deg
    max_gap_s: float = 1.5  # a longer run of unjudged frames resets the machine, s


@dataclass(frozen=True)
class LumbarConfig:
    """Lumbar hyperextension heuristic (several proxies, a confidence, never a diagnosis)."""

    hip_max_deg: float = 188.0  # hip extension above this at lockout, deg
    torso_min_deg: float = -15.0  # shoulder tipped below the hip past this, deg [-90, -1]
    back_arch_max: float = 0.04  # back silhouette arch (profile range) above this, torso lengths
    front_rise_max: float = (
        0.045  # chest/ribs rising (front profile slope) above this, torso lengths
    )
    min_confidence: float = 0.5  # report only when the combined confidence reaches this, [0, 1]


@dataclass(frozen=True)
class LockoutConfig:
    """Incomplete lockout."""

    hip_min_deg: float = (
        165.0  # hip extension below this at lockout, deg (FORM: good >= 170; 5 deg for 2D error)
    )
    possible_band_deg: float = 12.0  # up to this far below the limit: "possible" (hip occluded)


@dataclass(frozen=True)
class FeetFarConfig:
    """Feet too far out."""

    knee_max_deg: float = 105.0  # knee angle above this at lockout, deg
    shin_max_deg: float = 10.0  # shin leaning away from the hip past this, deg (supporting)
    bridge_shin_max_deg: float = 20.0  # glute bridge: shin leaning away past this, deg


@dataclass(frozen=True)
class FeetCloseConfig:
    """Feet too close."""

    knee_min_deg: float = 78.0  # knee angle below this at lockout, deg
    shin_min_deg: float = -10.0  # shin leaning towards the hip past this, deg (supporting)
    bridge_shin_min_deg: float = -20.0  # glute bridge: shin leaning towards the hip past this, deg


@dataclass(frozen=True)
class HeadConfig:
    """Head thrown back."""

    head_max_deg: float = 20.0  # head extended behind the torso line past this, deg


@dataclass(frozen=True)
class PauseConfig:
    """No pause at the top."""

    pause_min_s: float = 0.3  # a shorter hold at the top is "no pause", s (FORM: 1-3 s is the norm)


@dataclass(frozen=True)
class EccentricConfig:
    """Fast eccentric (dropping the hips)."""

    eccentric_min_s: float = 0.6  # faster lowering, s


@dataclass(frozen=True)
class HeelsConfig:
    """Heels lifting."""

    lift_max: float = 0.11  # heel rise at lockout vs the bottom, shin lengths (see faults)


@dataclass(frozen=True)
class BenchSlideConfig:
    """Sliding on the bench."""

    drift_max: float = 0.15  # shoulder shift between rep bottoms, torso lengths


@dataclass(frozen=True)
class FaultsConfig:
    """One limits table per fault."""

    possible_below: float = 0.6  # a fault less confident than this is only "possible", [0, 1]
    lumbar_hyperextension: LumbarConfig = field(default_factory=LumbarConfig)
    incomplete_lockout: LockoutConfig = field(default_factory=LockoutConfig)
    feet_too_far: FeetFarConfig = field(default_factory=FeetFarConfig)
    feet_too_close: FeetCloseConfig = field(default_factory=FeetCloseConfig)
    head_back: HeadConfig = field(default_factory=HeadConfig)
    no_pause: PauseConfig = field(default_factory=PauseConfig)
    fast_eccentric: EccentricConfig = field(default_factory=EccentricConfig)
    heels_up: HeelsConfig = field(default_factory=HeelsConfig)
    bench_slide: BenchSlideConfig = field(default_factory=BenchSlideConfig)


DEFAULT_CUE_TEXTS: dict[str, str] = {
    "lumbar_hyperextension": "Ribs down",
    "incomplete_lockout": "Full lockout",
    "feet_too_far": "Feet closer",
    "feet_too_close": "Feet out a little",
    "head_back": "Chin tucked",
    "no_pause": "Pause at the top",
    "fast_eccentric": "Control the way down",
    "heels_up": "Drive through your heels",
    "bench_slide": "Reset on the bench",
}

DEFAULT_PRIORITY: tuple[str, ...] = (
    "lumbar_hyperextension",
    "feet_too_far",
    "feet_too_close",
    "head_back",
    "incomplete_lockout",
    "no_pause",
    "fast_eccentric",
    "heels_up",
    "bench_slide",
)


@dataclass(frozen=True)
class CuesConfig:
    """What the lifter is told, and when."""

    texts: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CUE_TEXTS))  # code -> cue
    priority: tuple[str, ...] = DEFAULT_PRIORITY  # most important first
    hold_s: float = 0.4  # a live fault must last this long before its cue shows, s
    show_s: float = 2.5  # a shown cue stays at least this long, s
    cooldown_s: float = 4.0  # the same cue is not repeated within this after it ends, s
    good_rep_text: str = "Good rep"  # shown after a clean rep
    good_rep_s: float = 1.5  # how long the positive sign stays, s


@dataclass(frozen=True)
class SetupConfig:
    """Camera/body/movement checks."""

    oblique_from_deg: float = 32.0  # camera turned this far from the side (3D landmarks) = oblique
    front_from_deg: float = 75.0  # ... this far = front (or back) view, deg
    front_view_ratio: float = 0.45  # without 3D landmarks: 2D shoulder+hip spread / torso = front
    frame_margin_frac: float = 0.0  # joints this close to the border count as outside (of size)
    body_visible_frac: float = 0.5  # share of frames with knees/ankles seen below = not in frame
    bridge_shoulder_height_max: float = (
        0.4  # shoulder above ankle below this = on the floor, torso lengths
    )
    bridge_torso_max_deg: float = -8.0  # torso at lockout below this (shoulder lower) = bridge, deg
    several_people_frac: float = 0.3  # share of frames with 2+ people above = "several people"


@dataclass(frozen=True)
class ProgressionConfig:
    """When to add load: only once the target reps are done with clean form."""

    sets_needed: int = 3  # the last N sets at a load must all be clean and reach the target
    target_reps: int = 8  # reps a set must reach before the load goes up


@dataclass(frozen=True)
class AppConfig:
    """The local web app (`hipthrust-cam app`)."""

    max_upload_mb: int = 2048  # an upload larger than this is refused, MB
    max_jobs: int = 0  # analyses running at once; 0 = one per core
    job_attempts: int = 2  # a job cut off by a crash is started this many times in all
    live_long_side: int = 640  # the browser sends camera frames this large (long side), px
    live_jpeg_quality: float = 0.8  # JPEG quality of those frames, (0, 1]


@dataclass(frozen=True)
class Config:
    """The whole configuration."""

    pose: PoseConfig = field(default_factory=PoseConfig)
    video: VideoConfig = field(default_factory=VideoConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    planted: PlantedConfig = field(default_factory=PlantedConfig)
    smoothing: SmoothingConfig = field(default_factory=SmoothingConfig)
    reps: RepsConfig = field(default_factory=RepsConfig)
    faults: FaultsConfig = field(default_factory=FaultsConfig)
    cues: CuesConfig = field(default_factory=CuesConfig)
    setup: SetupConfig = field(default_factory=SetupConfig)
    progression: ProgressionConfig = field(default_factory=ProgressionConfig)
    app: AppConfig = field(default_factory=AppConfig)

    def to_dict(self) -> dict[str, Any]:
        """The effective config as plain JSON-safe dicts (tuples become lists)."""
        return json_safe(dataclasses.asdict(self))

    def analysis_dict(self) -> dict[str, Any]:
        """The settings that shape a set's numbers, as report.json keeps them.

        The app's own sections (`progression`, `app`) change no measurement, so a report
        stays the same whatever they are.
        """
        return {k: v for k, v in self.to_dict().items() if k not in APP_SECTIONS}


APP_SECTIONS = ("progression", "app")
"""Config sections that configure the app around the analysis, not the analysis."""


# Values that must lie in a range: dotted key suffix -> (low, high), inclusive.
_RANGES: dict[str, tuple[float, float]] = {
    "visibility_gate": (0.0, 1.0),
    "min_detection_confidence": (0.0, 1.0),
    "min_presence_confidence": (0.0, 1.0),
    "min_tracking_confidence": (0.0, 1.0),
    "min_confidence": (0.0, 1.0),
    "anchored_confidence": (0.0, 1.0),
    "possible_below": (0.0, 1.0),
    "crf": (0, 51),
    "num_poses": (1, 10),
    "count_people_every": (0, 10000),
    "lanes": (0, 64),
    "max_fps": (0.0, 1000.0),
    "lane_warmup_frames": (0, 1000),
    "lane_min_frames": (0, 10_000_000),
    "window_frames": (1, 301),
    "torso_min_deg": (-90.0, -1.0),  # a tip below horizontal: the proxy divides by it
    "max_long_side": (64, 16384),
    "annotated_max_long_side": (0, 16384),
    "return_frac": (0.0, 1.0),
    "bottom_frac": (0.0, 1.0),
    "lockout_band_rom_frac": (0.0, 1.0),
    "min_rom_frac": (0.0, 1.0),
    "sets_needed": (1, 50),
    "target_reps": (1, 100),
    "max_upload_mb": (1, 1_000_000),
    "max_jobs": (0, 64),
    "job_attempts": (1, 10),
    "live_long_side": (160, 1920),
    "live_jpeg_quality": (0.1, 1.0),
}
_NON_NEGATIVE_SUFFIXES = (
    "_s",
    "_hz",
    "_frac",
    "rise_deg",
    "drop_deg",
    "band_deg",
    "rom_deg",
    "_dps",
    "_sure",
    "_unsure",
)


def load_config(path: str | Path | None = None) -> Config:
    """Load a TOML config on top of the defaults.

    Args:
        path: A TOML file, or None for the defaults.

    Returns:
        The effective, validated `Config`.

    Raises:
        ConfigError: Unreadable file, unknown key, wrong type or impossible value.
    """
    if path is None:
        return Config()
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from exc
    return config_from_dict(data)


def config_from_dict(data: dict[str, Any]) -> Config:
    """Build a `Config` from nested dicts (e.g. parsed TOML) over the defaults.

    Raises:
        ConfigError: Unknown key, wrong type or impossible value.
    """
    return _build(Config, data, "")


def _build(cls: type, data: Any, prefix: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'config'}: expected a table, got {data!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{prefix}{unknown[0]}: unknown key")
    kwargs = {}
    for name, raw in data.items():
        key = f"{prefix}{name}"
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            kwargs[name] = _build(typing.cast(type, hint), raw, key + ".")
        else:
            kwargs[name] = _coerce(hint, raw, key)
    obj = cls(**kwargs)
    _check_values(obj, prefix)
    return obj


def _is_number(raw: Any) -> bool:
    return isinstance(raw, (int, float)) and not isinstance(raw, bool)


# Plain types: type -> (accepts the raw TOML value?, how to convert it, what the error says).
_SCALARS: dict[Any, tuple[Callable[[Any], bool], Callable[[Any], Any], str]] = {
    bool: (lambda raw: isinstance(raw, bool), bool, "expected true or false"),
    int: (
        lambda raw: isinstance(raw, int) and not isinstance(raw, bool),
        int,
        "expected an integer",
    ),
    float: (_is_number, float, "expected a number"),
    str: (lambda raw: isinstance(raw, str), str, "expected a string"),
}


def _coerce(hint: Any, raw: Any, key: str) -> Any:
    if hint in _SCALARS:
        ok, convert, expected = _SCALARS[hint]
        if not ok(raw):
            shown = f'"{raw}"' if isinstance(raw, str) else repr(raw)
            raise ConfigError(f"{key}: {expected}, got {shown}")
        return convert(raw)
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise ConfigError(f"{key}: expected a list of strings, got {raw!r}")
        return tuple(raw)
    if origin is dict:
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise ConfigError(f"{key}: expected a table of strings, got {raw!r}")
        return {**DEFAULT_CUE_TEXTS, **raw}
    raise ConfigError(f"{key}: unsupported type {hint!r}")


def _check_values(obj: Any, prefix: str) -> None:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if value != value:  # NaN
            raise ConfigError(f"{key}: must be a number, got nan")
        if f.name in _RANGES:
            lo, hi = _RANGES[f.name]
            if not lo <= value <= hi:
                raise ConfigError(f"{key}: must be between {lo} and {hi}, got {value}")
        elif f.name.endswith(_NON_NEGATIVE_SUFFIXES) and value < 0:
            raise ConfigError(f"{key}: must not be negative, got {value}")
    if isinstance(obj, VideoConfig) and obj.preset not in X264_PRESETS:
        raise ConfigError(f"{prefix}preset: must be one of {', '.join(X264_PRESETS)}")
    if isinstance(obj, SmoothingConfig) and obj.window_frames % 2 == 0:
        raise ConfigError(f"{prefix}window_frames: must be odd, got {obj.window_frames}")
    if isinstance(obj, CuesConfig):
        missing = [code for code in obj.priority if code not in obj.texts]
        if missing:
            raise ConfigError(f"{prefix}priority: no cue text for {missing[0]!r}")
