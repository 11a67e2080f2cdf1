"""Schemathesis fuzzing of the HTTP API against its own OpenAPI schema, in process over ASGI.

The app runs the rules-only engine (as with TONECHECK_USE_CLASSIFIER=false): the real spaCy pipeline and
rules, without the transformer, so 5,000+ requests stay fast. The classifier only scores sentences that
were already accepted; which requests are accepted or refused is decided before it runs.
Every operation is fuzzed with valid (positive) and invalid (negative) data; every answer must be below
500, conform to the documented status codes, content types and schemas, and every 4xx must carry the
error shape `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tonecheck.api.app import create_app
from tonecheck.engine import Engine
from tonecheck.settings import Settings

pytestmark = pytest.mark.slow

MIN_REQUESTS = 5_000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# (operation, generation mode, examples): operations with a body get the most. GET /v1/rules has only
# optional string headers, which have no invalid form that HTTP can carry, so it is fuzzed with valid
# data only; hypothesis stops early on an operation with nothing to vary (GET /healthz).
PLAN = [
    ("POST /v1/check", GenerationMode.POSITIVE, 1_600),
    ("POST /v1/check", GenerationMode.NEGATIVE, 1_600),
    ("POST /v1/check/batch", GenerationMode.POSITIVE, 900),
    ("POST /v1/check/batch", GenerationMode.NEGATIVE, 900),
    ("GET /v1/rules", GenerationMode.POSITIVE, 150),
    ("GET /healthz", GenerationMode.POSITIVE, 50),
    ("GET /readyz", GenerationMode.POSITIVE, 50),
]


@pytest.fixture(scope="module")
def api_schema(rules_engine: Engine) -> schemathesis.BaseSchema:
    """The app's own OpenAPI schema, loaded from the app over ASGI; requests go to the same app."""
    app = create_app(Settings(use_classifier=False), engine_factory=lambda s: rules_engine)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def assert_error_shape(response) -> None:
    """A 4xx is JSON with exactly `{"error": {"code": str, "message": str}}`."""
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, examples: int,
         statuses: Counter[int]) -> int:
    """Send up to `examples` generated requests to one operation; the number sent."""
    sent = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        nonlocal sent
        response = case.call()
        sent += 1
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)
        if 400 <= response.status_code < 500:
            assert_error_shape(response)

    run()
    return sent


def test_api_fuzz_every_operation(api_schema: schemathesis.BaseSchema) -> None:
    operations = {result.ok().label: result.ok() for result in api_schema.get_all_operations()}
    assert {label for label, _, _ in PLAN} == set(operations), "every documented operation is fuzzed"
    sent: Counter[tuple[str, str]] = Counter()
    statuses: Counter[int] = Counter()
    for label, mode, examples in PLAN:
        sent[label, mode.value] += fuzz(operations[label], mode, examples, statuses)
    total = sum(sent.values())
    print(f"\nfuzz: {total} requests; by operation {dict(sent)}; by status {dict(sorted(statuses.items()))}")
    assert total >= MIN_REQUESTS, dict(sent)
    assert not any(s >= 500 for s in statuses)
