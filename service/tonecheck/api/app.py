"""The FastAPI application: lifespan loads the engine once; handlers map domain errors to status codes."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from tonecheck import __version__
from tonecheck.api import metrics
from tonecheck.api.admission import Admission, Overloaded
from tonecheck.api.balance import Rebalance, WorkerLoads
from tonecheck.api.coalesce import CheckQueue
from tonecheck.api.limits import BodyLimit, BodyTooLarge
from tonecheck.api.middleware import Cors, RequestLog, error_json
from tonecheck.api.routes import router
from tonecheck.api.security import KeyChecker, RateLimited, RateLimiter, Unauthorized
from tonecheck.api.shedding import ShedGate
from tonecheck.engine import Engine, build_engine
from tonecheck.errors import (
    CheckTimeout,
    ConfigError,
    InputError,
    NotReady,
    TonecheckError,
    TooLarge,
    UnsupportedMediaType,
)
from tonecheck.respond.schemas import BatchRequest, CheckRequest
from tonecheck.settings import Settings

log = logging.getLogger("tonecheck.http")

_STATUS: list[tuple[type[TonecheckError], int]] = [
    (Unauthorized, 401),
    (RateLimited, 429),
    (TooLarge, 413),
    (UnsupportedMediaType, 415),
    (InputError, 422),
    (NotReady, 503),
    (CheckTimeout, 503),
    (Overloaded, 503),
]
# One thread runs checks in each worker (workers use the other cores). The work is CPU-bound and mostly
# holds the GIL: with four threads the event loop waited its turn behind them, and at 3x capacity even
# the 503s of shed requests took 2.6-4 s (`make load --overload 3`); with one, they take ~15 ms. A
# bounded pool also means a request still queued when its timeout passes never runs. The checks waiting
# for it are merged when it frees up (`CheckQueue`).
CHECK_THREADS = 1
# The routes that run checks: the shedding gate refuses them before their body is read.
_CHECK_PATHS = ("/v1/check", "/v1/check/batch")
# uvicorn's code for "the worker failed to start": its supervisor then stops instead of restarting forever.
_STARTUP_FAILURE = 3

__all__ = ["CHECK_THREADS", "configure_logging", "create_app", "error_json"]


class AddinFiles(StaticFiles):
    """The add-in's pages; the Python package marker beside them is not a page."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """404 for Python files, which are in the folder only to ship it as package data."""
        if path.endswith((".py", ".pyc")) or "__pycache__" in path:
            raise StarletteHTTPException(404)
        return await super().get_response(path, scope)


def _openapi(app: FastAPI, generate: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """FastAPI's schema plus the request models that the check routes parse from the raw body themselves."""
    if app.openapi_schema is None:
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (CheckRequest, BatchRequest):
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(body.pop("$defs", {}))
            schemas[model.__name__] = body
        app.openapi_schema = schema
    return app.openapi_schema


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(TonecheckError)
    async def domain_error(request: Request, exc: TonecheckError) -> JSONResponse:
        status = next((s for cls, s in _STATUS if isinstance(exc, cls)), 500)
        retry_after = exc.retry_after if isinstance(exc, RateLimited | Overloaded) else None
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        if isinstance(exc, Unauthorized):
            headers = {"WWW-Authenticate": "Bearer"}
        return error_json(status, exc.code, str(exc), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Only the location and pydantic's message: `input` would echo the email back into logs and proxies.
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
        return error_json(422, "invalid_request", f"{where}: {first.get('msg')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        return error_json(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail),
                          dict(exc.headers or {}))

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return error_json(413, "too_large", exc.detail)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A last resort (RequestLog catches first): never log the exception's args, they may quote the email.
        request_id = getattr(request.state, "request_id", "-")
        log.error("internal error id=%s type=%s", request_id, type(exc).__name__)
        return error_json(500, "internal_error", "tonecheck failed on this request; the error was logged")


async def _load_in_background(app: FastAPI, settings: Settings,
                             factory: Callable[[Settings], Engine]) -> None:
    """Load the engine off the event loop so /healthz answers and /readyz says 503 meanwhile."""
    try:
        began = time.perf_counter()
        engine = await asyncio.to_thread(factory, settings)
        metrics.MODEL_LOAD.set(time.perf_counter() - began)
        app.state.engine = engine
        log.info("engine ready model=%s rules=%s", engine.versions.model, engine.versions.rules)
    except Exception as exc:  # noqa: BLE001 - any failure to load means this worker cannot serve
        # Settings and model errors name a file or setting, never an email, so the message is safe to log.
        log.critical("the engine failed to load (%s: %s); this worker exits", type(exc).__name__, exc)
        logging.shutdown()
        os._exit(_STARTUP_FAILURE)  # nothing is in flight that needs the engine; every check got a 503


def configure_logging(settings: Settings) -> None:
    """The service's log format, with uvicorn's access log off."""
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Our request log replaces uvicorn's access log, whose line carries the client address and the raw
    # path with its query string; ours carries an id, the route, sizes, verdict and timing only.
    logging.getLogger("uvicorn.access").disabled = True


def _in_flight(app: FastAPI, loads: WorkerLoads | None, running: int) -> None:
    """Tell the other workers this worker's checks in flight: to rebalance, and to lend no core it needs."""
    if loads is not None:
        loads.publish(running)
    engine = app.state.engine  # None while the models load
    if engine is not None and engine.cores is not None:
        engine.cores.in_flight(running > 0)


def create_app(
    settings: Settings,
    engine_factory: Callable[[Settings], Engine] = build_engine,
    load_in_background: bool = False,
    loads: WorkerLoads | None = None,
) -> FastAPI:
    """Build the app; `engine_factory` runs in the lifespan so models load once per worker.

    With `load_in_background` (what `tonecheck serve` uses) the server accepts connections at once and
    /readyz answers 503 until the engine is loaded; otherwise startup waits for it (tests). With
    `loads` (one of several forked workers) the worker publishes its checks in flight there, and closes
    a connection after its answer while another worker is idler, so the next request may move there.
    """
    try:
        keys = settings.all_api_keys()
    except OSError as exc:
        raise ConfigError(
            f"TONECHECK_API_KEYS_FILE: cannot read {settings.api_keys_file}: {exc.strerror}"
        ) from exc

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = ThreadPoolExecutor(max_workers=CHECK_THREADS, thread_name_prefix="tonecheck-check")
        app.state.checks = CheckQueue(app.state.pool)
        loading = None
        if load_in_background:
            loading = asyncio.create_task(_load_in_background(app, settings, engine_factory))
        else:
            app.state.engine = engine_factory(settings)
        try:
            yield
        finally:
            if loads is not None:
                loads.free()  # a retiring worker's count would otherwise read as a live worker's
            if loading is not None:
                loading.cancel()
            app.state.engine = None
            # uvicorn has drained in-flight requests by now; anything still queued is dropped.
            app.state.pool.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="tonecheck",
        version=__version__,
        description="Checks an outgoing customer email for told-you-so, blame, defensive and heated wording.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = None
    app.state.checks = CheckQueue(None)  # replaced in the lifespan by one on the bounded pool
    app.state.keys = KeyChecker(keys)
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_storage)
    app.state.admission = Admission(settings.shed_after_s, timeout_s=settings.request_timeout_s,
                                    on_change=partial(_in_flight, app, loads))
    _install_handlers(app)
    app.include_router(router)
    app.openapi = partial(_openapi, app, app.openapi)  # type: ignore[method-assign]
    if settings.addin_dir.is_dir():
        app.mount("/addin", AddinFiles(directory=settings.addin_dir, html=True), name="addin")
    # Added innermost first: RequestLog sees everything (and contains any crash), CORS then also covers
    # the shed 503 and the body-limit 413, rebalancing closes the connection of any answer (a shed 503
    # too), the gate sheds before the body is read, and the body limit guards the app.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    checks = {r.path: r for r in router.routes if isinstance(r, APIRoute) and r.path in _CHECK_PATHS}
    if len(checks) != len(_CHECK_PATHS):  # a renamed route would silently switch shedding off at the door
        raise RuntimeError(f"the shedding gate found {sorted(checks)} of the check routes {_CHECK_PATHS}")
    app.add_middleware(ShedGate, admission=app.state.admission, routes=checks)
    if loads is not None:
        app.add_middleware(Rebalance, admission=app.state.admission, loads=loads)
    if settings.cors_origins:
        app.add_middleware(
            Cors, allow_origins=[o.rstrip("/") for o in settings.cors_origins],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type", "Authorization", "X-API-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"], max_age=600,
        )
    app.add_middleware(RequestLog)
    return app
