"""A real `hipthrust-cam app` process on a free port, and headless Chromium (Debian's own)."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """Debian's Chromium, or a skip saying how to install it."""
    for name in ("chromium", "/usr/bin/chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium not installed (apt-get install -y chromium): browser not tested")


class AppServer:
    """`hipthrust-cam app --no-browser --port 0` over a data folder, until stopped."""

    def __init__(self, data: Path, *extra: str) -> None:
        self.data = data
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hipthrust_cam",
                "app",
                "--no-browser",
                "--port",
                "0",
                "--data-dir",
                str(data),
                *extra,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.url = self._read_url()

    def _read_url(self, timeout_s: float = 60.0) -> str:
        deadline = time.monotonic() + timeout_s
        seen = b""
        while b"Ctrl-C stops" not in seen:
            left = deadline - time.monotonic()
            assert left > 0 and self.proc.poll() is None, f"app did not start: {seen!r}"
            if select.select([self.proc.stdout], [], [], left)[0]:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                assert chunk, f"app exited: {seen!r} {self.proc.stderr.read()!r}"
                seen += chunk
        line = next(x for x in seen.decode().splitlines() if "http://" in x)
        return line.split("hipthrust-cam app: ", 1)[1].strip().rstrip("/")

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=30) as answer:
            return json.loads(answer.read())

    def upload(self, video: Path, name: str | None = None) -> int:
        request = urllib.request.Request(
            self.url + "/api/uploads",
            data=video.read_bytes(),
            method="PUT",
            headers={"X-File-Name": name or video.name},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return int(json.loads(answer.read())["job"])

    def job(self, job_id: int) -> dict[str, Any]:
        return self.get_json(f"/api/jobs?ids={job_id}")["jobs"][0]

    def wait_job(self, job_id: int, until: Any, timeout_s: float = 240.0) -> dict[str, Any]:
        """Polls the job until `until(job)` holds (or the deadline passes)."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.job(job_id)
            if until(job):
                return job
            assert job["state"] != "failed" or until(job), job
            assert time.monotonic() < deadline, f"job {job_id} stuck: {job}"
            time.sleep(0.2)

    def workers(self) -> list[int]:
        """Process ids of the server's analysis workers."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) != self.proc.pid:
                continue
            try:  # a worker runs multiprocessing's spawn_main (not its resource tracker)
                cmdline = (stat.parent / "cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline:
                found.append(int(stat.parent.name))
        return found

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C, as a user stops it; returns (exit status, stdout, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, out.decode(), err.decode()

    def kill(self) -> None:
        """Kills the server outright (a crash, a power cut)."""
        self.proc.kill()
        self.proc.communicate(timeout=30)


def wait_gone(pids: list[int], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while any(Path(f"/proc/{p}").exists() and "Z" not in _state(p) for p in pids):
        assert time.monotonic() < deadline, f"processes {pids} still running"
        time.sleep(0.1)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"
