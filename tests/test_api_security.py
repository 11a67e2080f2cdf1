"""Access and privacy in process: API keys, CORS, the rate limit, timeouts, and logs that never hold text."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tonecheck.api import security
from tonecheck.api.app import create_app
from tonecheck.api.security import KeyChecker, RateLimited, RateLimiter, Unauthorized
from tonecheck.engine import Engine
from tonecheck.errors import ConfigError
from tonecheck.settings import Settings

KEYS = ["k-alpha-0123456789", "k-beta-9876543210"]
FILE_KEY = "k-from-file-555"
ORIGIN = "https://outlook.office.com"
SECRET_TEXT = "Zorblax quarterly invoice: as I said in my last email, you failed to attach the form."
FINDING_TEXT = "you failed to attach the form"
LOGGERS = ["", "uvicorn", "uvicorn.error", "uvicorn.access", "tonecheck", "tonecheck.http", "fastapi"]
REQUEST_LINE = re.compile(
    r"request id=[A-Za-z0-9._:-]{1,64} method=[A-Z]+ route=(/[\w/{}]*|-) status=(\d{3}|-) in_bytes=\d+ "
    r"out_bytes=\d+ verdict=(send|review|hold|-) ms=\d+\.\d"
)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


@contextmanager
def app_client(engine: Engine, **settings: object) -> Iterator[TestClient]:
    """An app on the shared rules-only engine with these settings, its lifespan run."""
    app = create_app(Settings(use_classifier=False, **settings), engine_factory=lambda s: engine)
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "keys.txt"
    path.write_text(
        f"# one key per line; comments and blank lines are skipped\n\n  {FILE_KEY}  \n", encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def keyed(rules_engine: Engine, key_file: Path) -> Iterator[TestClient]:
    """Keys from settings and from a file; CORS for one origin."""
    with app_client(rules_engine, api_keys=KEYS, api_keys_file=key_file, cors_origins=[ORIGIN]) as client:
        yield client


# --- API keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({}, 401, id="no-key"),
        pytest.param({"X-API-Key": "wrong"}, 401, id="wrong-x-api-key"),
        pytest.param({"Authorization": "Bearer wrong"}, 401, id="wrong-bearer"),
        pytest.param({"Authorization": f"Basic {KEYS[0]}"}, 401, id="basic-scheme"),
        pytest.param({"Authorization": "Bearer "}, 401, id="empty-bearer"),
        pytest.param({"X-API-Key": KEYS[0][:-1]}, 401, id="prefix-of-a-key"),
        pytest.param({"X-API-Key": KEYS[0] + "x"}, 401, id="key-plus-one"),
        pytest.param(
            {"X-API-Key": "# one key per line; comments and blank lines are skipped"},
            401,
            id="comment-line-of-the-file",
        ),
        pytest.param({"X-API-Key": KEYS[0]}, 200, id="x-api-key"),
        pytest.param({"Authorization": f"Bearer {KEYS[1]}"}, 200, id="bearer"),
        pytest.param({"Authorization": f"bearer {KEYS[1]}"}, 200, id="bearer-lowercase"),
        pytest.param({"X-API-Key": FILE_KEY}, 200, id="key-from-file"),
    ],
)
def test_api_security_keys_guard_the_check(keyed: TestClient, headers: dict, status: int) -> None:
    response = keyed.post("/v1/check", json={"text": "The replacement ships today."}, headers=headers)
    if status == 401:
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    else:
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/healthz", 200),
        ("get", "/readyz", 200),
        ("get", "/v1/rules", 401),
        ("post", "/v1/check/batch", 401),
    ],
)
def test_api_security_health_is_open_the_rest_is_not(
    keyed: TestClient, method: str, path: str, status: int
) -> None:
    kwargs = {"json": {"emails": [{"text": "hi"}]}} if method == "post" else {}
    response = getattr(keyed, method)(path, **kwargs)
    assert response.status_code == status
    if status == 401:
        assert_error(response, 401, "unauthorized")


def test_api_security_unauthorized_before_the_body_is_judged(keyed: TestClient) -> None:
    # An invalid body without a key is a 401, so nobody learns anything about validation without a key.
    assert_error(keyed.post("/v1/check/batch", json={"emails": "not a list"}), 401, "unauthorized")


@pytest.mark.parametrize("sent", [KEYS[0], KEYS[1], "wrong", "", "x" * 10_000])
def test_api_security_key_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch, sent: str) -> None:
    # Every known key is compared, with hmac.compare_digest on equal-length digests, whether or not and
    # wherever the sent key matches: the time taken does not depend on the keys.
    calls: list[tuple[int, int]] = []
    real = security.hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", counting)
    checker = KeyChecker(KEYS + ["third-key"])
    try:
        checker.identify(None, sent)
    except Unauthorized:
        pass
    assert calls == [(32, 32)] * 3


def test_api_security_missing_key_file_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TONECHECK_API_KEYS_FILE"):
        create_app(Settings(use_classifier=False, api_keys_file=tmp_path / "absent.txt"))


# --- CORS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (ORIGIN, True),
        (ORIGIN + "/", True),  # classic Outlook on Windows sends the origin with a trailing slash
        ("https://evil.example.com", False),
        ("https://evil.example.com/", False),
        ("https://outlook.office.com.evil.example.com", False),
        ("null", False),
    ],
)
def test_api_security_cors_only_for_configured_origins(keyed: TestClient, origin: str, allowed: bool) -> None:
    simple = keyed.post("/v1/check", json={"text": "hi"}, headers={"Origin": origin, "X-API-Key": KEYS[0]})
    unauthorized = keyed.post("/v1/check", json={"text": "hi"}, headers={"Origin": origin})
    preflight = keyed.options(
        "/v1/check",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-api-key",
        },
    )
    assert simple.status_code == 200 and unauthorized.status_code == 401
    for response in (simple, unauthorized, preflight):
        cors = {k for k in response.headers if k.lower().startswith("access-control-")}
        if allowed:
            assert response.headers["access-control-allow-origin"] == origin  # errors are readable too
        else:
            assert cors == set(), response.headers
    if allowed:
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]
    else:
        assert_error(preflight, 400, "cors_refused")


def test_api_security_no_cors_headers_when_none_configured(rules_engine: Engine) -> None:
    with app_client(rules_engine) as client:
        response = client.post("/v1/check", json={"text": "hi"}, headers={"Origin": ORIGIN})
        preflight = client.options(
            "/v1/check", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
        )
    assert response.status_code == 200
    assert not any(k.lower().startswith("access-control-") for k in response.headers)
    assert_error(preflight, 405, "method_not_allowed")


# --- rate limit ------------------------------------------------------------------------------------


def test_api_security_rate_limit_per_key_with_retry_after(rules_engine: Engine) -> None:
    with app_client(rules_engine, api_keys=KEYS, rate_limit_per_minute=3) as client:
        first = [client.get("/v1/rules", headers={"X-API-Key": KEYS[0]}).status_code for _ in range(3)]
        limited = client.get("/v1/rules", headers={"X-API-Key": KEYS[0]})
        other = client.get("/v1/rules", headers={"Authorization": f"Bearer {KEYS[1]}"})
        health = client.get("/healthz")
    assert first == [200, 200, 200]
    assert_error(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert other.status_code == 200  # the limit is per key
    assert health.status_code == 200  # health checks are never limited


@pytest.mark.parametrize(
    ("hits_at", "limit", "limited_at", "retry_after"),
    [
        ([0, 1, 2], 3, None, None),
        ([0, 1, 2, 3], 3, 3, 57),  # the window opened at 0 s: 57 s left
        ([0, 10, 59.5], 2, 59.5, 1),  # never less than 1 s
        ([0, 10, 60], 2, None, None),  # a new window at 60 s
        ([0] * 50, 0, None, None),  # 0 = no limit
    ],
)
def test_api_security_rate_limiter_window(
    hits_at: list[float], limit: int, limited_at: float | None, retry_after: int | None
) -> None:
    now = [0.0]
    limiter = RateLimiter(limit, clock=lambda: now[0])
    for t in hits_at:
        now[0] = t
        if t == limited_at and hits_at.index(t) == len(hits_at) - 1:
            with pytest.raises(RateLimited) as caught:
                limiter.hit("caller")
            assert caught.value.retry_after == retry_after
        else:
            limiter.hit("caller")


def test_api_security_rate_limit_storage_typo_fails_at_start_without_the_password() -> None:
    with pytest.raises(ConfigError) as caught:
        RateLimiter(5, "rediss-typo://user:s3cret@cache.example:6379/0")
    assert "TONECHECK_RATE_LIMIT_STORAGE" in str(caught.value) and "s3cret" not in str(caught.value)


# --- timeouts ----------------------------------------------------------------------------------------


class _HeldEngine:
    """The real engine, except that a check waits until the test lets it go."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.release, self.finished = engine, threading.Event(), threading.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def check_many(self, *args: object, **kwargs: object) -> object:
        self.release.wait(timeout=60)
        try:
            return self.engine.check_many(*args, **kwargs)
        finally:
            self.finished.set()


def test_api_security_timeout_is_a_503_not_a_hang(rules_engine: Engine) -> None:
    # The check cannot finish before the test releases it, so a 503 here was answered without waiting for it.
    held = _HeldEngine(rules_engine)
    with app_client(held, request_timeout_s=0.05) as client:  # type: ignore[arg-type]
        response = client.post("/v1/check", content=b"word " * 100, headers={"Content-Type": "text/plain"})
        answered_before_the_check_ended = not held.finished.is_set()
        held.release.set()
        assert held.finished.wait(timeout=60)  # the abandoned check still runs to its end in the background
    assert_error(response, 503, "timeout")
    assert answered_before_the_check_ended


# --- logs: never the text -------------------------------------------------------------------------------


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.seen: set[int] = set()
        self.kept: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("httpx", "httpcore")):
            return  # the test's own HTTP client, not the service
        if id(record) in self.seen:
            return  # attached to a logger and its ancestor: count each record once
        self.seen.add(id(record))
        self.kept.append(record)  # alive, so its id is never reused by a later record
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + record.stack_info
        self.lines.append(f"{record.name} {record.levelname} {text}")


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every record of the root, uvicorn and tonecheck loggers at DEBUG, with tracebacks."""
    handler = _Capture()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.disabled))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    try:
        yield handler.lines
    finally:
        for logger, level, disabled in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.disabled = disabled


class _Exploding:
    """An engine whose check fails with the email in the exception message, as a careless bug would."""

    def __init__(self, engine: Engine) -> None:
        self.versions, self.rules, self.cores = engine.versions, engine.rules, engine.cores

    def check_many(self, emails, token_budget=None):
        raise ValueError(f"could not handle {emails[0].text!r}")


def test_api_security_logs_hold_no_email_or_finding_text(rules_engine: Engine, key_file: Path) -> None:
    requests = [
        ("post", "/v1/check", {"json": {"text": SECRET_TEXT}}, 200),
        (
            "post",
            "/v1/check",
            {
                "content": SECRET_TEXT.encode(),
                "headers": {"Content-Type": "text/plain"},
                "params": {"format": "text"},
            },
            200,
        ),
        ("post", "/v1/check", {"json": {"text": f"<p>{SECRET_TEXT}</p>", "content_type": "text/html"}}, 200),
        ("post", "/v1/check/batch", {"json": {"emails": [{"text": SECRET_TEXT}] * 3}}, 200),
        ("post", "/v1/check", {"json": {"text": SECRET_TEXT, "secret_field": SECRET_TEXT}}, 422),
        (
            "post",
            "/v1/check",
            {
                "content": f'{{"text": "{SECRET_TEXT}"'.encode(),
                "headers": {"Content-Type": "application/json"},
            },
            422,
        ),
        ("post", "/v1/check/batch", {"json": {"emails": [{"text": SECRET_TEXT, "x": SECRET_TEXT}]}}, 422),
        (
            "post",
            "/v1/check",
            {"content": SECRET_TEXT.encode(), "headers": {"Content-Type": "application/xml"}},
            415,
        ),
        (
            "post",
            "/v1/check",
            {"content": (SECRET_TEXT * 2_000).encode(), "headers": {"Content-Type": "text/plain"}},
            413,
        ),
        (
            "post",
            "/v1/check",
            {"content": SECRET_TEXT.encode("utf-16"), "headers": {"Content-Type": "text/plain"}},
            422,
        ),
        ("post", f"/v1/{SECRET_TEXT}", {"json": {"text": SECRET_TEXT}}, 404),
        ("post", "/v1/check", {"json": {"text": SECRET_TEXT}, "params": {"format": SECRET_TEXT}}, 422),
        (
            "post",
            "/v1/check",
            {"json": {"text": SECRET_TEXT}, "headers": {"X-Request-ID": f"a\n{SECRET_TEXT}"}},
            200,
        ),
    ]
    with captured_logs() as lines:
        with app_client(rules_engine, max_body_bytes=20_000) as client:
            for method, path, kwargs, status in requests:
                assert getattr(client, method)(path, **kwargs).status_code == status, (path, kwargs)
        with app_client(rules_engine, api_keys=KEYS, api_keys_file=key_file) as client:
            assert (
                client.post(
                    "/v1/check", json={"text": SECRET_TEXT}, headers={"X-API-Key": SECRET_TEXT}
                ).status_code
                == 401
            )
        app = create_app(Settings(use_classifier=False), engine_factory=lambda s: _Exploding(rules_engine))
        # raise_server_exceptions: if the crash escaped the app, uvicorn would print its traceback.
        with TestClient(app, raise_server_exceptions=True) as client:
            crashed = client.post("/v1/check", json={"text": SECRET_TEXT})
    assert_error(crashed, 500, "internal_error")
    log = "\n".join(lines)
    for secret in (SECRET_TEXT, "Zorblax", FINDING_TEXT, "attach the form", KEYS[0], FILE_KEY):
        assert secret not in log
    assert "internal error" in log and "type=ValueError" in log
    request_lines = [ln.split(" ", 2)[2] for ln in lines if ln.startswith("tonecheck.http INFO request ")]
    assert len(request_lines) == len(requests) + 2
    for line in request_lines:
        assert REQUEST_LINE.fullmatch(line), line  # id, route, status, sizes, verdict, timing: nothing else
    assert any("verdict=review" in ln and "route=/v1/check " in ln for ln in request_lines)
    assert any("route=- status=404" in ln for ln in request_lines)  # the typed path is never logged


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123_DEF.4:5", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("id\nforged log line", False),
        ("id with spaces", False),
        ("", False),
    ],
)
def test_api_security_request_id_is_echoed_only_when_safe(
    rules_engine: Engine, sent: str, kept: bool
) -> None:
    with app_client(rules_engine) as client:
        response = client.get("/healthz", headers={"X-Request-ID": sent} if sent else {})
    echoed = response.headers["X-Request-ID"]
    assert (echoed == sent) is kept
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", echoed)


def test_api_security_results_are_never_cached(rules_engine: Engine) -> None:
    with app_client(rules_engine) as client:
        check = client.post("/v1/check", json={"text": SECRET_TEXT})
        error = client.post("/v1/check", json={"nope": 1})
    for response in (check, error):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
