"""One real `tonecheck serve` process over HTTP, with default settings (so the trained classifier loads)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from model_required import require_model

from tools import REPO_ROOT
from tools.devserver import local_server

pytestmark = pytest.mark.slow

TONECHECK = Path(sys.executable).parent / "tonecheck"
READY_TIMEOUT_S = 120
CURL_EXAMPLE = "As I said in my last email, you failed to attach the form."


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """Start `tonecheck serve` with default settings on a free port, wait for /readyz, stop it afterwards."""
    require_model()
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


REAL_MAIL = REPO_ROOT / "tests" / "fixtures" / "real_mail"


@pytest.mark.parametrize("name", ["wrapped_calm.txt", "signoff_initials.txt", "warm_exclamations.txt",
                                  "gmail_html_untyped.html"])
def test_serve_leaves_calm_real_mail_alone(server: str, name: str) -> None:
    """Hard-wrapped text, sign-off initials, warm exclamations and untyped HTML with a furious quote: `send`."""
    text = (REAL_MAIL / name).read_text(encoding="utf-8")
    as_json = httpx.post(f"{server}/v1/check", json={"text": text}, timeout=30)
    as_text = httpx.post(f"{server}/v1/check", content=text.encode(), headers={"Content-Type": "text/plain"},
                         timeout=30)
    for response in (as_json, as_text):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["verdict"] == "send", body["findings"]
        assert body["findings"] == []


def test_serve_sniffs_html_so_spans_hold_no_tags(server: str) -> None:
    html = ("<div>Thanks for the update.</div><div>As I said in my last email, the form goes to billing.</div>"
            '<div class="gmail_quote"><blockquote>You people are useless!!!</blockquote></div>')
    body = httpx.post(f"{server}/v1/check", json={"text": html}, timeout=30).json()
    assert body["text"] is not None  # rendered as HTML: offsets point into the rendering
    assert body["verdict"] == "review"
    assert all("<" not in f["text"] for f in body["findings"])


def test_serve_sensitivity_changes_what_is_flagged(server: str) -> None:
    drafts = [line for line in (REPO_ROOT / "tests" / "fixtures" / "borderline.txt").read_text().splitlines() if line]
    counts = {}
    for level in ("strict", "default", "relaxed"):
        emails = [{"text": d, "sensitivity": level} for d in drafts]
        response = httpx.post(f"{server}/v1/check/batch", json={"emails": emails}, timeout=60)
        assert response.status_code == 200, response.text
        counts[level] = sum(len(r["findings"]) for r in response.json()["results"])
    assert counts["strict"] >= counts["default"] >= counts["relaxed"]
    assert counts["strict"] > counts["relaxed"]
    bad = httpx.post(f"{server}/v1/check?sensitivity=loud", content=b"Hello", headers={"Content-Type": "text/plain"},
                     timeout=30)
    assert bad.status_code in (400, 422)
    assert "not one of strict, default, relaxed" in bad.text


def test_serve_runs_on_uvloop_and_httptools(tmp_path: Path) -> None:
    """uvicorn picks the fast loop and parser itself once they are installed (they are dependencies)."""
    with local_server(tmp_path, env={"TONECHECK_USE_CLASSIFIER": "false"}) as running:
        running.wait_ready(timeout=READY_TIMEOUT_S)
        assert httpx.get(f"{running.base}/healthz", timeout=10).status_code == 200
        maps = Path(f"/proc/{running.proc.pid}/maps").read_text(encoding="utf-8")
    assert "uvloop" in maps and "httptools" in maps
