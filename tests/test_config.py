"""The config tree: defaults, TOML overrides, and errors that name the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hipthrust_cam.config import Config, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


def test_defaults_follow_form_md() -> None:
    cfg = load_config(None)
    assert cfg == Config()
    assert cfg.faults.feet_too_far.knee_max_deg == 105.0
    assert cfg.faults.feet_too_close.knee_min_deg == 78.0
    assert cfg.faults.lumbar_hyperextension.hip_max_deg == 188.0
    assert cfg.cues.texts["lumbar_hyperextension"] == "Ribs down"
    assert cfg.cues.texts["feet_too_close"] == "Feet out a little"
    assert cfg.cues.priority[0] == "lumbar_hyperextension"
    assert cfg.pose.num_poses == 2 and cfg.pose.segmentation is True
    assert cfg.video.max_long_side == 1280 and cfg.video.crf == 23


def test_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[faults.feet_too_far]
knee_max_deg = 110
[cues]
hold_s = 0.8
priority = ["feet_too_far", "lumbar_hyperextension"]
[cues.texts]
head_back = "Eyes forward"
[pose]
segmentation = false
""",
    )
    cfg = load_config(path)
    assert cfg.faults.feet_too_far.knee_max_deg == 110.0
    assert cfg.faults.feet_too_far.shin_max_deg == Config().faults.feet_too_far.shin_max_deg
    assert cfg.cues.hold_s == 0.8
    assert cfg.cues.priority == ("feet_too_far", "lumbar_hyperextension")
    assert cfg.cues.texts["head_back"] == "Eyes forward"
    assert cfg.cues.texts["feet_too_far"] == "Feet closer"
    assert cfg.pose.segmentation is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[faults.feet_too_far]\nknee_max_deg = "abc"',
            'faults.feet_too_far.knee_max_deg: expected a number, got "abc"',
        ),
        ("[faults.feet_too_far]\nknee_max = 100", "faults.feet_too_far.knee_max: unknown key"),
        ("[nonsense]\na = 1", "nonsense: unknown key"),
        ("[features]\nvisibility_gate = 1.5", "features.visibility_gate: must be between"),
        ("[smoothing]\nwindow_frames = 8", "smoothing.window_frames: must be odd"),
        (
            "[faults.lumbar_hyperextension]\ntorso_min_deg = 0",
            "faults.lumbar_hyperextension.torso_min_deg: must be between -90.0 and -1.0",
        ),
        ("[reps]\nmin_rom_deg = -5", "reps.min_rom_deg: must not be negative"),
        ("[video]\ncrf = 2.5", "video.crf: expected an integer"),
        ("[pose]\nsegmentation = 1", "pose.segmentation: expected true or false"),
        ('[cues]\npriority = ["made_up"]', "cues.priority: no cue text for 'made_up'"),
        ("faults = 3", "faults: expected a table"),
        ("[reps\n", "invalid TOML"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert message in str(err.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_to_dict_is_json_and_round_trips_through_toml_tables(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "[reps]\nmin_rom_deg = 40"))
    data = json.loads(json.dumps(cfg.to_dict()))
    assert data["reps"]["min_rom_deg"] == 40.0
    assert data["cues"]["priority"][0] == "lumbar_hyperextension"
    assert data["faults"]["no_pause"]["pause_min_s"] == cfg.faults.no_pause.pause_min_s


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Config().reps.min_rom_deg = 1.0  # type: ignore[misc]
