"""One real `tonecheck serve` process over HTTP, with default settings (so the trained classifier loads)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.settings import REPO_ROOT

pytestmark = pytest.mark.slow

TONECHECK = Path(sys.executable).parent / "tonecheck"
READY_TIMEOUT_S = 120
CURL_EXAMPLE = "As I said in my last email, you failed to attach the form."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """Start `tonecheck serve` on a free port, wait for /readyz, and stop it afterwards."""
    if not (REPO_ROOT / "models" / "tone-head" / "manifest.json").exists():
        pytest.fail("models/tone-head is missing: run `make train`")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Default settings: drop any TONECHECK_* the caller's shell may carry; never reach a model hub.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONECHECK_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    log = (tmp_path / "serve.log").open("w+b")
    proc = subprocess.Popen(
        [str(TONECHECK), "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"tonecheck serve exited with {proc.returncode}:\n{log.read().decode()[-3000:]}")
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"tonecheck serve was not ready within {READY_TIMEOUT_S} s")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


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
