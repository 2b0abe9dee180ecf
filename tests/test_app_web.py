"""The web app in-process (Starlette's test client, no browser): the guards, uploads refused
with a clear message and no record, notes shown as text, pages of sets with and without files.
The queue is not run here (the browser tests run real jobs)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from app_helpers import data_dir, make_run
from conftest import SAMPLES
from starlette.testclient import TestClient

from hipthrust_cam.config import Config
from hipthrust_cam.store.folders import new_set
from hipthrust_cam.store.layout import DataDir
from hipthrust_cam.web.security import PAGE_CSP, Access, is_loopback, safe_name
from hipthrust_cam.web.server import Settings, create_app, open_context

PORT = 8765
LOCAL = f"http://127.0.0.1:{PORT}"


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tmp_path_factory.mktemp("run") / "clean_left")


def _client(root: Path, host: str = "127.0.0.1", config: Config | None = None) -> TestClient:
    settings = Settings(DataDir.resolve(root), config or Config(), host, PORT, run_jobs=False)
    access = Access.for_host(host, PORT)
    return TestClient(create_app(open_context(settings, access)), base_url=LOCAL)


def _with_set(root: Path, clean_run: Path, name: str = "set.mp4") -> int:
    data, store = data_dir(root)
    run = data.runs / "r1"
    shutil.copytree(clean_run, run)
    return store.add_set(new_set(run, "upload", name, "2026-11-02T10:00:00+00:00"))


def _uploads(root: Path) -> list[Path]:
    return list((root / "uploads").iterdir())


def _jobs(root: Path) -> list:
    return data_dir(root)[1].jobs()


# -- guards -----------------------------------------------------------------------------------


def test_loopback_pages_need_no_token_and_carry_a_strict_csp(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        page = client.get("/sets")
    assert page.status_code == 200 and "No sets yet" in page.text
    assert page.headers["content-security-policy"] == PAGE_CSP
    assert "'unsafe-inline'" not in PAGE_CSP and "script-src 'self'" in PAGE_CSP
    assert "<script src=" in page.text and "<script>" not in page.text and "style=" not in page.text


def test_a_wrong_host_header_is_refused(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        page = client.get("/sets", headers={"host": f"rebind.example.com:{PORT}"})
        other_port = client.get("/sets", headers={"host": "127.0.0.1:9999"})
    assert page.status_code == 403 and "not the app's" in page.text
    assert other_port.status_code == 403


def test_off_loopback_a_token_is_required(tmp_path: Path) -> None:
    access = Access.for_host("0.0.0.0", PORT)
    assert access.token and f"token={access.token}" in access.url()
    with _client(tmp_path, host="0.0.0.0") as client:
        refused = client.get("/sets", headers={"host": f"192.168.1.20:{PORT}"})
        assert refused.status_code == 403 and "access token" in refused.text
        bad = client.get("/sets?token=wrong", headers={"host": f"192.168.1.20:{PORT}"})
        assert bad.status_code == 403
        token = client.app.state.ctx.access.token
        entry = client.get(
            f"/sets?token={token}", headers={"host": f"192.168.1.20:{PORT}"}, follow_redirects=False
        )
        assert entry.status_code == 303 and entry.headers["location"] == "/sets"
        assert (
            "HttpOnly" in entry.headers["set-cookie"]
            and "SameSite=Strict" in entry.headers["set-cookie"]
        )
        page = client.get("/sets", headers={"host": f"192.168.1.20:{PORT}"})  # with the cookie
        assert page.status_code == 200 and "Your sets" in page.text
        rebound = client.get("/sets", headers={"host": f"evil.example:{PORT}"})
        assert rebound.status_code == 403


def test_a_post_from_another_site_is_refused(tmp_path: Path, clean_run: Path) -> None:
    set_id = _with_set(tmp_path, clean_run)
    with _client(tmp_path) as client:
        page = client.post(f"/sets/{set_id}/delete", headers={"origin": "http://evil.example"})
    assert page.status_code == 403
    assert data_dir(tmp_path)[1].get_set(set_id) is not None


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.mp4", "..\\..\\x.mp4", "/abs/path.mp4", "..", "a\x00b.mp4"]
)
def test_path_like_file_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        safe_name(name)


# -- uploads ----------------------------------------------------------------------------------


def _put(client: TestClient, name: str, body: bytes, **headers: str):
    from urllib.parse import quote

    return client.put("/api/uploads", content=body, headers={"x-file-name": quote(name), **headers})


def test_a_path_traversal_upload_is_refused_with_no_record(tmp_path: Path) -> None:
    body = (SAMPLES / "clean_left.mp4").read_bytes()
    with _client(tmp_path) as client:
        answer = _put(client, "../../../outside.mp4", body)
    assert answer.status_code == 400 and "is a path" in answer.json()["error"]
    assert _jobs(tmp_path) == [] and _uploads(tmp_path) == []
    assert not (tmp_path.parent / "outside.mp4").exists()


@pytest.mark.parametrize(
    ("name", "body", "status", "says"),
    [
        ("notes.mp4", b"these are my notes, not a video\n" * 100, 415, "cannot be read as a video"),
        ("empty.mp4", b"", 400, "is empty (0 bytes)"),
        ("notes.txt", b"hello", 415, "not a video file"),
    ],
)
def test_bad_uploads_get_a_clear_message_and_no_record(
    tmp_path: Path, name: str, body: bytes, status: int, says: str
) -> None:
    with _client(tmp_path) as client:
        answer = _put(client, name, body)
    assert answer.status_code == status, answer.text
    message = answer.json()["error"]
    assert says in message and name in message and str(tmp_path) not in message
    assert _jobs(tmp_path) == [] and _uploads(tmp_path) == []


def test_an_upload_over_the_cap_is_refused_while_streaming(tmp_path: Path) -> None:
    config = replace(Config(), app=replace(Config().app, max_upload_mb=1))
    body = (SAMPLES / "clean_left.mp4").read_bytes() * 8  # a few MB

    def chunks():
        for i in range(0, len(body), 65536):
            yield body[i : i + 65536]

    with _client(tmp_path, config=config) as client:
        declared = _put(client, "big.mp4", body)
        streamed = client.put("/api/uploads", content=chunks(), headers={"x-file-name": "big.mp4"})
    for answer in (declared, streamed):
        assert answer.status_code == 413 and "1 MB limit" in answer.json()["error"]
    assert _jobs(tmp_path) == [] and _uploads(tmp_path) == []


def test_a_real_video_is_queued_under_a_random_name(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        answer = _put(
            client,
            "my set (1).mp4",
            (SAMPLES / "clean_left.mp4").read_bytes(),
            **{"x-last-modified": "1761991200000"},
        )
        assert answer.status_code == 201
        job_id = answer.json()["job"]
        state = client.get(f"/api/jobs?ids={job_id},999").json()["jobs"]
    assert [(j["name"], j["state"]) for j in state] == [("my set (1).mp4", "queued")]
    (job,) = _jobs(tmp_path)
    assert job.upload.parent == tmp_path / "uploads" and "my set" not in job.upload.name
    assert job.performed_at.startswith("2025-11-01")
    with _client(tmp_path) as client:
        assert "my set (1).mp4" in client.get("/upload").text  # still queued after a restart


# -- pages ------------------------------------------------------------------------------------


def test_notes_with_markup_are_shown_as_text(tmp_path: Path, clean_run: Path) -> None:
    set_id = _with_set(tmp_path, clean_run, name="<img src=x onerror=alert(1)>.mp4")
    evil = "<script>alert('x')</script> felt strong"
    with _client(tmp_path) as client:
        saved = client.post(
            f"/sets/{set_id}/notes",
            data={
                "load": "62.5",
                "load_unit": "kg",
                "equipment": "barbell",
                "rpe": "8",
                "note": evil,
            },
            follow_redirects=False,
        )
        assert saved.status_code == 303
        page = client.get(f"/sets/{set_id}").text
        report = client.get(f"/sets/{set_id}/report")
        sets = client.get("/sets").text
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; felt strong"
    assert escaped in page and "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; felt strong" in report.text
    assert "<script>" not in report.text and "62.5 kg" in report.text
    assert "style-src 'unsafe-inline'" in report.headers["content-security-policy"]
    assert "&lt;img src=x onerror=alert(1)&gt;.mp4" in sets and "<img src=x" not in sets
    assert report.text.count('<article class="rep ') == 3


def test_bad_notes_come_back_with_a_message(tmp_path: Path, clean_run: Path) -> None:
    set_id = _with_set(tmp_path, clean_run)
    with _client(tmp_path) as client:
        page = client.post(f"/sets/{set_id}/notes", data={"load": "heavy", "note": "kept"})
    assert page.status_code == 400 and "Not saved: the load must be a number" in page.text
    assert "kept" in page.text  # what was typed is not lost


def test_a_set_that_lost_its_files_says_so(tmp_path: Path, clean_run: Path) -> None:
    set_id = _with_set(tmp_path, clean_run, name="lost.mp4")
    shutil.rmtree(tmp_path / "runs" / "r1")
    with _client(tmp_path) as client:
        sets = client.get("/sets").text
        page = client.get(f"/sets/{set_id}").text
        report = client.get(f"/sets/{set_id}/report")
        progress = client.get("/progress")
    assert "Files missing" in sets and "lost.mp4" in sets
    assert "This set lost its files" in page and "Remove from the list" in page
    assert report.status_code == 404 and progress.status_code == 200


def test_progress_draws_plots_and_the_add_load_advice(tmp_path: Path, clean_run: Path) -> None:
    set_id = _with_set(tmp_path, clean_run)
    config = replace(
        Config(), progression=replace(Config().progression, sets_needed=1, target_reps=3)
    )
    with _client(tmp_path, config=config) as client:
        client.post(f"/sets/{set_id}/notes", data={"load": "60", "equipment": "barbell"})
        page = client.get("/progress").text
    assert page.count('<svg class="chart"') >= 5
    assert "Ready to add load" in page and "Barbell hip thrust · 60 kg" in page


def test_deleting_a_set_removes_it_and_its_folder(tmp_path: Path, clean_run: Path) -> None:
    set_id = _with_set(tmp_path, clean_run)
    with _client(tmp_path) as client:
        page = client.post(f"/sets/{set_id}/delete")
    assert page.status_code == 200 and "Deleted the set and its files." in page.text
    assert not (tmp_path / "runs" / "r1").exists()


def test_static_assets_are_served_locally(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        for path in ("/static/style.css", "/static/live.js", "/static/upload.js"):
            assert client.get(path).status_code == 200
        live = client.get("/live").text
    assert "http://" not in live.replace(LOCAL, "") and "https://" not in live


def test_the_live_socket_answers_a_bad_start_with_a_message(tmp_path: Path) -> None:
    with (
        _client(tmp_path) as client,
        client.websocket_connect(f"ws://127.0.0.1:{PORT}/ws/live") as ws,
    ):
        ws.send_text(json.dumps({"type": "start", "width": 5}))
        answer = ws.receive_json()
    assert answer["type"] == "error" and "Cannot start" in answer["message"]


def test_only_loopback_addresses_go_without_a_token() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    for host in ("", "0.0.0.0", "::", "192.168.1.20", "example.com"):
        assert not is_loopback(host) and Access.for_host(host, PORT).token


def test_a_live_socket_from_another_site_is_refused(tmp_path: Path) -> None:
    from starlette.websockets import WebSocketDisconnect

    with _client(tmp_path) as client, pytest.raises(WebSocketDisconnect) as refused:  # noqa: SIM117
        with client.websocket_connect(
            f"ws://127.0.0.1:{PORT}/ws/live", headers={"origin": "http://evil.example"}
        ):
            pass
    assert refused.value.code == 1008


def test_a_failing_history_database_is_a_page_not_a_traceback(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        (tmp_path / "history.sqlite3").unlink()
        (tmp_path / "history.sqlite3").mkdir()  # the database replaced by a folder
        page = client.get("/sets")
    assert page.status_code == 503 and "The history is unavailable" in page.text
    assert "Traceback" not in page.text
