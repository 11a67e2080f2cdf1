"""One real `tonecheck serve` process over HTTP, with default settings (so the trained classifier loads)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.devserver import local_server
from service.settings import REPO_ROOT

pytestmark = pytest.mark.slow

TONECHECK = Path(sys.executable).parent / "tonecheck"
READY_TIMEOUT_S = 120
CURL_EXAMPLE = "As I said in my last email, you failed to attach the form."


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """Start `tonecheck serve` with default settings on a free port, wait for /readyz, stop it afterwards."""
    if not (REPO_ROOT / "models" / "tone-head" / "manifest.json").exists():
        pytest.fail("models/tone-head is missing: run `make train`")
    with local_server(tmp_path) as running:
        running.wait_ready(timeout=READY_TIMEOUT_S)
        yield running.base


def test_serve_curl_example_over_http(server: str) -> None:
    response = httpx.post(
        f"{server}/v1/check",
        content=CURL_EXAMPLE.encode(),
        headers={"Content-Type": "text/plain"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verdict"] == "review"
    spans = {(f["category"], CURL_EXAMPLE[f["start"] : f["end"]]) for f in body["findings"]}
    assert ("told_you_so", "As I said in my last email") in spans
    assert ("blame", "you failed to attach the form") in spans
    assert body["versions"]["model"]  # the real classifier is loaded
