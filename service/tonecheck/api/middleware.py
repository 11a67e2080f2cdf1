"""Pure-ASGI middleware: the request log (which also contains crashes) and CORS with the error shape."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tonecheck.api import metrics

log = logging.getLogger("tonecheck.http")

# A caller's X-Request-ID is kept only if it is a plain token: anything else could forge log lines.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def error_body(code: str, message: str) -> bytes:
    """The one error shape, serialized: `{"error": {"code", "message"}}`."""
    return json.dumps({"error": {"code": code, "message": message}}).encode()


async def send_error(send: Send, status: int, code: str, message: str,
                     headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """The one error shape sent straight over ASGI, for middleware that answers before the app."""
    body = error_body(code, message)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


def error_json(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape as a response."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


class RequestLog:
    """One log line per request with id, route, status, sizes, verdict and timing: never text.

    It is the outermost middleware, so it also turns any unexpected exception into a 500 with the error
    shape and logs only the exception's type. Letting it through would have Starlette re-raise it and
    uvicorn print a traceback, whose message may quote the email.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request, stamp the response headers, log one line."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent_id = Headers(scope=scope).get("x-request-id", "")
        request_id = sent_id if _REQUEST_ID.fullmatch(sent_id) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        began = time.perf_counter()
        in_bytes = out_bytes = 0
        status: int | None = None

        async def counting_receive() -> Message:
            nonlocal in_bytes
            message = await receive()
            if message["type"] == "http.request":
                in_bytes += len(message.get("body", b""))
            return message

        async def stamping_send(message: Message) -> None:
            nonlocal status, out_bytes
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if scope["path"].startswith("/v1/"):
                    headers["Cache-Control"] = "no-store"  # results quote the email: no cache may keep them
            elif message["type"] == "http.response.body":
                out_bytes += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, stamping_send)
        except Exception as exc:  # noqa: BLE001 - the last line of defence; see the class docstring
            log.error("internal error id=%s type=%s", request_id, type(exc).__name__)
            if status is None:
                await send_error(stamping_send, 500, "internal_error",
                                 "tonecheck failed on this request; the error was logged")
        finally:
            # The route template, not the path: a path is whatever the caller typed.
            route = getattr(scope.get("route"), "path", "-")
            seconds = time.perf_counter() - began
            metrics.REQUESTS.labels(route, str(status or 500)).inc()
            metrics.LATENCY.labels(route).observe(seconds)
            log.info(
                "request id=%s method=%s route=%s status=%s in_bytes=%d out_bytes=%d verdict=%s ms=%.1f",
                request_id, scope["method"], route, status or "-", in_bytes, out_bytes,
                scope["state"].get("verdict", "-"), seconds * 1000,
            )


class Cors(CORSMiddleware):
    """Starlette's CORS, but other origins get no CORS header at all and a refusal has the error shape."""

    def is_allowed_origin(self, origin: str) -> bool:
        """Exact match, ignoring one trailing slash: classic Outlook on Windows sends `https://host/`."""
        return super().is_allowed_origin(origin[:-1] if origin.endswith("/") else origin)

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        """Add CORS headers to a response, only for a configured origin."""
        origin = request_headers.get("origin")
        starts = message["type"] == "http.response.start"
        if starts and origin is not None and not self.is_allowed_origin(origin):
            message.setdefault("headers", [])
            MutableHeaders(scope=message).add_vary_header("Origin")  # no cache may reuse it across origins
            await send(message)
            return
        await super().send(message, send, request_headers)

    def preflight_response(self, request_headers: Headers) -> Response:
        """The preflight answer; a refusal (400, plain text in Starlette) becomes a JSON error."""
        response = super().preflight_response(request_headers)
        if response.status_code != 200:
            reason = response.body.decode("utf-8", "replace") or "CORS preflight refused"
            return error_json(response.status_code, "cors_refused", reason)
        return response
