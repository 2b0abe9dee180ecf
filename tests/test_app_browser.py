"""The web app end to end: a real server on a free port, driven by headless Chromium.

Uploading a sample shows progress and then its report; the Sets and Progress pages show it;
the live page, fed a rendered sample as Chromium's camera, counts its reps and saves a run that
`hipthrust-cam report` reads; a restart keeps the sets and the queue; a killed job leaves no
half record.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import CHROMIUM_FLAGS, AppServer, chromium, wait_gone
from conftest import MODEL, SAMPLES

from hipthrust_cam.cli import main
from hipthrust_cam.store.db import Store

pytestmark = pytest.mark.slow  # a real server, analyses and a browser

SAMPLE = SAMPLES / "clean_left.mp4"


@pytest.fixture(autouse=True)
def _model() -> None:
    if not MODEL.is_file():
        pytest.skip(f"pose model {MODEL} is absent")


@pytest.fixture
def browser_factory() -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium()
    with sync_api.sync_playwright() as p:
        opened = []

        def launch(*flags: str):
            browser = p.chromium.launch(
                executable_path=executable, args=[*CHROMIUM_FLAGS, *flags], headless=True
            )
            opened.append(browser)
            return browser.new_page(viewport={"width": 1280, "height": 900})

        yield launch
        for browser in opened:
            browser.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AppServer]:
    app = AppServer(tmp_path / "data")
    yield app
    app.stop()


def test_upload_shows_progress_then_the_report_sets_and_progress(server, browser_factory) -> None:
    page = browser_factory()
    page.goto(server.url + "/upload")
    page.set_input_files("#files", str(SAMPLE))
    state = page.locator("#uploads .upload-state")
    page.wait_for_function(  # the bar moves with the server's own progress
        "() => { const s = document.querySelector('#uploads .upload-state');"
        " const m = s && s.textContent.match(/^Analysing (\\d+)%/);"
        " return m && +m[1] > 0 && +m[1] < 100 &&"
        " document.querySelector('#uploads progress').value > 0; }",
        timeout=120_000,
    )
    assert state.inner_text().startswith("Analysing")
    page.wait_for_url(re.compile(r"/sets/\d+$"), timeout=240_000)
    report = page.frame_locator("iframe#report")
    report.locator("article.rep").nth(2).wait_for()
    assert report.locator("article.rep").count() == 3
    assert "clean_left.mp4" in report.locator("header").inner_text()
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=30_000)
    page.fill("input[name=load]", "60")
    page.select_option("select[name=equipment]", "barbell")
    page.fill("textarea[name=note]", "<b>easy</b>")
    page.click("text=Save notes")
    page.wait_for_selector(".flash")
    notes = page.frame_locator("iframe#report").locator("section.notes")
    assert "60 kg" in notes.inner_text() and "<b>easy</b>" in notes.inner_text()

    page.goto(server.url + "/sets")
    row = page.locator("table.sets tbody tr")
    assert row.count() == 1
    assert "clean_left.mp4" in row.inner_text() and "3 / 3" in row.inner_text()

    page.goto(server.url + "/progress")
    charts = page.locator("svg.chart")
    assert charts.count() >= 5
    for i in range(charts.count()):  # each plot drew its data, not just its axes
        assert charts.nth(i).locator("rect:not(.band), circle").count() > 0
        assert charts.nth(i).bounding_box()["height"] > 100


def _mjpeg(video: Path, out: Path) -> Path:
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    cmd = [
        ffmpeg,
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(video),
        "-q:v",
        "3",
        "-f",
        "mjpeg",
        str(out),
    ]
    subprocess.run(cmd, check=True, timeout=120)
    return out


def test_live_page_counts_the_reps_and_end_set_writes_a_run(
    server, browser_factory, tmp_path: Path
) -> None:
    camera = _mjpeg(SAMPLE, tmp_path / "camera.mjpeg")
    page = browser_factory(
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}",
    )
    page.goto(server.url + "/live")
    page.evaluate(  # remember every cue shown (the cue box changes between frames)
        "() => { window.cuesSeen = []; new MutationObserver(() => window.cuesSeen.push("
        "document.getElementById('cue').textContent)).observe(document.getElementById('cue'),"
        " {childList: true, characterData: true, subtree: true}); }"
    )
    page.click("#start")
    page.wait_for_function(
        "() => document.getElementById('reps').textContent === '3'", timeout=180_000
    )
    rate = float(re.search(r"([\d.]+) fps", page.inner_text("#rate")).group(1))
    assert rate > 1.0
    assert "Good rep" in page.evaluate("window.cuesSeen")
    page.click("#end")
    page.wait_for_url(re.compile(r"/sets/\d+$"), timeout=120_000)
    set_id = int(page.url.rsplit("/", 1)[1])
    row = Store(server.data / "history.sqlite3").get_set(set_id)
    assert row is not None and row.origin == "browser" and row.rep_count == 3
    assert main(["report", str(row.run_dir)]) == 0
    report = json.loads((row.run_dir / "report.json").read_text())
    assert report["rep_count"] == 3 and report["live"]["ended_by"] == "End set"
    assert (row.run_dir / "live.mp4").stat().st_size > 0
    assert page.frame_locator("iframe#report").locator("article.rep").count() == 3


def test_a_restart_keeps_every_set_and_the_queue(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = AppServer(data)
    done = first.upload(SAMPLE, "first.mp4")
    first.wait_job(done, lambda j: j["state"] == "done")
    cut = first.upload(SAMPLE, "second.mp4")
    waiting = first.upload(SAMPLE, "third.mp4")
    first.wait_job(cut, lambda j: j["state"] == "running" and j["progress"] > 0.05)
    workers = first.workers()
    first.kill()  # a crash in the middle of an analysis
    wait_gone(workers)  # the workers notice their server is gone and stop

    second = AppServer(data)
    try:
        for job_id in (cut, waiting):
            second.wait_job(job_id, lambda j: j["state"] == "done")
        store = Store(data / "history.sqlite3")
        names = sorted(r.name for r in store.sets())
        assert names == ["first.mp4", "second.mp4", "third.mp4"]
        assert all(r.rep_count == 3 and r.files_present for r in store.sets())
        runs = sorted(p.name for p in (data / "runs").iterdir())
        assert len(runs) == 3 and not [r for r in runs if r.startswith(".")]
    finally:
        status, out, err = second.stop()
    assert status == 0 and "stopped" in out and "Traceback" not in err


def test_a_killed_job_is_marked_failed_and_leaves_no_half_record(tmp_path: Path) -> None:
    config = tmp_path / "once.toml"
    config.write_text("[app]\njob_attempts = 1\n")
    app = AppServer(tmp_path / "data", "--config", str(config))
    try:
        job_id = app.upload(SAMPLE)
        app.wait_job(job_id, lambda j: j["state"] == "running" and j["progress"] > 0.05)
        (worker,) = app.workers()
        subprocess.run(["kill", "-9", str(worker)], check=True)
        job = app.wait_job(job_id, lambda j: j["state"] == "failed", timeout_s=60)
        assert "stopped unexpectedly" in job["message"]
        assert Store(app.data / "history.sqlite3").sets() == []
        assert list((app.data / "runs").iterdir()) == []
        assert list((app.data / "uploads").iterdir()) == []
        assert app.get_json(f"/api/jobs?ids={job_id}")["jobs"][0]["set_url"] is None
    finally:
        status, _, err = app.stop()
    assert status == 0 and "Traceback" not in err


@pytest.mark.parametrize("how", ["the page closes", "the server is stopped with Ctrl-C"])
def test_a_live_set_cut_short_keeps_what_was_measured(
    how: str, browser_factory, tmp_path: Path
) -> None:
    camera = _mjpeg(SAMPLE, tmp_path / "camera.mjpeg")
    app = AppServer(tmp_path / "data")
    try:
        page = browser_factory(
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}",
        )
        page.goto(app.url + "/live")
        page.click("#start")
        page.wait_for_function(
            "() => document.getElementById('reps').textContent === '1'", timeout=180_000
        )
        if how == "the page closes":
            page.close()
            store = Store(app.data / "history.sqlite3")
            deadline = time.monotonic() + 60
            while not store.sets():
                assert time.monotonic() < deadline, "the cut-off live set was not saved"
                time.sleep(0.2)
        else:
            status, _, err = app.stop()
            assert status == 0 and "Traceback" not in err
            page.wait_for_function(
                "() => /connection to the app was lost/.test("
                "document.getElementById('status').textContent)",
                timeout=30_000,
            )
    finally:
        app.stop()
    (row,) = Store(app.data / "history.sqlite3").sets()
    assert row.origin == "browser" and row.rep_count >= 1 and row.files_present
    report = json.loads((row.run_dir / "report.json").read_text())
    assert report["live"]["ended_by"] == "connection lost"
    assert main(["report", str(row.run_dir)]) == 0
