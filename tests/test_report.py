"""Per-rep report: CSV round trips, "not judged", escaping, self-containment, atomic writes."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from hipthrust_cam.report.files import ReportError, rerender, write_atomic, write_run_reports
from hipthrust_cam.report.page import render_html
from hipthrust_cam.report.tables import (
    CSP,
    SAFETY_NOTE,
    parse_timeline_csv,
    rep_faults,
    reps_csv,
    target_bands,
    timeline_csv,
)

FPS = 30.0
CUES = {
    "feet_too_far": "Feet closer",
    "head_back": "Chin tucked",
    "lumbar_hyperextension": "Ribs down",
    "no_pause": "Pause at the top",
}


# ------------------------------------------------------------------------------ builder


def _rep(
    index: int,
    t0: float,
    up: float,
    pause: float,
    down: float,
    top: dict,
    faults: tuple[tuple[str, float, float], ...] = (),
) -> dict:
    """One rep dict as the analyzer writes it; `top` overrides the lockout angles."""
    angles = {
        "hip_extension_deg": 178.0,
        "torso_angle_deg": 4.0,
        "knee_angle_deg": 91.0,
        "shin_angle_deg": 2.0,
        "head_angle_deg": -6.0,
    } | top
    lock0, lock1 = t0 + up, t0 + up + pause
    return {
        "index": index,
        "start_s": t0,
        "lockout_start_s": lock0,
        "lockout_end_s": lock1,
        "end_s": lock1 + down,
        "concentric_s": up,
        "pause_s": pause,
        "eccentric_s": down,
        "rom_deg": None
        if angles["hip_extension_deg"] is None
        else angles["hip_extension_deg"] - 100.0,
        **angles,
        "complete": True,
        "judged": True,
        "confidence": 0.93,
        "faults": [
            {
                "code": code,
                "value": value,
                "limit": limit,
                "cue": CUES.get(code, code),
                "confidence": 0.9,
                "t_start_s": lock0,
                "t_end_s": lock1,
            }
            for code, value, limit in faults
        ],
    }


def make_run(kind: str = "clean", name: str = "clean_left.mp4") -> tuple[dict, dict]:
    """A report dict and a matching per-frame timeline for a 3-rep set.

    kind: "clean" (3 clean reps), "faults" (feet too far, head back, arched back, not judged
    numbers, a camera dropout and a partial rep) or "empty" (no reps, a setup warning).
    """
    tops = [{}, {}, {}]
    faults: list[tuple] = [(), (), ()]
    if kind == "faults":
        tops = [
            {"knee_angle_deg": 112.0, "shin_angle_deg": 14.0},
            {"knee_angle_deg": 111.0, "shin_angle_deg": 13.0, "head_angle_deg": 27.0},
            {
                "hip_extension_deg": 195.0,
                "torso_angle_deg": -19.0,
                "knee_angle_deg": 110.0,
                "head_angle_deg": None,
            },
        ]
        faults = [
            (("feet_too_far", 112.0, 105.0),),
            (("feet_too_far", 111.0, 105.0), ("head_back", 27.0, 20.0)),
            (("lumbar_hyperextension", 195.0, 188.0), ("feet_too_far", 110.0, 105.0)),
        ]
    reps = (
        []
        if kind == "empty"
        else [
            _rep(
                i + 1,
                2.0 + 4.8 * i,
                1.0,
                1.5 if kind == "clean" or i < 2 else 0.4,
                1.5,
                tops[i],
                faults[i],
            )
            for i in range(3)
        ]
    )
    timeline = _timeline(reps, 16.0)
    counts = {}
    for rep in reps:
        for f in rep["faults"]:
            counts[f["code"]] = counts.get(f["code"], 0) + 1
    top = max(counts, key=counts.get) if counts else None
    report = {
        "schema_version": 1,
        "source": {
            "path": f"/videos/{name}",
            "name": name,
            "fps": FPS,
            "frames": 480,
            "width": 854,
            "height": 480,
            "duration_s": 16.0,
        },
        "setup": {
            "side": "left",
            "view": "side",
            "variant": "hip thrust",
            "movement": "hip_thrust",
            "warnings": ["no hip-thrust reps: this looks like a deadlift"]
            if kind == "empty"
            else [],
        },
        "rep_count": len(reps),
        "reps": reps,
        "partial_reps": [{"start_s": 15.2, "end_s": 16.0, "reason": "video ended mid-rep"}]
        if kind == "faults"
        else [],
        "summary": {
            "clean_reps": sum(not r["faults"] for r in reps),
            "most_frequent_fault": top,
            "most_frequent_cue": CUES.get(top),
            "set_duration_s": reps[-1]["end_s"] - reps[0]["start_s"] if reps else 0.0,
            "time_under_tension_s": sum(r["end_s"] - r["start_s"] for r in reps),
            "partial": False,
        },
        "config": {},
    }
    return report, timeline


def _timeline(reps: list[dict], duration_s: float) -> dict:
    t = np.arange(0.0, duration_s, 1.0 / FPS)
    hip = np.full_like(t, 100.0)
    rep_no = np.zeros(len(t), np.int64)
    phase = ["setup" if ti < 2.0 else "bottom" for ti in t]
    codes = [""] * len(t)
    for rep in reps:
        top = rep["hip_extension_deg"] or 178.0
        for i, ti in enumerate(t):
            if rep["start_s"] <= ti <= rep["end_s"]:
                rep_no[i] = rep["index"]
                ramp_up = (ti - rep["start_s"]) / rep["concentric_s"]
                ramp_dn = (rep["end_s"] - ti) / rep["eccentric_s"]
                frac = min(1.0, ramp_up, ramp_dn)
                hip[i] = 100.0 + (top - 100.0) * (0.5 - 0.5 * math.cos(math.pi * frac))
                phase[i] = (
                    "lockout" if frac >= 1.0 else "concentric" if ramp_up < ramp_dn else "eccentric"
                )
                if frac >= 1.0:
                    codes[i] = ";".join(f["code"] for f in rep["faults"])
    frac = (hip - 100.0) / 78.0
    knee = 60.0 + 30.0 * frac
    if reps and reps[0]["knee_angle_deg"] > 105:
        knee = 75.0 + 37.0 * frac
    shin = np.where(knee > 105, 13.0, 1.5) * frac
    gap = (t > 9.5) & (t < 10.0)
    knee[gap] = np.nan if reps and reps[0]["faults"] else knee[gap]
    return {
        "t_s": t,
        "phase": phase,
        "rep": rep_no,
        "hip_extension_deg": hip,
        "torso_angle_deg": 4.0 * frac,
        "knee_angle_deg": knee,
        "shin_angle_deg": shin,
        "head_angle_deg": np.full_like(t, -5.0),
        "faults": codes,
    }


def jpeg(seed: int = 0) -> bytes:
    """A small JPEG with a stick figure, as the overlay would draw it."""
    cv2 = pytest.importorskip("cv2")
    img = np.full((180, 320, 3), 235, np.uint8)
    img[150:] = (170, 180, 190)
    pts = [(40, 80), (130, 100), (200, 80 + seed * 4), (250, 150), (50, 65)]
    for a, b in ((4, 0), (0, 1), (1, 2), (2, 3)):
        cv2.line(img, pts[a], pts[b], (40, 200, 60), 4, cv2.LINE_AA)
    for p in pts:
        cv2.circle(img, p, 6, (30, 60, 230), -1, cv2.LINE_AA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return buf.tobytes()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict]]:
    """Every start tag of the page as (name, attributes)."""
    parser = _Tags()
    parser.feed(page)
    return parser.tags


# -------------------------------------------------------------------------------- tests


def test_reps_csv_has_one_header_and_one_row_per_rep_and_parses_back() -> None:
    report, _ = make_run("faults")
    rows = list(csv.DictReader(io.StringIO(reps_csv(report))))
    assert len(rows) == 3
    header = list(rows[0])
    assert header[:2] == ["rep", "start_s"] and "" not in header
    assert {"hip_extension_deg", "concentric_s", "fault_codes", "fault_cues"} <= set(header)
    assert [float(r["knee_angle_deg"]) for r in rows] == [112.0, 111.0, 110.0]
    assert rows[1]["fault_codes"] == "feet_too_far;head_back"
    assert rows[1]["fault_cues"] == "Feet closer;Chin tucked"
    assert rows[2]["head_angle_deg"] == ""  # not judged: empty, never 0
    assert rows[0]["complete"] == "true"


def test_reps_csv_keeps_extra_rep_fields_and_survives_missing_keys() -> None:
    report = {"reps": [{"index": 1, "heel_lift": 0.02}, {"index": 2}]}
    rows = list(csv.DictReader(io.StringIO(reps_csv(report))))
    assert [r["rep"] for r in rows] == ["1", "2"]
    assert rows[0]["heel_lift"] == "0.02" and rows[1]["heel_lift"] == ""
    assert rows[1]["hip_extension_deg"] == "" and rows[1]["fault_codes"] == ""


def test_timeline_csv_round_trips_with_nan_gaps() -> None:
    _, timeline = make_run("faults")
    back = parse_timeline_csv(timeline_csv(timeline))
    assert list(back) == list(timeline)
    np.testing.assert_allclose(back["t_s"], timeline["t_s"], atol=1e-4)
    np.testing.assert_allclose(back["knee_angle_deg"], timeline["knee_angle_deg"], atol=1e-4)
    assert np.isnan(back["knee_angle_deg"]).sum() == np.isnan(timeline["knee_angle_deg"]).sum() > 0
    assert back["rep"].tolist() == timeline["rep"].tolist()
    assert back["phase"] == timeline["phase"] and back["faults"] == timeline["faults"]


def test_null_and_nan_numbers_show_as_not_judged() -> None:
    report, timeline = make_run("faults")
    report["reps"][0]["pause_s"] = float("nan")
    report["summary"]["time_under_tension_s"] = None
    page = render_html(report, timeline, {})
    rep1 = page.split('id="rep-1"')[1].split("</article>")[0]
    rep3 = page.split('id="rep-3"')[1].split("</article>")[0]
    assert "Pause <b>not judged</b>" in rep1
    assert re.search(r"Head</th><td class=\"v\">not judged", rep3)
    assert "Time under tension</span><b>not judged" in page
    assert "nan" not in page.lower().replace("nanoseconds", "")


def test_user_strings_are_escaped() -> None:
    evil = "<script>alert(1)</script>.mp4"
    report, timeline = make_run("faults", name=evil)
    report["source"]["path"] = f"/home/<b>x</b>/{evil}"
    report["setup"]["warnings"] = ['<img src=x onerror="alert(2)">']
    report["reps"][0]["faults"][0]["cue"] = "<i>Feet</i> closer"
    page = render_html(report, timeline, {})
    assert "<script" not in page and "<img src=x" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.mp4" in page
    assert [t for t, _ in tags(page)].count("script") == 0


def test_page_loads_nothing_external_and_says_it_is_not_medical_advice() -> None:
    report, timeline = make_run("faults")
    page = render_html(report, timeline, {1: jpeg(), 2: jpeg(1), 3: jpeg(2)})
    refs = [
        v
        for _, attrs in tags(page)
        for k, v in attrs.items()
        if k in {"src", "href", "srcset", "poster", "data", "action"}
    ]
    assert len(refs) == 3 and all(v.startswith("data:image/jpeg;base64,") for v in refs)
    text = re.sub(r"data:image/jpeg;base64,[A-Za-z0-9+/=]+", "", page)
    assert not re.search(r"(https?:)?//[a-z0-9]", text)
    assert "@import" not in page and "url(" not in page
    assert any(t == "meta" and a.get("content") == CSP for t, a in tags(page))
    assert SAFETY_NOTE in page


def test_page_has_one_row_per_rep_with_lifter_wording() -> None:
    report, timeline = make_run("faults")
    page = render_html(report, timeline, {})
    assert len(re.findall(r'<article class="rep ', page)) == 3
    text = re.sub(r"<[^>]+>", "", page)
    assert "Feet too far forward: knee 112° at the top (aim 80-100°). Cue: Feet closer" in text
    assert "Most frequent fault: <b>Feet too far forward</b> on 3 of 3 reps" in page
    assert "Partial reps (not counted): 1" in page
    assert page.count("<svg") == 3


def test_fault_frames_are_marked_on_the_hip_plot_from_either_source() -> None:
    report, timeline = make_run("faults")
    page = render_html(report, timeline, {})
    assert page.count('<rect class="fault"') == 5  # one mark per fault, from its times
    for rep in report["reps"]:
        for fault in rep["faults"]:
            del fault["t_start_s"], fault["t_end_s"]
    page = render_html(report, timeline, {})
    assert page.count('<rect class="fault"') == 3  # one per run of frames in the timeline
    assert "Feet too far forward, Head thrown back</title>" in page
    assert '<rect class="fault"' not in render_html(*make_run("clean"), {})


def test_clean_page_and_setup_warning_page() -> None:
    report, timeline = make_run("clean")
    page = render_html(report, timeline, {})
    assert page.count("Clean</span>") == 3 and "Check this first" not in page
    report, timeline = make_run("empty")
    page = render_html(report, timeline, {})
    assert "Check this first" in page and "this looks like a deadlift" in page
    assert '<article class="rep' not in page


def test_a_rep_cut_off_by_the_end_of_the_video_is_not_called_a_fault() -> None:
    report, timeline = make_run("clean")
    last = report["reps"][-1]
    last["complete"], last["eccentric_s"] = False, None  # the video stops at the top
    page = render_html(report, timeline, {})
    assert page.count("Clean</span>") == 2 and "Video ends mid-rep</span>" in page
    assert "The video ends before the way down" in page and "to fix</span>" not in page
    last["faults"] = make_run("faults")[0]["reps"][0]["faults"]  # what was judged still counts
    assert "to fix</span>" in render_html(report, timeline, {})


def test_target_bands_come_from_config_when_present() -> None:
    bands = target_bands({"targets": {"knee_angle_deg": [85, 95]}})
    assert bands["knee_angle_deg"].contains(94) and not bands["knee_angle_deg"].contains(97)
    assert bands["hip_extension_deg"].contains(175)  # FORM.md default kept
    bands = target_bands(
        {
            "faults": {
                "incomplete_lockout": {"hip_min_deg": 165.0},
                "head_back": {"head_max_deg": 12},
            }
        }
    )
    assert bands["hip_extension_deg"].contains(167) and not bands["head_angle_deg"].contains(15)
    report, timeline = make_run("clean")
    report["config"] = {"report": {"targets": {"knee_angle_deg": {"min": 95, "max": 100}}}}
    page = render_html(report, timeline, {})
    assert page.count('<tr class="out"><th title="90° is the target">Knees') == 3


def test_write_run_reports_is_atomic_and_complete(tmp_path: Path) -> None:
    report, timeline = make_run("faults")
    report["reps"][0]["confidence"] = float("nan")
    thumbs = {1: jpeg(), 2: jpeg(1), 3: jpeg(2)}
    written = write_run_reports(tmp_path / "run", report, timeline, thumbs)
    run = tmp_path / "run"
    names = sorted(p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file())
    assert names == [
        "report.html",
        "report.json",
        "reps.csv",
        "thumbnails/rep_01.jpg",
        "thumbnails/rep_02.jpg",
        "thumbnails/rep_03.jpg",
        "timeline.csv",
    ]
    assert sorted(p.relative_to(run).as_posix() for p in written) == names
    assert json.loads((run / "report.json").read_text())["reps"][0]["confidence"] is None
    assert (run / "thumbnails/rep_02.jpg").read_bytes() == thumbs[2]
    write_run_reports(run, *make_run("clean"), {1: jpeg()})  # a re-run with fewer thumbnails
    assert sorted(p.name for p in (run / "thumbnails").iterdir()) == ["rep_01.jpg"]


def test_rerender_rebuilds_csv_and_html(tmp_path: Path) -> None:
    report, timeline = make_run("faults")
    write_run_reports(tmp_path, report, timeline, {2: jpeg()})
    (tmp_path / "report.html").unlink()
    (tmp_path / "reps.csv").write_text("stale")
    paths = rerender(tmp_path)
    assert sorted(p.name for p in paths) == ["report.html", "reps.csv"]
    assert (tmp_path / "reps.csv").read_bytes().decode() == reps_csv(report)
    page = (tmp_path / "report.html").read_text()
    assert page.count('<article class="rep ') == 3 and page.count("data:image/jpeg") == 1
    assert page.count("<svg") == 3
    assert not list(tmp_path.glob(".*tmp"))


def test_rerender_fails_clearly_without_a_report(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"no report\.json"):
        rerender(tmp_path)
    (tmp_path / "report.json").write_text("{not json")
    with pytest.raises(ReportError, match="cannot read"):
        rerender(tmp_path)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old page")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new page")
    assert target.read_text() == "old page"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_signed_angles_near_zero_read_0_never_minus_0() -> None:
    report, timeline = make_run("faults")
    report["reps"][0]["torso_angle_deg"] = -0.3
    report["reps"][0]["shin_angle_deg"] = -4.4
    page = render_html(report, timeline, {})
    rep1 = re.sub(r"<[^>]+>", " ", page.split('id="rep-1"')[1].split("</article>")[0])
    assert re.search(r"Torso\s+0°", rep1) and re.search(r"Shins\s+-4°", rep1)
    assert "-0°" not in page


def test_a_possible_fault_is_a_note_not_a_fault_span_on_the_plot(tmp_path: Path) -> None:
    # The tall lifter's feet are "possibly too far" on both reps and nothing is definite: the
    # report says every rep was clean, so the plot must not mark a fault.
    from hipthrust_cam.app.runs import reanalyse_keypoints
    from hipthrust_cam.config import Config

    golden = Path(__file__).parent / "golden" / "gym_feet_far_tall.keypoints.npz"
    summary = reanalyse_keypoints(golden, tmp_path, Config())
    reps = summary.report["reps"]
    assert reps and all(rep_faults(r, possible=True) and not rep_faults(r) for r in reps)
    page = (tmp_path / "report.html").read_text()
    assert "Possibly" in page and '<rect class="fault"' not in page
