"""Application factory: database, middleware, routers, the contract and (when built) the SPA."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fupin import __version__
from fupin.adjustments import clock as adjustment_clock
from fupin.adjustments.router import router as adjustments_router
from fupin.audit import anchor
from fupin.audit.router import router as audit_router
from fupin.cadres.router import router as cadres_router
from fupin.codes.router import router as codes_router
from fupin.config import Settings, get_settings
from fupin.core.context import RequestContext, reset_request_context, set_request_context
from fupin.core.db import is_sqlite, make_engine, make_sessionmaker
from fupin.core.errors import http_problem, install_error_handlers, problem_response
from fupin.core.idempotency import IdempotencyMiddleware
from fupin.core.openapi import document_headers, document_request_bodies, plain_parameters, problems
from fupin.core.readpath import ReadPath
from fupin.departments.router import router as departments_router
from fupin.evidence.router import router as evidence_router
from fupin.evidence.storage import FORM_OVERHEAD as EVIDENCE_FORM_OVERHEAD
from fupin.exports.router import router as exports_router
from fupin.findings.router import router as findings_router
from fupin.households.members_router import router as members_router
from fupin.households.router import router as households_router
from fupin.households.yearly_router import router as yearly_router
from fupin.imports.router import router as imports_router
from fupin.jobs.router import router as jobs_router
from fupin.jobs.worker import Worker
from fupin.measures.router import router as measures_router
from fupin.poverty_lines.router import router as poverty_lines_router
from fupin.projects.funds_router import router as funds_router
from fupin.projects.notices_router import router as project_notices_router
from fupin.projects.progress_router import router as project_progress_router
from fupin.projects.router import router as projects_router
from fupin.reconcile.router import router as reconcile_router
from fupin.regions.router import router as regions_router
from fupin.scoring.router import router as assessments_router
from fupin.stats.router import router as stats_router
from fupin.users.ratelimit import SlidingWindow
from fupin.users.router import router as users_router
from fupin.views.router import router as views_router
from fupin.webhooks.delivery import Dispatcher
from fupin.webhooks.router import router as webhooks_router

API_TITLE = "Fupin 扶贫 API"
API_DESCRIPTION = (
    "精准扶贫 register of a prefecture-level city: households (建档立卡贫困户) and members, incomes, "
    "两不愁三保障, exit evaluation, regions, audit trail and change feed. Errors are application/problem+json "
    "with a stable `code` and field `errors[].pointer`. Lists use opaque keyset cursors. Updates use "
    "`If-Match` with the `version` ETag; POSTs accept `Idempotency-Key`."
)


class About(BaseModel):
    name: str
    version: str
    demo: bool


# Routes that read their body themselves as a stream, in bounded pieces, and count it: the middleware checks only a
# declared length against their own limit (reconcile: an NDJSON stream of a whole county, limited per line).
RECONCILE_MAX_BYTES = 2 * 1024**3


class RequestContextMiddleware:
    """Request id, client address and timing; also enforces the body-size limit (413): `max_body`, or for the
    paths of `large_bodies` their own limit. Those routes read their body as a stream and count it themselves,
    so a body without a declared length is passed through rather than buffered."""

    def __init__(self, app: ASGIApp, max_body: int, large_bodies: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_body = max_body
        self.large_bodies = large_bodies or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        client = scope.get("client")
        token = set_request_context(
            RequestContext(request_id, client[0] if client else None, headers.get("user-agent", "")[:200])
        )
        metrics: Counter[str] = scope["app"].state.metrics
        timings: dict[str, float] = scope["app"].state.timings
        started = time.perf_counter()
        status_seen = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status_seen
            if message["type"] == "http.response.start":
                status_seen = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            length = headers.get("content-length")
            limit = self.large_bodies.get(scope["path"], self.max_body)
            if length is not None and (not length.isdigit() or int(length) > limit):
                await problem_response(413, "payload_too_large", f"The request body exceeds {limit} bytes.")(
                    scope, receive, send_with_id
                )
                return
            if scope["path"] in self.large_bodies:
                await self.app(scope, receive, send_with_id)
            elif length is None and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
                # No declared length (chunked upload): buffer up to the limit, refuse beyond it.
                body = b""
                more = True
                while more:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    body += message.get("body", b"")
                    more = message.get("more_body", False)
                    if len(body) > self.max_body:
                        await problem_response(
                            413, "payload_too_large", f"The request body exceeds {self.max_body} bytes."
                        )(scope, receive, send_with_id)
                        return
                replayed = False

                async def replay() -> Message:
                    nonlocal replayed
                    if not replayed:
                        replayed = True
                        return {"type": "http.request", "body": body, "more_body": False}
                    return await receive()

                await self.app(scope, replay, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            reset_request_context(token)
            metrics[f'fupin_http_requests_total{{status="{status_seen}"}}'] += 1
            timings["fupin_http_request_seconds_sum"] += time.perf_counter() - started


def _operation_id(route: APIRoute) -> str:
    return route.operation_id or route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url, settings.db_pool_size)
        app.state.engine = engine
        # request sessions refuse queries of area data that skip the caller's scope (authz.scope)
        app.state.sessionmaker = make_sessionmaker(engine, area_guard=True)
        app.state.is_sqlite = is_sqlite(settings.database_url)
        anchor.configure(settings)  # checkpoints of the audit chain follow this app's settings
        adjustment_clock.configure(settings)  # the adjustment calendar's today (年度调整)
        app.state.read_path = ReadPath(settings.database_url, pool_size=settings.db_pool_size)
        await app.state.read_path.open()
        worker_task: asyncio.Task[None] | None = None
        if settings.job_worker:
            worker = Worker(
                engine,
                app.state.read_path,
                lease_seconds=settings.job_lease_seconds,
                poll_seconds=settings.job_poll_seconds,
                pause_seconds=settings.job_chunk_pause_seconds,
            )
            worker_task = asyncio.create_task(worker.run_forever(), name="fupin-job-worker")
            app.state.job_worker = worker
            # the webhook dispatcher runs beside the in-process worker (fupin.webhooks.delivery)
            dispatcher = Dispatcher(engine, app.state.read_path, settings)
            dispatcher_task = asyncio.create_task(dispatcher.run_forever(), name="fupin-webhook-dispatcher")
            app.state.webhook_dispatcher = dispatcher
        yield
        if worker_task is not None:
            app.state.webhook_dispatcher.stop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(dispatcher_task, timeout=settings.webhook_timeout_seconds + 5)
            app.state.job_worker.stop()  # finishes its chunk, gives the job back
            # past the timeout wait_for cancels it: the chunk rolls back and the job's lease runs out
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(worker_task, timeout=10)
        await app.state.read_path.close()
        anchor.reset()
        adjustment_clock.reset()
        await engine.dispose()

    app = FastAPI(
        title=API_TITLE,
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url=None,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.metrics = Counter()
    app.state.timings = {"fupin_http_request_seconds_sum": 0.0}
    app.state.login_limiter = SlidingWindow(settings.login_attempts_per_minute, 60)
    install_error_handlers(app)
    # uploads have their own limit (an import streams its file to disk; everything else stays under max_body)
    large_bodies = {"/api/v1/imports": settings.import_max_bytes, "/api/v1/reconcile": RECONCILE_MAX_BYTES}
    large_bodies["/api/v1/evidence"] = settings.evidence_max_bytes + EVIDENCE_FORM_OVERHEAD
    app.add_middleware(IdempotencyMiddleware, hours=settings.idempotency_hours, large_bodies=large_bodies)
    app.add_middleware(RequestContextMiddleware, max_body=settings.max_body_bytes, large_bodies=large_bodies)

    for router in (
        views_router,  # first: its read-only lists match no other path, and are matched with the fewest checks
        users_router,
        regions_router,
        exports_router,  # before households: /households/export is not a household id
        households_router,
        members_router,
        yearly_router,
        poverty_lines_router,
        codes_router,
        audit_router,
        stats_router,
        jobs_router,
        reconcile_router,
        webhooks_router,
        adjustments_router,
        imports_router,
        measures_router,
        departments_router,
        cadres_router,
        evidence_router,
        projects_router,
        project_progress_router,
        project_notices_router,
        funds_router,
        findings_router,
        assessments_router,
    ):
        app.include_router(router)

    @app.get("/api/v1/about", response_model=About, operation_id="about-get", tags=["meta"], responses=problems())
    async def about() -> About:
        """Public facts about this installation; `demo` tells the login page whether to offer the demo logins."""
        return About(name="Fupin 扶贫", version=__version__, demo=settings.demo)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        from fupin.migrations_check import current_head

        try:
            async with request.app.state.engine.connect() as conn:
                row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
        except Exception as exc:  # database down or not migrated
            return JSONResponse({"status": "unavailable", "detail": type(exc).__name__}, status_code=503)
        head = current_head()
        if row is None or row[0] != head:
            return JSONResponse(
                {"status": "migrations pending", "database": row[0] if row else None, "code": head},
                status_code=503,
            )
        return JSONResponse({"status": "ready", "migration": head})

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> PlainTextResponse:
        values = {**request.app.state.metrics, **request.app.state.timings}
        lines = [f"{k} {v}" for k, v in sorted(values.items())]
        return PlainTextResponse("\n".join(lines) + "\n")

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        document_headers(schema)
        plain_parameters(schema)
        document_request_bodies(schema)
        schema["components"].setdefault("securitySchemes", {})
        schema["components"]["securitySchemes"]["ApiKey"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "Machine clients: Authorization: Bearer fp_...",
        }
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    _mount_spa(app, settings.spa_dist)
    return app


def _mount_spa(app: FastAPI, dist: Path) -> None:
    """Serve the built SPA at / with history-mode fallback, as the answer to a GET that no route matched.

    Being a 404 handler rather than a catch-all route, it leaves 405 to known API paths called with the wrong
    method, and everything under /api to the API's own problem+json answers."""
    index = dist / "index.html"
    root = dist.resolve()

    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.url.path
        if (
            exc.status_code != 404
            or request.method not in ("GET", "HEAD")
            or path == "/api"
            or path.startswith("/api/")
        ):
            return await http_problem(request, exc)
        if not index.exists():
            if path == "/":
                return RedirectResponse("/docs")
            return problem_response(404, "not_found", "The web app is not built (run make run).", instance=path)
        candidate = (root / path.lstrip("/")).resolve()
        if candidate.is_file() and root in candidate.parents:
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.add_exception_handler(StarletteHTTPException, not_found)  # type: ignore[arg-type]
