"""Fixtures for browser tests: a built add-in, a real `tonecheck serve`, and Debian's chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from service.settings import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
TONECHECK = Path(sys.executable).parent / "tonecheck"
MODEL_READY = (REPO_ROOT / "models" / "tone-head" / "manifest.json").exists()
STARTUP_TIMEOUT_S = 240  # a cold classifier load on a small CI machine


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"tonecheck serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"tonecheck serve not ready after {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def pane_origin_port() -> int:
    """The port of a second origin that also hosts the add-in (to exercise CORS)."""
    return free_port()


@pytest.fixture(scope="session")
def tonecheck_server(tmp_path_factory: pytest.TempPathFactory, pane_origin_port: int) -> Iterator[dict]:
    """`tonecheck serve` on a free port, serving the add-in built for that port at /addin/."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    out = tmp_path_factory.mktemp("addin")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to build the add-in: install nodejs (see docs/addins.md)")
    subprocess.run([node, str(REPO_ROOT / "add-ins" / "build.js"), "--url", url, "--out", str(out)],
                   check=True, capture_output=True)
    # Default settings apart from where the add-in lives and which origin may call: drop any
    # TONECHECK_* the caller's shell carries; never reach a model hub.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONECHECK_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TONECHECK_ADDIN_DIR=str(out / "outlook"),
               TONECHECK_CORS_ORIGINS=f"http://127.0.0.1:{pane_origin_port}")
    if not MODEL_READY:
        # Only while models/tone-head is being trained: with it present the service runs as shipped.
        env["TONECHECK_USE_CLASSIFIER"] = "false"
    log = Path(tempfile.mkstemp(prefix="tonecheck-serve-", suffix=".log")[1])
    with log.open("w") as sink:
        proc = subprocess.Popen([str(TONECHECK), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=REPO_ROOT, env=env, stdout=sink, stderr=sink)
    try:
        _wait_ready(url, proc, log)
        yield {"url": url, "addin": out / "outlook", "classifier": MODEL_READY}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def other_origin(tonecheck_server: dict, pane_origin_port: int) -> Iterator[str]:
    """The same built add-in served from a different origin, as a separate web host would."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(tonecheck_server["addin"]))
    handler.log_message = lambda *a: None  # keep test output quiet
    server = ThreadingHTTPServer(("127.0.0.1", pane_origin_port), handler)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{pane_origin_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless chromium via Playwright; Playwright never downloads a browser here."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: `apt-get install -y chromium` (CI installs it)")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            # The machine's network is closed: keep chromium from trying to phone home at start.
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            yield chromium
        finally:
            chromium.close()
