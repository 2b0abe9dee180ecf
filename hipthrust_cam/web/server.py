"""The app's server: its shared context, the Starlette application, and `serve` under uvicorn.

Inputs: `Settings` (data folder, config, where to listen). Outputs: a running server until
Ctrl-C; the URL is announced through a callback (only the CLI prints). On start the history is
opened (migrated) and repaired after any crash, and the job queue resumes; on stop the running
jobs go back in the queue and an open live set is written like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from hipthrust_cam.app.cluster import RayExecutor, task_config
from hipthrust_cam.app.jobs import JobScheduler
from hipthrust_cam.config import Config
from hipthrust_cam.store.db import Store, StoreError
from hipthrust_cam.store.folders import recover
from hipthrust_cam.store.layout import DataDir
from hipthrust_cam.web.security import Access, Guard

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_PORT = 8765


@dataclass(frozen=True)
class Settings:
    """How the app runs.

    Attributes:
        data: The data folder.
        config: The effective config (analysis, progression and app settings).
        host: Address to listen on (loopback by default).
        port: Port (0: any free one).
        run_jobs: Analyse queued uploads (False keeps them queued: tests of the queue).
        ray: Analyse them as Ray tasks: a cluster's address, "" for a local Ray instance, or
            None for worker processes on this computer.
    """

    data: DataDir
    config: Config
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    run_jobs: bool = True
    ray: str | None = None


@dataclass
class AppContext:
    """What every request handler shares."""

    settings: Settings
    store: Store
    access: Access
    templates: Jinja2Templates
    scheduler: JobScheduler | None = None
    executor: RayExecutor | None = None
    live_sets: set[asyncio.Future[tuple[int | None, int]]] = field(default_factory=set)
    live_open: bool = False

    @property
    def data(self) -> DataDir:
        """The data folder."""
        return self.settings.data

    @property
    def config(self) -> Config:
        """The effective config."""
        return self.settings.config


def open_context(settings: Settings, access: Access) -> AppContext:
    """Opens the history (creating, migrating and repairing it) for an app to serve.

    Raises:
        StoreError: The database cannot be used.
        OSError: The data folder cannot be created.
    """
    data = settings.data.ensure()
    store = Store.open(data.db)
    recover(store, data, settings.config.app.job_attempts)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True
    return AppContext(settings, store, access, templates)


def create_app(ctx: AppContext) -> Starlette:
    """The Starlette application over an opened context."""
    from hipthrust_cam.web import livesocket, pages, uploads

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if ctx.settings.run_jobs:
            ctx.scheduler = _scheduler(ctx)
            ctx.scheduler.start()
        try:
            yield
        finally:
            await livesocket.end_all(ctx)
            if ctx.scheduler is not None:
                await asyncio.to_thread(ctx.scheduler.stop)

    routes = [
        *pages.routes(),
        *uploads.routes(),
        *livesocket.routes(),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, access=ctx.access)],
        lifespan=lifespan,
        exception_handlers={StoreError: _store_failed},
    )
    app.state.ctx = ctx
    return app


def _scheduler(ctx: AppContext) -> JobScheduler:
    """The upload queue's scheduler: worker processes here, or Ray tasks (`ctx.executor`)."""
    app_cfg = ctx.config.app
    if ctx.executor is None:
        return JobScheduler(ctx.data, ctx.store, ctx.config, app_cfg.max_jobs, app_cfg.job_attempts)
    from hipthrust_cam.app.cluster_queue import RayJobScheduler

    return RayJobScheduler(
        ctx.data, ctx.store, ctx.config, app_cfg.max_jobs, app_cfg.job_attempts, ctx.executor
    )


async def _store_failed(request: Request, exc: Exception) -> Response:
    """The history could not be read or written (a full disk, a damaged file): say so."""
    log.warning("%s", exc)
    text = html.escape(" ".join(str(exc).split()))
    body = (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>History unavailable</title>'
        '<link rel="stylesheet" href="/static/style.css"><main><h1>The history is unavailable</h1>'
        f"<p>{text}</p><p>Free some disk space or check the data folder, then reload.</p></main>"
    )
    return HTMLResponse(body, status_code=503)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); port 0 picks a free one.

    Raises:
        OSError: The address is in use or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings, announce: Callable[[str], None]) -> None:
    """Runs the app until Ctrl-C; `announce` is told the URL once it accepts connections.

    Raises:
        ClusterError: `settings.ray` names a cluster that cannot be used.
    """
    import uvicorn

    sock = bind(settings.host, settings.port)
    with sock, contextlib.ExitStack() as stack:
        executor = None
        if settings.ray is not None and settings.run_jobs:  # connect before serving a page
            executor = stack.enter_context(RayExecutor(settings.ray or None))
            executor.slots(task_config(settings.config).pose.lanes)  # lanes a node can take
        port = int(sock.getsockname()[1])
        access = Access.for_host(settings.host, port)
        ctx = open_context(settings, access)
        ctx.executor = executor
        config = uvicorn.Config(
            create_app(ctx),
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=15,
            ws_max_size=16 * 1024 * 1024,
            ws="wsproto",
        )
        server = uvicorn.Server(config)
        announce(access.url())
        server.run(sockets=[sock])
