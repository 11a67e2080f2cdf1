"""Pathological requests get a correct result or a clear 4xx, never a 500.

In process (ASGI) with the default limits (100 KB body, 100 emails a batch, 2,000 sentences and 25,000
tokens an email) and the rules-only engine (as with TONECHECK_USE_CLASSIFIER=false). How long hostile input
takes is measured by `make bench` (tools/benchmark/hostile.py); the request timeout bounds every request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tonecheck.api.app import create_app
from tonecheck.engine import Engine
from tonecheck.settings import Settings

pytestmark = pytest.mark.slow

CALM = "Thanks for your patience, Dana. The replacement ships today."
FLAGGED = "As I said in my last email, you failed to attach the form."


@pytest.fixture(scope="module")
def clients(rules_engine: Engine) -> Iterator[dict[str, TestClient]]:
    """One app with the default limits, one with the batch cap raised to 1,000."""
    apps = {
        "default": create_app(Settings(use_classifier=False), engine_factory=lambda s: rules_engine),
        "batch1000": create_app(
            Settings(use_classifier=False, max_batch_emails=1_000), engine_factory=lambda s: rules_engine
        ),
    }
    with TestClient(apps["default"]) as default, TestClient(apps["batch1000"]) as batch1000:
        yield {"default": default, "batch1000": batch1000}


def plain(text: str | bytes) -> dict:
    return {
        "content": text.encode() if isinstance(text, str) else text,
        "headers": {"Content-Type": "text/plain"},
    }


def html(text: str) -> dict:
    return {"content": text.encode(), "headers": {"Content-Type": "text/html"}}


def raw_json(body: str | bytes) -> dict:
    return {
        "content": body.encode() if isinstance(body, str) else body,
        "headers": {"Content-Type": "application/json"},
    }


def batch(texts: list[str]) -> dict:
    return {"json": {"emails": [{"text": t} for t in texts]}}


INPUT = "invalid_input"  # every way a body can be wrong, on both routes
# Where a case is sent: (app, path).
CHECK = ("default", "/v1/check")
BATCH = ("default", "/v1/check/batch")
BATCH_1000 = ("batch1000", "/v1/check/batch")
NESTED_HTML = "<div>" * 8_000 + FLAGGED + "</div>" * 8_000
MALFORMED_HTML = "<p><b>Fine <i>text</b></p></span> <<>> &#xZZZ; &amp <br/ <img src=x onerror=y>" * 600
MALFORMED_HTML += "<!-- never closed"
MIXED_SCRIPTS = "😀👩‍💻 \u202eשלום\u202c \u200b\u200d\ufeff e\u0301\u0302 مرحبا " + FLAGGED + "\n"
HUGE_INT = "9" * 50_000
DEEP_JSON = "[" * 40_000 + "]" * 40_000

# (id, where, request, status, error code or verdict)
# fmt: off
CASES = [
    # Size: 100 KB of one word, as one giant token, as words, and over the body and token limits.
    ("one-word-100kb-one-token", CHECK, plain("a" * 99_000), 200, "send"),
    ("one-word-repeated-to-the-token-cap", CHECK, plain("word " * 19_000), 200, "send"),
    ("one-word-100kib-over-body-limit", CHECK, plain("word " * 20_480), 413, "too_large"),
    ("one-word-repeated-over-token-cap", CHECK, plain("no " * 33_000), 413, "too_large"),
    # Lines and sentences.
    ("50000-newlines", CHECK, plain("\n" * 50_000), 200, "send"),
    ("50000-one-word-lines", CHECK, plain("a\n" * 49_000), 413, "too_large"),
    ("10000-sentences-of-bang", CHECK, plain("!\n" * 10_000), 200, "send"),
    ("10000-exclamations", CHECK, plain("No! " * 10_000), 413, "too_large"),
    ("100kb-of-bang", CHECK, plain("!" * 99_000), 413, "too_large"),
    ("400-flagged-lines", CHECK, plain((FLAGGED + "\n") * 400), 200, "review"),
    # HTML: deep, stray, malformed.
    ("deeply-nested-html", CHECK, html(NESTED_HTML), 200, "review"),
    ("nested-inline-html-stray-end-tags", CHECK, html("<b>" * 16_000 + "</i>" * 12_000), 200, "send"),
    ("unclosed-tags-to-the-end", CHECK, html("<a" * 5_000), 200, "send"),
    ("100kb-of-unclosed-tags", CHECK, html("<a" * 49_000), 413, "too_large"),
    ("malformed-html", CHECK, html(MALFORMED_HTML), 200, "send"),
    # Unicode: emoji, RTL, zero-width, combining, NUL, surrogates, invalid UTF-8.
    ("emoji-run", CHECK, plain("😀" * 20_000), 200, "send"),
    ("emoji-rtl-zero-width-combining", CHECK, plain(MIXED_SCRIPTS * 100), 200, "review"),
    ("one-letter-and-45000-combining-marks", CHECK, plain("e" + "\u0301" * 45_000), 200, "send"),
    ("nul-bytes", CHECK, plain(("\x00" + FLAGGED) * 50), 200, "review"),
    ("nul-bytes-in-json", CHECK, {"json": {"text": "\x00" * 1_000 + FLAGGED}}, 200, "review"),
    ("lone-surrogate-in-json", CHECK, raw_json('{"text": "hi \\ud800 there"}'), 422, "invalid_input"),
    ("lone-surrogate-in-batch", BATCH, raw_json('{"emails": [{"text": "\\udfff"}]}'), 422, INPUT),
    ("invalid-utf8-plain", CHECK, plain(b"caf\xe9 \xff\xfe"), 422, "invalid_input"),
    ("invalid-utf8-json", CHECK, raw_json(b'{"text": "caf\xe9"}'), 422, "invalid_input"),
    ("invalid-utf8-batch", BATCH, raw_json(b'{"emails": [{"text": "\xff"}]}'), 422, INPUT),
    # Batches.
    ("batch-of-1000-with-default-cap", BATCH, batch([CALM] * 1_000), 413, "too_large"),
    ("batch-of-1000-with-raised-cap", BATCH_1000, batch([CALM, FLAGGED] * 500), 200, None),
    ("batch-one-over-the-cap", BATCH, batch([CALM] * 101), 413, "too_large"),
    ("batch-over-the-token-budget", BATCH_1000, batch(["no " * 100] * 300), 413, "too_large"),
    # Content types.
    ("xml", CHECK, {"content": b"<a/>", "headers": {"Content-Type": "application/xml"}}, 415,
     "unsupported_media_type"),
    ("form", CHECK, {"data": {"text": FLAGGED}}, 415, "unsupported_media_type"),
    ("multipart", CHECK, {"files": {"f": ("a.txt", b"hi")}}, 415, "unsupported_media_type"),
    ("latin-1-declared", CHECK, {"content": "café".encode("latin-1"),
                                 "headers": {"Content-Type": "text/plain; charset=latin-1"}},
     422, INPUT),
    ("json-without-content-type", CHECK, {"content": json.dumps({"text": FLAGGED})}, 200, "review"),
    ("batch-as-text", BATCH, plain('{"emails": [{"text": "hi"}]}'), 415, "unsupported_media_type"),
    # JSON oddities: huge numbers, deep nesting, extra fields.
    ("huge-number-as-text", CHECK, raw_json('{"text": ' + HUGE_INT + "}"), 422, "invalid_input"),
    ("huge-exponent", CHECK, raw_json('{"text": 1e999999}'), 422, "invalid_input"),
    ("huge-number-in-batch", BATCH, raw_json('{"emails": [{"text": ' + HUGE_INT + "}]}"), 422, INPUT),
    ("huge-float-in-batch", BATCH, raw_json('{"emails": [{"text": -1e999999}]}'), 422, INPUT),
    ("deeply-nested-json", CHECK, raw_json(DEEP_JSON), 422, "invalid_input"),
    ("deeply-nested-json-batch", BATCH, raw_json(DEEP_JSON), 422, INPUT),
    ("extra-field", CHECK, {"json": {"text": FLAGGED, "urgent": True}}, 422, "invalid_input"),
    ("extra-field-in-batch-item", BATCH, {"json": {"emails": [{"text": "x", "cc": "y"}]}}, 422, INPUT),
    ("extra-top-level-field-in-batch", BATCH, {"json": {"emails": [{"text": "x"}], "priority": 1}}, 422,
     INPUT),
]
# fmt: on


@pytest.mark.parametrize(
    ("where", "request_kwargs", "status", "expect"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_api_pathological_input_gets_a_clear_answer(
    clients: dict[str, TestClient],
    where: tuple[str, str],
    request_kwargs: dict,
    status: int,
    expect: str | None,
) -> None:
    app, path = where
    # How long these take is a figure of `make bench` (tools/benchmark/hostile.py), not a bound here: each
    # request is bounded by the service's own timeout, whose 503 test_api_security checks deterministically.
    response = clients[app].post(path, **request_kwargs)
    assert response.status_code == status, response.text[:500]
    body = response.json()
    if status >= 400:
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
        assert body["error"]["code"] == expect and body["error"]["message"]
    elif "results" in body:
        assert len(body["results"]) == len(request_kwargs["json"]["emails"])
        assert [r["verdict"] for r in body["results"][:2]] == ["send", "review"]
    else:
        assert body["verdict"] == expect


@pytest.mark.parametrize(
    ("path", "content_type"), [("/v1/check", "text/plain"), ("/v1/check/batch", "application/json")]
)
def test_api_pathological_streamed_body_over_the_limit_is_413(
    clients: dict[str, TestClient], path: str, content_type: str
) -> None:
    # Chunked, without Content-Length: the limit is enforced while the body streams in (both parsers).
    def chunks() -> Iterator[bytes]:
        for _ in range(101):
            yield b"x" * 1_000

    response = clients["default"].post(path, content=chunks(), headers={"Content-Type": content_type})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
