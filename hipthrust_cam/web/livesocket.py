"""A live set over a WebSocket: the browser sends camera frames, the server answers each.

Protocol. The page opens `/ws/live` and sends `{"type": "start", "width", "height", "fps"}`;
once the pose model is loaded the server answers `{"type": "ready", "edges": [...]}`. Then each
frame is one binary message (8 bytes: the frame time in s as a little-endian float64, then the
JPEG), answered by one `{"type": "result", ...}` with the landmarks (fractions of the frame),
phase, rep count, cue and processing rate; the page sends its next frame only after that answer.
`{"type": "end"}` ends the set: it is written like `hipthrust-cam live` and registered, and the
server answers `{"type": "saved", "url": ...}`. A dropped connection or the server stopping ends
the set the same way, so what was measured is never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import shutil
import struct
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from hipthrust_cam.analysis.results import FrameResult
from hipthrust_cam.app.live import guide_lines
from hipthrust_cam.app.remote import FrameError, RemoteSet
from hipthrust_cam.datatypes import SKELETON_EDGES
from hipthrust_cam.media.overlay import FAULT_JOINTS, joint_points
from hipthrust_cam.media.video import VideoWriteError
from hipthrust_cam.pose.protocol import PoseError
from hipthrust_cam.store.folders import partial_dir, publish, register_run, run_dir_for
from hipthrust_cam.store.records import now_iso
from hipthrust_cam.web.server import AppContext

log = logging.getLogger(__name__)

MAX_SIDE = 1920


def payload(result: FrameResult, size: tuple[int, int], fps: float, good: str) -> dict[str, Any]:
    """What the page draws for one frame; coordinates are fractions of the frame."""
    w, h = size
    points = {k: [round(x / w, 4), round(y / h, 4)] for k, (x, y) in joint_points(result).items()}
    bad = sorted({j for code in result.active_faults for j in FAULT_JOINTS.get(code, ())})
    cue, kind = (result.cue[1], "fault") if result.cue else (None, None)
    if cue is None and result.good_rep:
        cue, kind = good, "good"
    angles = {
        key: round(value)
        for key, value in (
            ("hip", result.angles.get("hip_extension_deg", math.nan)),
            ("knee", result.angles.get("knee_angle_deg", math.nan)),
        )
        if math.isfinite(value)
    }
    return {
        "type": "result",
        "reps": result.rep_count,
        "phase": result.phase,
        "cue": cue,
        "cue_kind": kind,
        "messages": list(result.messages),
        "guide": list(guide_lines(result)) if result.rep_count == 0 else [],
        "points": points,
        "bad": bad,
        "angles": angles,
        "fps": round(fps, 1) if math.isfinite(fps) else None,
    }


def _start_size(message: dict[str, Any]) -> tuple[tuple[int, int], float]:
    try:
        w, h = int(message["width"]), int(message["height"])
        fps = float(message.get("fps") or 30.0)
    except (KeyError, TypeError, ValueError):
        raise ValueError("the start message needs the frame width and height") from None
    if not (16 <= w <= MAX_SIDE and 16 <= h <= MAX_SIDE):
        raise ValueError(f"frame size {w}x{h} is not plausible")
    return (w + w % 2, h + h % 2), fps


class LiveConnection:
    """One browser tab's live set."""

    def __init__(self, ws: WebSocket, ctx: AppContext) -> None:
        self.ws, self.ctx = ws, ctx
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-set")
        self.session: RemoteSet | None = None
        self.started = now_iso()
        self.run_dir = run_dir_for(ctx.data, "live", uuid.uuid4().hex[:6])

    async def _call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    async def run(self) -> None:
        """Runs the set until the page ends it or the connection drops; then saves it."""
        ended_by = "End set"
        try:
            if not await self._start():
                return
            ended_by = await self._frames()
        except WebSocketDisconnect:
            ended_by = "connection lost"
        finally:
            await self._finish(ended_by)
            self.pool.shutdown(wait=False)

    async def _start(self) -> bool:
        try:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return False
            size, fps = _start_size(json.loads(message.get("text") or "null") or {})
        except (ValueError, TypeError, AttributeError) as exc:
            await self.ws.send_json({"type": "error", "message": f"Cannot start: {exc}."})
            return False
        session = RemoteSet(self.ctx.config, partial_dir(self.run_dir), size, fps)
        try:
            await self._call(session.__enter__)
        except (PoseError, VideoWriteError, OSError) as exc:
            await self.ws.send_json({"type": "error", "message": f"Cannot start: {exc}"})
            return False
        self.session = session
        edges = [list(e) for e in SKELETON_EDGES]
        await self.ws.send_json({"type": "ready", "edges": edges, "width": size[0]})
        return True

    async def _frames(self) -> str:
        assert self.session is not None
        good = self.ctx.config.cues.good_rep_text
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return "connection lost"
            data = message.get("bytes")
            if data is None:
                text = json.loads(message.get("text") or "{}")
                if text.get("type") == "end":
                    return "End set"
                continue
            if len(data) < 9:
                continue
            (t_s,) = struct.unpack("<d", data[:8])
            try:
                result = await self._call(self.session.process, t_s, data[8:])
            except FrameError:
                await self.ws.send_json({"type": "skipped"})
                continue
            fps = self.session.processing_fps
            if result is None:
                await self.ws.send_json({"type": "skipped"})
            else:
                await self.ws.send_json(payload(result, self.session.size, fps, good))

    async def _finish(self, ended_by: str) -> None:
        if self.session is None:
            return
        future = asyncio.get_running_loop().run_in_executor(self.pool, self._save, ended_by)
        self.ctx.live_sets.add(future)
        try:
            set_id, reps = await asyncio.shield(future)
        except Exception as exc:
            log.warning("the live set could not be saved: %s", exc)
            await self._send({"type": "error", "message": f"The set could not be saved: {exc}"})
            return
        finally:
            self.ctx.live_sets.discard(future)
        if set_id is None:
            await self._send({"type": "saved", "url": None, "reps": 0})
        else:
            await self._send({"type": "saved", "url": f"/sets/{set_id}", "reps": reps})

    def _save(self, ended_by: str) -> tuple[int | None, int]:
        """Writes the run folder, renames it into place and registers it (worker thread)."""
        assert self.session is not None
        partial = partial_dir(self.run_dir)
        if self.session.frames == 0:
            self.session.__exit__(None, None, None)
            shutil.rmtree(partial, ignore_errors=True)
            return None, 0
        summary = self.session.finish(ended_by)
        publish(partial, self.run_dir)
        name = f"Live set {datetime.now():%H:%M}"
        set_id = register_run(self.ctx.store, self.run_dir, "browser", name, self.started)
        return set_id, int(summary.report.get("rep_count", 0))

    async def _send(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self.ws.send_json(message)


async def live_socket(ws: WebSocket) -> None:
    """The `/ws/live` endpoint: one live set at a time."""
    ctx: AppContext = ws.app.state.ctx
    await ws.accept()
    if ctx.live_sets or ctx.live_open:
        await ws.send_json(
            {"type": "error", "message": "A live set is already running in another tab."}
        )
        await ws.close()
        return
    ctx.live_open = True
    try:
        await LiveConnection(ws, ctx).run()
    finally:
        ctx.live_open = False


async def end_all(ctx: AppContext) -> None:
    """Waits (bounded) for live sets still being written when the server stops."""
    pending = list(ctx.live_sets)
    if pending:
        await asyncio.wait(pending, timeout=30)


def routes() -> list[BaseRoute]:
    """The live set's WebSocket route."""
    return [WebSocketRoute("/ws/live", live_socket)]
