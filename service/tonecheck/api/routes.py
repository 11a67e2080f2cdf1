"""Routes: validate input, call the engine off the event loop, shape the response. Nothing else."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tonecheck.api import metrics
from tonecheck.api.admission import cost_of
from tonecheck.api.middleware import error_json
from tonecheck.cleanup import ContentType
from tonecheck.engine import EmailInput, Engine, Report
from tonecheck.errors import CheckTimeout, InputError, NotReady, TooLarge, UnsupportedMediaType
from tonecheck.findings import Category, Sensitivity, Verdict, parse_sensitivity, sensitivity_map
from tonecheck.offsets import OffsetUnit
from tonecheck.respond import text_report, to_response
from tonecheck.respond.schemas import (
    BatchRequest,
    BatchResponse,
    CheckRequest,
    CheckResponse,
    ErrorResponse,
    RuleOut,
)

router = APIRouter()
_SEVERITY = [Verdict.SEND, Verdict.REVIEW, Verdict.HOLD]
_ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 413, 415, 422, 429, 503)}
_CHECK_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/CheckRequest"}},
            "text/plain": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }
}
_Body = TypeVar("_Body", CheckRequest, BatchRequest)
_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchRequest"}}},
    }
}


# The dependencies are coroutines: FastAPI runs a plain function in a thread, and under load those two
# thread hops per request were a share of the event loop's time that shedding could not give back.
async def engine(request: Request) -> Engine:
    """The process's engine, or 503 while models are still loading."""
    eng = request.app.state.engine
    if eng is None:
        raise NotReady("models are still loading; retry in a few seconds")
    return eng


async def caller(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> str:
    """Authenticate (when keys are configured) and count the request against the rate limit."""
    who = request.app.state.keys.identify(authorization, x_api_key)
    limiter = request.app.state.limiter
    if limiter.blocking:
        await run_in_threadpool(limiter.hit, who)  # a shared store answers over the network
    else:
        limiter.hit(who)
    return who


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"the body is not valid UTF-8 (byte {exc.start}); send UTF-8 text") from exc


def _unicode(text: str, where: str) -> str:
    """`text`, if it is valid Unicode: JSON's `\\ud800` escapes can smuggle in a lone surrogate half."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"{where} has a lone UTF-16 surrogate at character {exc.start}; send valid Unicode"
        ) from exc
    return text


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _levels(value: Sensitivity | Mapping[Category, Sensitivity] | None) -> tuple[tuple[Category, Sensitivity], ...]:
    return tuple(sensitivity_map(value).items())


def _query_levels(spec: str | None) -> dict[Category, Sensitivity] | None:
    """`?sensitivity=strict` or `?sensitivity=heated=relaxed,blame=strict`, for raw bodies sent with curl."""
    if spec is None:
        return None
    try:
        return parse_sensitivity(spec)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


async def _read_check(
    request: Request, unit: OffsetUnit | None, levels: dict[Category, Sensitivity] | None
) -> tuple[EmailInput, OffsetUnit]:
    """A `CheckRequest` from JSON, or a raw text/plain or text/html body (for curl)."""
    media = _media_type(request)
    raw = await request.body()
    if media in ("text/plain", "text/html"):
        # A body pasted as text/plain is often a copied HTML draft: only text/html is taken at its word.
        declared = ContentType.HTML if media == "text/html" else None
        return EmailInput(_decode(raw), declared, sensitivity=_levels(levels)), unit or OffsetUnit.CODEPOINT
    if media in ("application/json", ""):
        req = _parse(CheckRequest, raw, '{"text": "..."}')
        chosen = req.sensitivity if req.sensitivity is not None else levels
        return EmailInput(_unicode(req.text, "text"), req.content_type, sensitivity=_levels(chosen)), \
            unit or req.offset_unit
    raise UnsupportedMediaType(
        f"content type '{media}' is not supported; send application/json, text/plain or text/html"
    )


def _parse(model: type[_Body], raw: bytes, example: str) -> _Body:
    """A JSON body as `model`; every way it can be wrong is one InputError (422 invalid_input) on both routes."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        if err["type"] == "json_invalid":
            raise InputError(f"the body is not valid JSON ({err['msg']}); send {example}") from exc
        where = ".".join(str(p) for p in err["loc"]) or "body"
        raise InputError(f"{where}: {err['msg']}") from exc


async def _run(request: Request, eng: Engine, emails: list[EmailInput]) -> list[Report]:
    """Queue the CPU-bound check for the worker's check thread; past the timeout the caller gets a 503.

    A thread cannot be stopped, so a check that is already running finishes in the background; one still
    queued when its time is up never runs. Either way the response does not wait.
    """
    settings = request.app.state.settings
    ticket = request.app.state.admission.admit(cost_of([e.text for e in emails]))
    future = request.app.state.checks.submit(eng, ticket, emails, settings.max_tokens)
    # The request stopped waiting: a check still queued gives its cost back and never runs; one already
    # running keeps it until it ends (`Ticket.abandon`).
    future.add_done_callback(lambda f: ticket.abandon() if f.cancelled() else None)
    try:
        reports = await asyncio.wait_for(future, settings.request_timeout_s)
    except TimeoutError as exc:
        raise CheckTimeout(
            f"the check took longer than {settings.request_timeout_s} s; try a shorter draft or retry later"
        ) from exc
    metrics.count_cache(getattr(eng.classifier, "cache", None))
    return reports


def _wants_text(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "text"
    accept = request.headers.get("accept", "")
    return "text/plain" in accept and "application/json" not in accept


@router.post(
    "/v1/check",
    response_model=CheckResponse,
    responses={**_ERRORS, 200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    openapi_extra=_CHECK_BODY,
    summary="Check one draft",
)
async def check(
    request: Request,
    eng: Annotated[Engine, Depends(engine)],
    _: Annotated[str, Depends(caller)],
    format: Annotated[str | None, Query(pattern="^(json|text)$")] = None,  # noqa: A002 - public name
    offset_unit: Annotated[OffsetUnit | None, Query()] = None,
    sensitivity: Annotated[str | None, Query(description="`strict`, `relaxed`, or `heated=relaxed,...`")] = None,
) -> Response:
    """Check a draft sent as JSON (`{"text": ...}`) or as a raw text/plain or text/html body."""
    email, unit = await _read_check(request, offset_unit, _query_levels(sensitivity))
    report = (await _run(request, eng, [email]))[0]
    request.state.verdict = report.verdict.value
    if _wants_text(request, format):
        return PlainTextResponse(text_report(report))
    return JSONResponse(to_response(report, eng.versions, unit).model_dump(mode="json"))


@router.post("/v1/check/batch", response_model=BatchResponse, responses=_ERRORS, openapi_extra=_BATCH_BODY,
             summary="Check many drafts")
async def check_batch(
    request: Request,
    eng: Annotated[Engine, Depends(engine)],
    _: Annotated[str, Depends(caller)],
) -> BatchResponse:
    """Check several drafts in one call; results keep the request's order."""
    media = _media_type(request)
    if media not in ("application/json", ""):
        raise UnsupportedMediaType(f"content type '{media}' is not supported; send application/json")
    # Parsed here, not by FastAPI, so a broken body gets the same 422 `invalid_input` as on /v1/check.
    body = _parse(BatchRequest, await request.body(), '{"emails": [{"text": "..."}]}')
    limit = request.app.state.settings.max_batch_emails
    if len(body.emails) > limit:
        raise TooLarge(f"{len(body.emails)} emails in one batch; the limit is {limit}")
    emails = [EmailInput(_unicode(e.text, f"emails.{i}.text"), e.content_type, sensitivity=_levels(e.sensitivity))
              for i, e in enumerate(body.emails)]
    reports = await _run(request, eng, emails)
    # The worst verdict of the batch, for the request log.
    request.state.verdict = max((r.verdict for r in reports), key=_SEVERITY.index).value
    pairs = zip(reports, body.emails, strict=True)
    return BatchResponse(results=[to_response(r, eng.versions, e.offset_unit) for r, e in pairs])


@router.get("/v1/rules", response_model=list[RuleOut], summary="List the rules")
def rules(eng: Annotated[Engine, Depends(engine)], _: Annotated[str, Depends(caller)]) -> list[RuleOut]:
    """Every loaded rule with its message, suggestions and examples."""
    return [
        RuleOut(id=r.id, category=r.category, severity=r.severity, message=r.message,
                suggestions=r.suggestions, action=r.action, examples_flag=r.examples.flag,
                examples_pass=r.examples.pass_)
        for r in eng.rules.rules.values()
    ]


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    """The try page, for people without the add-in (served with the add-in's own rendering code)."""
    if not request.app.state.settings.addin_dir.joinpath("try.html").is_file():
        return error_json(404, "not_found", "no try page: TONECHECK_ADDIN_DIR has no try.html; see /docs")
    return RedirectResponse("/addin/try.html", status_code=307)


@router.get("/.well-known/microsoft-officeaddins-allowed.json", include_in_schema=False)
def officeaddins_allowed(request: Request) -> JSONResponse:
    """The scripts classic Outlook on Windows may run for the add-in this service hosts at /addin/.

    Its JavaScript-only runtime fetches this from the add-in's origin before an event handler may call
    another origin; without it every send check silently fails open.
    """
    folder = request.app.state.settings.addin_dir
    base = str(request.base_url).rstrip("/")
    scripts = [f"{base}/addin/{name}" for name in ("launchevent.bundle.js", "launchevent.js")
               if folder.joinpath(name).is_file()]
    return JSONResponse({"allowed": scripts})


@router.get("/metrics", include_in_schema=False)
def prometheus(request: Request) -> Response:
    """Prometheus metrics: request counts and latency, shed checks, queue depth, model load time."""
    body, content_type = metrics.render(request.app.state.settings.metrics_dir)
    return Response(body, media_type=content_type)


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness", responses={503: {"model": ErrorResponse}})
def readyz(request: Request) -> JSONResponse:
    """200 once the models are loaded, 503 before."""
    eng = request.app.state.engine
    if eng is None:
        return error_json(503, "not_ready", "models are loading; retry in a few seconds")
    return JSONResponse({"status": "ready", "model": eng.versions.model, "rules": eng.versions.rules})


__all__ = ["router"]
