"""The HTTP API's shapes and errors, on the rules-only engine (the classifier is tested end to end)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tonecheck.api.app import create_app
from tonecheck.engine import Engine
from tonecheck.settings import Settings

EXAMPLE = "As I said in my last email, you failed to attach the form."
MAX_BODY = 4_000
MAX_BATCH = 3


@pytest.fixture(scope="module")
def client(rules_engine: Engine) -> Iterator[TestClient]:
    """One app for the module, its lifespan run once, sharing the session's engine."""
    settings = Settings(use_classifier=False, max_body_bytes=MAX_BODY, max_batch_emails=MAX_BATCH)
    with TestClient(create_app(settings, engine_factory=lambda s: rules_engine)) as c:
        yield c


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Every error has the one shape: `{"error": {"code", "message"}}`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def assert_example(body: dict, text: str = EXAMPLE) -> None:
    assert body["verdict"] == "review"
    assert [(f["category"], f["text"]) for f in body["findings"]] == [
        ("told_you_so", "As I said in my last email"),
        ("blame", "you failed to attach the form"),
    ]
    for f in body["findings"]:
        assert text[f["start"] : f["end"]] == f["text"]


# --- the check endpoint: inputs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs"),
    [
        pytest.param({"content": EXAMPLE, "headers": {"Content-Type": "text/plain"}}, id="plain-text-body"),
        pytest.param(
            {"content": EXAMPLE, "headers": {"Content-Type": "text/plain; charset=utf-8"}},
            id="plain-text-with-charset",
        ),
        pytest.param({"json": {"text": EXAMPLE}}, id="json-body"),
        pytest.param(
            {"json": {"text": EXAMPLE, "content_type": "text/plain", "offset_unit": "codepoint"}},
            id="json-all-fields",
        ),
    ],
)
def test_api_check_plain_example(client: TestClient, kwargs: dict) -> None:
    response = client.post("/v1/check", **kwargs)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_example(body)
    assert body["text"] is None  # plain text: offsets point into what was sent
    assert body["offset_unit"] == "codepoint"
    assert body["hold"] is None and body["ignored"] == [] and body["sentences"] == 1


def test_api_check_response_shape(client: TestClient) -> None:
    body = client.post("/v1/check", json={"text": EXAMPLE}).json()
    assert set(body) == {
        "verdict",
        "findings",
        "hold",
        "ignored",
        "scores",
        "offset_unit",
        "text",
        "sentences",
        "versions",
    }
    assert set(body["scores"]) == {"told_you_so", "blame", "defensive", "heated"}
    assert all(0 <= s <= 1 for s in body["scores"].values())
    assert body["versions"]["service"] and body["versions"]["rules"]
    finding = body["findings"][0]
    assert set(finding) == {
        "category",
        "rule_id",
        "source",
        "severity",
        "score",
        "start",
        "end",
        "text",
        "message",
        "suggestions",
        "explanation",
    }
    assert finding["source"] == "rule" and finding["suggestions"] and finding["explanation"]
    assert finding["rule_id"].startswith("told_you_so.")


@pytest.mark.parametrize(
    ("kwargs"),
    [
        pytest.param(
            {"json": {"text": "<p>Hi Dana,</p><p>" + EXAMPLE + "</p>", "content_type": "text/html"}},
            id="json-html",
        ),
        pytest.param(
            {"content": "<p>Hi Dana,</p><p>" + EXAMPLE + "</p>", "headers": {"Content-Type": "text/html"}},
            id="raw-html",
        ),
    ],
)
def test_api_check_html_returns_rendered_text(client: TestClient, kwargs: dict) -> None:
    body = client.post("/v1/check", **kwargs).json()
    assert body["text"] == f"Hi Dana,\n{EXAMPLE}\n"
    assert_example(body, body["text"])


def test_api_check_html_quote_is_ignored(client: TestClient) -> None:
    html = (
        '<div>The replacement ships today.</div><div class="gmail_quote">On Tue Dana wrote:'
        "<blockquote>You are USELESS!!! WHATEVER.</blockquote></div>"
    )
    body = client.post("/v1/check", json={"text": html, "content_type": "text/html"}).json()
    assert body["verdict"] == "send"
    assert [(r["kind"], body["text"][r["start"] : r["end"]]) for r in body["ignored"]] == [
        ("quote", "On Tue Dana wrote:\nYou are USELESS!!! WHATEVER.\n")
    ]


@pytest.mark.parametrize(
    ("kwargs"),
    [
        pytest.param({"json": {"text": "😀👍 " + EXAMPLE, "offset_unit": "utf16"}}, id="json-field"),
        pytest.param(
            {
                "params": {"offset_unit": "utf16"},
                "content": "😀👍 " + EXAMPLE,
                "headers": {"Content-Type": "text/plain"},
            },
            id="query-param",
        ),
        pytest.param(
            {
                "params": {"offset_unit": "utf16"},
                "json": {"text": "😀👍 " + EXAMPLE, "offset_unit": "codepoint"},
            },
            id="query-param-wins",
        ),
    ],
)
def test_api_check_utf16_offsets(client: TestClient, kwargs: dict) -> None:
    body = client.post("/v1/check", **kwargs).json()
    assert body["offset_unit"] == "utf16"
    units = ("😀👍 " + EXAMPLE).encode("utf-16-le")
    assert [f["start"] for f in body["findings"]] == [5, 33]  # two emoji = four units, then a space
    for f in body["findings"]:
        assert units[2 * f["start"] : 2 * f["end"]].decode("utf-16-le") == f["text"]


def test_api_check_ignored_ranges_listed(client: TestClient) -> None:
    text = "Hi {{ name }}, the replacement ships today.\n\nOn Tue Dana wrote:\n> USELESS!!!\n"
    body = client.post("/v1/check", json={"text": text}).json()
    assert body["verdict"] == "send"
    assert [(r["kind"], text[r["start"] : r["end"]]) for r in body["ignored"]] == [
        ("placeholder", "{{ name }}"),
        ("quote", "On Tue Dana wrote:\n> USELESS!!!\n"),
    ]


def test_api_check_heated_draft_holds(client: TestClient) -> None:
    before = datetime.now().astimezone()
    body = client.post("/v1/check", json={"text": "Don't bother writing back. WHATEVER!!!"}).json()
    assert body["verdict"] == "hold"
    hold = body["hold"]
    assert hold["recommended"] is True and hold["minutes"] == 30 and hold["reason"]
    until = datetime.fromisoformat(hold["until"].replace("Z", "+00:00"))
    assert until.utcoffset() == timedelta(0)
    assert timedelta(minutes=29) < until - before < timedelta(minutes=31)


# --- plain-text reports -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        pytest.param({"format": "text"}, {"Content-Type": "text/plain"}, id="query-format"),
        pytest.param({}, {"Content-Type": "text/plain", "Accept": "text/plain"}, id="accept-header"),
    ],
)
def test_api_check_text_report(client: TestClient, params: dict, headers: dict) -> None:
    response = client.post("/v1/check", params=params, content=EXAMPLE, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert lines[0].startswith("<draft>:1:1: told_you_so ")
    assert lines[1].startswith("<draft>:1:29: blame ")
    assert lines[-1] == "verdict: review"


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        pytest.param({"format": "json"}, {"Accept": "text/plain"}, id="format-json-beats-accept"),
        pytest.param({}, {"Accept": "text/plain, application/json"}, id="accept-both"),
        pytest.param({}, {}, id="default"),
    ],
)
def test_api_check_json_unless_text_asked(client: TestClient, params: dict, headers: dict) -> None:
    response = client.post("/v1/check", params=params, json={"text": EXAMPLE}, headers=headers)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["verdict"] == "review"


# --- batch, rules, health, docs ---------------------------------------------------------------------


def test_api_batch_keeps_order_and_units(client: TestClient) -> None:
    emails = [
        {"text": "The replacement ships today."},
        {"text": "😀 " + EXAMPLE, "offset_unit": "utf16"},
        {"text": "<p>Don't bother writing back!!!</p>", "content_type": "text/html"},
    ]
    response = client.post("/v1/check/batch", json={"emails": emails})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["verdict"] for r in results] == ["send", "review", "hold"]
    assert [r["offset_unit"] for r in results] == ["codepoint", "utf16", "codepoint"]
    assert [f["start"] for f in results[1]["findings"]] == [3, 31]
    assert results[2]["text"] == "Don't bother writing back!!!\n"


def test_api_rules_lists_every_rule(client: TestClient, rules_engine: Engine) -> None:
    response = client.get("/v1/rules")
    assert response.status_code == 200
    rules = response.json()
    assert {r["id"] for r in rules} == set(rules_engine.rules.rules)
    for r in rules:
        assert r["id"].startswith(r["category"] + ".")
        assert r["examples_flag"] and r["examples_pass"] and r["message"]
        assert r["action"] in {"flag", "clear"}
        assert bool(r["suggestions"]) == (r["action"] == "flag")  # a clear rule reports nothing to reword
    assert {r["action"] for r in rules} == {"flag", "clear"}


def test_api_health_and_ready(client: TestClient, rules_engine: Engine) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "model": None, "rules": rules_engine.versions.rules}


def test_api_not_ready_before_the_engine_loads() -> None:
    app = create_app(Settings(use_classifier=False), engine_factory=lambda s: pytest.fail("not called"))
    bare = TestClient(app)  # not entered as a context manager: the lifespan never runs
    assert bare.get("/healthz").status_code == 200
    assert_error(bare.get("/readyz"), 503, "not_ready")
    assert_error(bare.post("/v1/check", json={"text": "hi"}), 503, "not_ready")


def test_api_openapi_documents_the_api(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    for path in ("/v1/check", "/v1/check/batch", "/v1/rules", "/healthz", "/readyz"):
        assert path in paths
    check = paths["/v1/check"]["post"]
    assert set(check["requestBody"]["content"]) == {"application/json", "text/plain", "text/html"}
    assert {"413", "415", "422"} <= set(check["responses"])
    schemas = doc["components"]["schemas"]
    assert {"CheckRequest", "CheckResponse", "FindingOut", "ErrorResponse"} <= set(schemas)
    assert client.get("/docs").status_code == 200


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        pytest.param(
            {"content": "x" * (MAX_BODY + 1), "headers": {"Content-Type": "text/plain"}},
            413,
            "too_large",
            id="body-over-limit",
        ),
        pytest.param({"json": {"text": "y" * MAX_BODY}}, 413, "too_large", id="json-over-limit"),
        pytest.param(
            {"content": "<xml/>", "headers": {"Content-Type": "application/xml"}},
            415,
            "unsupported_media_type",
            id="xml",
        ),
        pytest.param(
            {"content": b"x", "headers": {"Content-Type": "application/octet-stream"}},
            415,
            "unsupported_media_type",
            id="octet-stream",
        ),
        pytest.param(
            {"content": "{not json", "headers": {"Content-Type": "application/json"}},
            422,
            "invalid_input",
            id="invalid-json",
        ),
        pytest.param({"json": {"txt": "hi"}}, 422, "invalid_input", id="missing-text"),
        pytest.param({"json": {"text": "hi", "colour": "red"}}, 422, "invalid_input", id="unknown-field"),
        pytest.param(
            {"json": {"text": "hi", "offset_unit": "bytes"}}, 422, "invalid_input", id="bad-offset-unit"
        ),
        pytest.param(
            {"json": {"text": "hi", "content_type": "text/markdown"}},
            422,
            "invalid_input",
            id="bad-content-type-field",
        ),
        pytest.param({"json": {"text": 5}}, 422, "invalid_input", id="text-not-a-string"),
        pytest.param(
            {"content": b"caf\xe9", "headers": {"Content-Type": "text/plain"}},
            422,
            "invalid_input",
            id="not-utf8",
        ),
        pytest.param(
            {"json": {"text": "hi"}, "params": {"format": "xml"}}, 422, "invalid_request", id="bad-format"
        ),
        pytest.param(
            {"json": {"text": "hi"}, "params": {"offset_unit": "bytes"}},
            422,
            "invalid_request",
            id="bad-offset-unit-query",
        ),
    ],
)
def test_api_check_errors(client: TestClient, kwargs: dict, status: int, code: str) -> None:
    assert_error(client.post("/v1/check", **kwargs), status, code)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param({"emails": []}, 422, "invalid_input", id="empty-batch"),
        pytest.param({"emails": [{"text": "hi"}] * (MAX_BATCH + 1)}, 413, "too_large", id="too-many-emails"),
        pytest.param({"email": [{"text": "hi"}]}, 422, "invalid_input", id="misspelt-field"),
        pytest.param(
            {"emails": [{"text": "hi", "offset_unit": "bytes"}]}, 422, "invalid_input", id="bad-item"
        ),
    ],
)
def test_api_batch_errors(client: TestClient, body: dict, status: int, code: str) -> None:
    assert_error(client.post("/v1/check/batch", json=body), status, code)


@pytest.mark.parametrize("body", [b'{"text": ', b"[1, 2", b'{"emails": [}', b"\xff\xfe", b"null"])
def test_api_invalid_json_gets_the_same_error_on_both_routes(client: TestClient, body: bytes) -> None:
    headers = {"Content-Type": "application/json"}
    one = client.post("/v1/check", content=body, headers=headers)
    many = client.post("/v1/check/batch", content=body, headers=headers)
    assert (one.status_code, one.json()["error"]["code"]) == (many.status_code, many.json()["error"]["code"])
    assert one.status_code == 422 and one.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/v1/nowhere", 404, "not_found"),
        ("get", "/v1/check", 405, "method_not_allowed"),
        ("delete", "/v1/rules", 405, "method_not_allowed"),
    ],
)
def test_api_http_errors_have_the_error_shape(
    client: TestClient, method: str, path: str, status: int, code: str
) -> None:
    assert_error(getattr(client, method)(path), status, code)
