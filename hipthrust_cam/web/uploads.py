"""Uploads into the job queue, and the queue's progress for the page.

Inputs: `PUT /api/uploads` with the video as the body and its name in `X-File-Name`
(percent-encoded); `GET /api/jobs?ids=1,2`. Outputs: a queued job, or a clear message and no
record. Before anything runs, the name is checked (a path is refused), the size is capped
while the body streams to disk, and the file is probed: it must open as a video and give a
picture. The stored file is named by a random id, never by the user's name.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hipthrust_cam.store.records import iso_from_timestamp, now_iso
from hipthrust_cam.web.security import BadName, safe_name
from hipthrust_cam.web.server import AppContext

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv")
MB = 1024 * 1024


class UploadRefused(Exception):
    """An upload that is not analysed: the message says why and what to do."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def check_name(header: str) -> tuple[str, str]:
    """(display name, lower-case suffix) of an upload's file name.

    Raises:
        UploadRefused: A path, control characters, or not a video's suffix.
    """
    try:
        name = safe_name(unquote(header, errors="strict"))
    except (BadName, UnicodeDecodeError) as exc:
        raise UploadRefused(400, f"Refused: {exc}.") from None
    suffix = Path(name).suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        shown = suffix or "no extension"
        raise UploadRefused(
            415, f"{name}: {shown} is not a video file. Upload an .mp4, .mov or other video."
        )
    return name, suffix


def probe(path: Path, name: str) -> None:
    """Opens the file as a video and decodes its first picture.

    Raises:
        UploadRefused: It is not a readable video (the reason names the user's file).
    """
    from hipthrust_cam.media.sources import SourceError, VideoFileSource

    try:
        with VideoFileSource(path, warn=False) as source:
            first = next(iter(source), None)
    except SourceError as exc:
        message = str(exc).replace(str(path), name)
        raise UploadRefused(415, message) from None
    if first is None:
        raise UploadRefused(415, f"{name}: no picture could be decoded: is it a video?")


async def _receive(request: Request, path: Path, cap: int, name: str) -> int:
    """Streams the body to `path`; returns its size. Refuses past `cap` bytes."""
    size = 0
    with path.open("wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > cap:
                raise UploadRefused(413, _too_big(name, cap))
            out.write(chunk)
    return size


def _too_big(name: str, cap: int) -> str:
    return f"{name} is larger than the {cap // MB} MB limit (config: [app] max_upload_mb)."


def _performed_at(header: str | None) -> str:
    """When the video was filmed: the file's date the browser gives, else now."""
    try:
        seconds = float(header or "") / 1000.0
        if 0 < seconds < datetime.now(UTC).timestamp() + 86400:
            return iso_from_timestamp(seconds)
    except ValueError:
        pass
    return now_iso()


async def upload(request: Request) -> Response:
    """Receives one video, probes it and queues its analysis (201 + the job's id)."""
    ctx: AppContext = request.app.state.ctx
    cap = ctx.config.app.max_upload_mb * MB
    path: Path | None = None
    try:
        name, suffix = check_name(request.headers.get("x-file-name", ""))
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise UploadRefused(413, _too_big(name, cap))
        path = ctx.data.uploads / f"{uuid.uuid4().hex}{suffix}"
        if await _receive(request, path, cap, name) == 0:
            raise UploadRefused(400, f"{name} is empty (0 bytes): choose the video again.")
        await asyncio.to_thread(probe, path, name)
    except UploadRefused as exc:
        if path is not None:
            path.unlink(missing_ok=True)
        return _refuse(exc.status, str(exc))
    except BaseException:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    job_id = ctx.store.add_job(name, path, _performed_at(request.headers.get("x-last-modified")))
    if ctx.scheduler is not None:
        ctx.scheduler.wake()
    return JSONResponse({"job": job_id, "name": name}, status_code=201)


async def jobs(request: Request) -> Response:
    """The state and progress of the jobs asked for (`?ids=1,2`)."""
    ctx: AppContext = request.app.state.ctx
    wanted = set()
    for part in request.query_params.get("ids", "").split(","):
        with contextlib.suppress(ValueError):
            wanted.add(int(part))
    out = []
    for job_id in sorted(wanted)[:100]:
        job = ctx.store.get_job(job_id)
        if job is None:
            continue
        out.append(
            {
                "id": job.id,
                "name": job.name,
                "state": job.state,
                "progress": round(job.progress, 3),
                "message": job.message,
                "set_url": f"/sets/{job.set_id}" if job.set_id is not None else None,
            }
        )
    return JSONResponse({"jobs": out})


def routes() -> list[BaseRoute]:
    """The upload API's routes."""
    return [
        Route("/api/uploads", upload, methods=["PUT"]),
        Route("/api/jobs", jobs),
    ]
