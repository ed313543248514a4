"""The FastAPI application: `create_app(settings)` wires the context, the worker, the routes and the
HTTP-level rules (body limits, error bodies)."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intake.claim_reader import ClaimReader
from intake.service import metrics
from intake.service.auth import Admin
from intake.service.context import make_context
from intake.service.logs import accept_request_id, request_id
from intake.service.queue import make_runner
from intake.service.routes import claims, documents, errors, review
from intake.service.schemas import ErrorOut, Health, Readiness
from intake.service.workbench import install as install_workbench
from intake.settings import Settings
from intake.store.blobs import StoreUnavailable
from intake.store.tables import FileRow

log = logging.getLogger("intake.service")

RETRY_AFTER = 5  # seconds a client is told to wait while the store, disk or database is away
JSON_BODY_LIMIT = 1 << 20  # claims and corrections are a few hundred bytes
MULTIPART_SLACK = 64 << 10  # boundary and part headers around the file


class _TooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over the {limit / 2**20:.0f} MiB limit")


class BodyLimit:
    """Refuse oversized bodies before they are spooled to disk: uploads by their own limit, JSON by 1 MiB."""

    def __init__(self, app: ASGIApp, upload_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        is_upload = scope["path"].rstrip("/").endswith("/documents")
        limit = self.upload_limit + MULTIPART_SLACK if is_upload else JSON_BODY_LIMIT
        shown = self.upload_limit if is_upload else JSON_BODY_LIMIT
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _send_json(send, 413, {"detail": _TooLarge(shown).detail, "code": "too_large"})
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(shown)  # an HTTPException: FastAPI's body parsing passes it on
            return message

        await self.app(scope, limited, send)


class RequestContext:
    """The outermost layer of every request: its id (X-Request-ID accepted if it is a plain token,
    else made, and echoed), its metrics, and a JSON 500 for anything unhandled, so that no
    traceback, and no exception message, reaches the log (Starlette's own error layer prints both)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = accept_request_id(headers.get(b"x-request-id", b"").decode("latin-1") or None)
        token = request_id.set(rid)
        status = 500
        started = False
        t0 = time.perf_counter()

        async def tagged(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        except Exception as exc:
            route = getattr(scope.get("route"), "path", "")
            log.error("unhandled %s on %s %s", type(exc).__name__, scope["method"], route)
            if not started:
                await _send_json(tagged, 500, {"detail": "internal error"})
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            metrics.REQUESTS.labels(route, scope["method"], str(status)).inc()
            metrics.REQUEST_SECONDS.labels(route).observe(time.perf_counter() - t0)
            request_id.reset(token)


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "header")]
        where = ".".join(loc)
        msg = str(err.get("msg", "invalid"))
        if err.get("type") == "json_invalid":
            parts.append("the body is not valid JSON")
        else:
            parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts) or "invalid request"


def _allowed_methods(request: Request) -> str:
    """Every method served at this path, as /openapi.json lists them (Starlette names only the
    first matching route's, and GET and POST of one path are two routes)."""
    app = request.app
    table = getattr(app.state, "allow_table", None)
    if table is None:
        table = [
            (re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$"), {m.upper() for m in ops})
            for path, ops in app.openapi().get("paths", {}).items()
        ]
        app.state.allow_table = table
    path = request.url.path
    methods = set().union(*(m for rx, m in table if rx.match(path)))
    return ", ".join(sorted(methods))


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)  # the base class: routing's 404/405 are Starlette's
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            detail = "the body cannot be parsed: send UTF-8 JSON, or a multipart form for uploads"
        body = ErrorOut(detail=detail, code="too_large" if exc.status_code == 413 else None)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return JSONResponse(body.model_dump(exclude_none=True), exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_detail(exc)}, 422)

    def unavailable(request: Request, exc: Exception) -> JSONResponse:
        # A fault of the service's surroundings (store, disk, database): the request was fine and
        # will work once they are back. The type only in the log, never the message.
        log.warning("unavailable (%s) on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse(
            {"detail": "the service cannot store this now; try again shortly", "code": "unavailable"},
            503,
            headers={"Retry-After": str(RETRY_AFTER)},
        )

    faults: tuple[type[Exception], ...] = (StoreUnavailable, DBAPIError, PoolTimeout, ConnectionError, TimeoutError)
    for kind in faults:
        app.add_exception_handler(kind, unavailable)

    # Anything else unhandled is answered by RequestContext (outside Starlette's error layer,
    # which would print the traceback after answering).


def create_app(settings: Settings | None = None, reader: ClaimReader | None = None) -> FastAPI:
    """The service on these settings (default: the environment's), reading with this reader."""
    ctx = make_context(settings or Settings.load(), reader)
    worker = make_runner(ctx)
    ctx.worker = worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker.start()
        try:
            yield
        finally:
            worker.stop()
            ctx.webhooks.close()

    app = FastAPI(
        title="intake",
        version="1.0.0",
        summary="Document intake for trade-union mutual-aid medical claims.",
        description=(
            "A claim portal creates a claim, uploads its pages and reads the documents, fields and "
            "completeness; a reviewer corrects document types and fields, each correction kept with "
            "who made it and when. Every call needs `Authorization: Bearer KEY` (`intake keys create`). "
            'Errors are `{"detail": "..."}`.'
        ),
        lifespan=lifespan,
        # /docs is served from the package's own Swagger UI (workbench.install): intake runs offline.
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.add_middleware(BodyLimit, upload_limit=ctx.limits.max_file_bytes)
    app.add_middleware(RequestContext)  # added last: the outermost of the two
    _install_error_handlers(app)
    app.include_router(claims.router)
    app.include_router(documents.router)
    app.include_router(review.router)
    install_workbench(app)  # the reviewers' pages under /review/, their sessions, /docs

    @app.get(
        "/healthz",
        response_model=Health,
        tags=["service"],
        summary="Liveness and queue depth (no key needed); /readyz says whether it can work",
    )
    def health() -> Health:
        # Liveness only: the process answers. A database that is away shows as unknown depths
        # (null), not as a failed check: restarting the process would not bring it back.
        counts: dict[str, int] | None
        try:
            with ctx.sessions() as s:
                counts = {
                    str(k): int(v)
                    for k, v in s.execute(
                        select(FileRow.status, func.count())
                        .where(FileRow.status.in_(("queued", "processing", "split")))
                        .group_by(FileRow.status)
                    ).all()
                }
        except Exception as exc:
            log.warning("healthz: queue depth unknown (%s)", type(exc).__name__)
            counts = None
        return Health(
            status="ok",
            pipeline=ctx.pipeline_state,
            queued=None if counts is None else counts.get("queued", 0),
            processing=None if counts is None else counts.get("processing", 0) + counts.get("split", 0),
        )

    # An admin key, like every call that is not a probe: the counts carry no personal data, but
    # how many claims a union reads, and when, is the operator's business (Prometheus sends the key
    # as `authorization: {credentials: ik_...}` in its scrape config).
    @app.get(
        "/metrics",
        tags=["service"],
        summary="Prometheus metrics (admins)",
        response_class=Response,
        responses=errors(401, 403),
    )
    def metrics_endpoint(who: Admin) -> Response:
        return Response(metrics.exposition(ctx.sessions), media_type=CONTENT_TYPE_LATEST)

    @app.get(
        "/readyz",
        response_model=Readiness,
        tags=["service"],
        summary="Readiness: 200 when the models are loaded and the database, store and broker answer, else 503",
        responses={503: {"model": Readiness, "description": "Not ready: `checks` says what is not"}},
    )
    def ready() -> JSONResponse:
        checks: dict[str, str] = {}

        def check(name: str, probe: Any) -> None:
            try:
                probe()
                checks[name] = "ok"
            except Exception as exc:
                checks[name] = f"unavailable ({type(exc).__name__})"

        def database() -> None:
            with ctx.engine.connect() as conn:
                conn.execute(text("SELECT 1"))

        check("database", database)
        check("store", ctx.blobs.ping)
        check("queue", worker.ping)
        ok = all(v == "ok" for v in checks.values())
        body = Readiness(status="ready" if ok else "not_ready", checks=checks)
        return JSONResponse(body.model_dump(), 200 if ok else 503, headers={} if ok else {"Retry-After": "5"})

    return app
