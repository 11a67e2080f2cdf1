"""The FastAPI application: lifespan loads the engine once; handlers map domain errors to status codes."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import __version__
from service.api.limits import BodyLimit, BodyTooLarge
from service.api.routes import router
from service.api.security import KeyChecker, RateLimited, RateLimiter, Unauthorized
from service.engine import Engine, build_engine
from service.errors import (
    CheckTimeout,
    InputError,
    NotReady,
    TonecheckError,
    TooLarge,
    UnsupportedMediaType,
)
from service.settings import Settings

log = logging.getLogger("tonecheck.http")

_STATUS: list[tuple[type[TonecheckError], int]] = [
    (Unauthorized, 401),
    (RateLimited, 429),
    (TooLarge, 413),
    (UnsupportedMediaType, 415),
    (InputError, 422),
    (NotReady, 503),
    (CheckTimeout, 503),
]


def error_json(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape: `{"error": {"code", "message"}}`."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(TonecheckError)
    async def domain_error(request: Request, exc: TonecheckError) -> JSONResponse:
        status = next((s for cls, s in _STATUS if isinstance(exc, cls)), 500)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        if isinstance(exc, Unauthorized):
            headers = {"WWW-Authenticate": "Bearer"}
        return error_json(status, exc.code, str(exc), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
        return error_json(422, "invalid_request", f"{where}: {first.get('msg')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return error_json(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail),
                          dict(exc.headers or {}))

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        limit = request.app.state.settings.max_body_bytes
        return error_json(413, "too_large", f"the request body is over {limit} bytes; send a shorter draft")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never log the exception's args: they may quote the email.
        log.error("internal error id=%s type=%s", getattr(request.state, "request_id", "-"), type(exc).__name__)
        return error_json(500, "internal_error", "tonecheck failed on this request; the error was logged")


def create_app(settings: Settings, engine_factory: Callable[[Settings], Engine] = build_engine) -> FastAPI:
    """Build the app; `engine_factory` runs in the lifespan so models load once per worker."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = engine_factory(settings)
        yield
        app.state.engine = None

    app = FastAPI(
        title="tonecheck",
        version=__version__,
        description="Checks an outgoing customer email for told-you-so, blame, defensive and heated wording.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = None
    app.state.keys = KeyChecker(settings.all_api_keys())
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute)
    _install_handlers(app)
    app.include_router(router)
    if settings.addin_dir.is_dir():
        app.mount("/addin", StaticFiles(directory=settings.addin_dir, html=True), name="addin")

    @app.middleware("http")
    async def request_log(request: Request, call_next: Callable) -> object:
        # Logs carry id, sizes, status, verdict and timing only: never email or finding text.
        request.state.request_id = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex[:16]
        began = time.perf_counter()
        response = await call_next(request)
        log.info(
            "request id=%s method=%s path=%s status=%s in_bytes=%s out_bytes=%s verdict=%s ms=%.1f",
            request.state.request_id, request.method, request.url.path, response.status_code,
            request.headers.get("content-length", "0"), response.headers.get("content-length", "-"),
            getattr(request.state, "verdict", "-"), (time.perf_counter() - began) * 1000,
        )
        response.headers["X-Request-ID"] = request.state.request_id
        return response

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type", "Authorization", "X-API-Key", "X-Request-ID"], max_age=600,
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
