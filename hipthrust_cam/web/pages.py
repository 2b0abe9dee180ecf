"""The HTML pages: Live, Upload, Sets (and one set), Progress, and a set's report and video.

Inputs: requests and the shared `AppContext`. Outputs: Jinja2 pages (autoescaped: every user
string is shown as text), the report page rendered from the run folder with the set's notes,
the annotated video, and the notes and delete forms' redirects.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hipthrust_cam.report.files import ReportError, load_run
from hipthrust_cam.report.page import render_html
from hipthrust_cam.store.folders import delete_set
from hipthrust_cam.store.progression import advise
from hipthrust_cam.store.records import EQUIPMENT, LOAD_UNITS, ORIGINS, Notes, SetRow
from hipthrust_cam.web.progress import progress_charts
from hipthrust_cam.web.security import REPORT_CSP
from hipthrust_cam.web.server import AppContext


def _ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def _page(request: Request, name: str, status: int = 200, **values: Any) -> Response:
    ctx = _ctx(request)
    values.setdefault("nav", name.removesuffix(".html"))
    return ctx.templates.TemplateResponse(request, name, values, status_code=status)


def when_text(row: SetRow) -> str:
    """A set's date for people: "Tue 3 Dec 2026, 07:40"."""
    w = row.when
    return f"{w:%a} {w.day} {w:%b %Y, %H:%M}"


def row_view(row: SetRow) -> dict[str, Any]:
    """What the Sets table shows of a set."""
    notes = row.notes
    kit = " · ".join(x for x in (notes.load_text, notes.equipment or "") if x)
    if notes.load_text == "bodyweight":
        kit = "bodyweight"
    clean = row.rep_count > 0 and row.clean_reps == row.rep_count
    return {
        "id": row.id,
        "when": when_text(row),
        "name": row.name,
        "reps": row.rep_count,
        "clean": row.clean_reps,
        "cue": row.main_cue or ("Every rep clean" if clean else "—"),
        "all_clean": clean,
        "kit": kit,
        "rpe": "" if notes.rpe is None else f"{notes.rpe:g}",
        "origin": ORIGINS.get(row.origin, row.origin),
        "missing": not row.files_present,
        "partial": row.partial,
        "folder": str(row.run_dir),
    }


async def home(request: Request) -> Response:
    """The Sets page is home."""
    return RedirectResponse("/sets", status_code=303)


async def live_page(request: Request) -> Response:
    """The live coaching page (the camera runs in the browser)."""
    app = _ctx(request).config.app
    return _page(request, "live.html", long_side=app.live_long_side, quality=app.live_jpeg_quality)


async def upload_page(request: Request) -> Response:
    """Drag and drop videos; the queue's unfinished and failed jobs are listed."""
    ctx = _ctx(request)
    jobs = [j for j in ctx.store.jobs() if j.state != "done"]
    return _page(request, "upload.html", jobs=jobs[-20:], max_mb=ctx.config.app.max_upload_mb)


async def sets_page(request: Request) -> Response:
    """Every set in the history, newest first."""
    rows = [row_view(r) for r in _ctx(request).store.sets()]
    message = request.query_params.get("message", "")
    return _page(request, "sets.html", rows=rows, message=message[:200])


def _notes_form(notes: Notes) -> dict[str, Any]:
    return {
        "load": "" if notes.load is None else f"{notes.load:g}",
        "load_unit": notes.load_unit,
        "equipment": notes.equipment or "",
        "rpe": "" if notes.rpe is None else f"{notes.rpe:g}",
        "note": notes.note,
    }


def _set_view(
    request: Request, row: SetRow, form: dict[str, Any], error: str = "", status: int = 200
) -> Response:
    return _page(
        request,
        "set.html",
        status=status,
        nav="sets",
        row=row_view(row),
        form=form,
        error=error,
        saved=request.query_params.get("saved") == "1",
        has_video=row.video is not None,
        equipment=EQUIPMENT,
        units=LOAD_UNITS,
    )


def _get_row(request: Request) -> SetRow | None:
    return _ctx(request).store.get_set(int(request.path_params["set_id"]))


async def set_page(request: Request) -> Response:
    """One set: its notes (editable), its annotated video and its report."""
    row = _get_row(request)
    if row is None:
        return _page(request, "missing.html", status=404, nav="sets")
    return _set_view(request, row, _notes_form(row.notes))


def _number(text: str, what: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"the {what} must be a number") from None
    if not math.isfinite(value):
        raise ValueError(f"the {what} must be a number")
    return value


def parse_notes(form: dict[str, str]) -> Notes:
    """Notes from the form's fields.

    Raises:
        ValueError: A field is not valid (the message says which and why).
    """
    return Notes(
        load=_number(form.get("load", ""), "load"),
        load_unit=form.get("load_unit", "kg") or "kg",
        equipment=form.get("equipment") or None,
        rpe=_number(form.get("rpe", ""), "effort (RPE)"),
        note=form.get("note", "").replace("\r\n", "\n").strip(),
    )


async def save_notes(request: Request) -> Response:
    """Saves a set's notes; on a bad field the page comes back with the message."""
    row = _get_row(request)
    if row is None:
        return _page(request, "missing.html", status=404, nav="sets")
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        notes = parse_notes(form)
    except ValueError as exc:
        return _set_view(request, row, form, f"Not saved: {exc}.", status=400)
    _ctx(request).store.save_notes(row.id, notes)
    return RedirectResponse(f"/sets/{row.id}?saved=1", status_code=303)


async def remove_set(request: Request) -> Response:
    """Deletes a set (its files too when the app wrote them)."""
    ctx = _ctx(request)
    message = delete_set(ctx.store, ctx.data, int(request.path_params["set_id"]))
    return RedirectResponse(f"/sets?{urlencode({'message': message})}", status_code=303)


def notes_pairs(notes: Notes) -> list[tuple[str, str]]:
    """The notes as (label, text) for the report page."""
    return [
        ("Load", notes.load_text),
        ("Equipment", (notes.equipment or "").capitalize()),
        ("Effort (RPE)", "" if notes.rpe is None else f"{notes.rpe:g}"),
        ("Note", notes.note),
    ]


async def report_page(request: Request) -> Response:
    """The set's report, rendered from its run folder, with its notes."""
    row = _get_row(request)
    if row is None or not row.files_present:
        return _page(request, "missing.html", status=404, nav="sets")
    try:
        report, timeline, thumbs = load_run(row.run_dir)
    except ReportError:
        return _page(request, "missing.html", status=404, nav="sets")
    html = render_html(report, timeline, thumbs, notes_pairs(row.notes))
    return HTMLResponse(html, headers={"content-security-policy": REPORT_CSP})


async def video(request: Request) -> Response:
    """The set's annotated video (byte ranges served, so the player can seek)."""
    row = _get_row(request)
    path = row.video if row is not None else None
    if path is None:
        return Response("This set has no video.", status_code=404)
    return FileResponse(path, media_type="video/mp4", content_disposition_type="inline")


async def progress_page(request: Request) -> Response:
    """Trends over sessions and the add-load advice."""
    ctx = _ctx(request)
    rows = [r for r in ctx.store.sets() if r.files_present]
    cfg = ctx.config
    advice = advise(rows, cfg.progression.sets_needed, cfg.progression.target_reps, cfg.cues.texts)
    return _page(
        request,
        "progress.html",
        charts=progress_charts(ctx.config, rows) if rows else [],
        advice=advice,
        advice_rows={a.setup: [row_view(r) for r in a.sets] for a in advice},
        needed=cfg.progression.sets_needed,
        target=cfg.progression.target_reps,
        count=len(rows),
    )


def routes() -> list[BaseRoute]:
    """The pages' routes."""
    return [
        Route("/", home),
        Route("/live", live_page),
        Route("/upload", upload_page),
        Route("/sets", sets_page),
        Route("/sets/{set_id:int}", set_page),
        Route("/sets/{set_id:int}/report", report_page),
        Route("/sets/{set_id:int}/video", video),
        Route("/sets/{set_id:int}/notes", save_notes, methods=["POST"]),
        Route("/sets/{set_id:int}/delete", remove_set, methods=["POST"]),
        Route("/progress", progress_page),
    ]
