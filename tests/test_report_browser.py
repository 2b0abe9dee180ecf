"""report.html in headless Chromium: it renders, has one row per rep, loads nothing external."""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_report import jpeg, make_run, tags

from hipthrust_cam.report.files import write_run_reports
from hipthrust_cam.report.tables import CSP

pytestmark = pytest.mark.slow  # headless Chromium

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


def _chromium() -> str:
    for name in ("chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "headless Chromium not installed (apt-get install -y chromium); "
        "browser rendering of report.html not checked"
    )


def _run(tmp: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile{len(list(tmp.glob('profile*')))}"
    cmd = [_chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder with the faults report: 3 reps, thumbnails, a partial rep."""
    out = tmp_path_factory.mktemp("run") / "<b>my set</b>"
    report, timeline = make_run("faults", name="<script>alert(1)</script>.mp4")
    write_run_reports(out, report, timeline, {i: jpeg(i) for i in (1, 2, 3)})
    return out


def test_chromium_takes_a_screenshot(run_dir: Path, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    proc = _run(
        tmp_path,
        (run_dir / "report.html").as_uri(),
        f"--screenshot={png}",
        "--window-size=1280,2400",
    )
    assert png.is_file(), proc.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    cv2 = pytest.importorskip("cv2")
    image = cv2.imdecode(__import__("numpy").frombuffer(data, "uint8"), cv2.IMREAD_GRAYSCALE)
    assert image.shape == (2400, 1280)
    assert image.std() > 10, "the screenshot is blank"


def test_rendered_page_has_one_row_per_rep(dom: str) -> None:
    articles = re.findall(r'<article class="rep [a-z]+" id="rep-(\d+)"', dom)
    assert articles == ["1", "2", "3"]
    assert dom.count('class="plot"') == 3
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.mp4" in dom
    assert "<script" not in dom


def test_rendered_page_requests_nothing_external(dom: str) -> None:
    found = tags(dom)
    metas = [a.get("content") for t, a in found if t == "meta"]
    assert CSP in metas, "the strict Content-Security-Policy must be in the page"
    refs = [
        v
        for _, attrs in found
        for k, v in attrs.items()
        if k in {"src", "href", "srcset", "poster", "data", "action", "xlink:href"}
    ]
    assert refs and all(v.startswith("data:image/jpeg;base64,") for v in refs), refs
    assert not [t for t, _ in found if t in {"script", "link", "iframe", "object", "embed"}]


@pytest.fixture(scope="module")
def served(run_dir: Path) -> Iterator[tuple[str, list[str]]]:
    """The run folder over local HTTP; yields the page URL and the list of requested paths."""
    requested: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(run_dir), **kwargs)

        def do_GET(self) -> None:
            requested.append(self.path)
            super().do_GET()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/report.html", requested
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def dom(served: tuple, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The page's DOM after Chromium has loaded it from a local HTTP server."""
    proc = _run(tmp_path_factory.mktemp("chrome"), served[0], "--dump-dom")
    assert 'id="rep-3"' in proc.stdout, proc.stderr[-2000:]
    return proc.stdout


def test_browser_requests_only_the_page_itself(served: tuple, dom: str) -> None:
    requested = served[1]
    assert set(requested) - {"/favicon.ico"} == {"/report.html"}, requested
