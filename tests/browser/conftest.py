"""Fixtures for browser tests: a built add-in, a real `tonecheck serve`, and Debian's chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest
from model_required import require_model

from tools import REPO_ROOT
from tools.devserver import free_port, local_server

CHROMIUM = Path("/usr/bin/chromium")
STARTUP_TIMEOUT_S = 240  # a cold classifier load on a small CI machine


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
    # Default settings apart from where the add-in lives and which origin may call.
    env = {"TONECHECK_ADDIN_DIR": str(out / "outlook"),
           "TONECHECK_CORS_ORIGINS": f"http://127.0.0.1:{pane_origin_port}"}
    require_model()
    with local_server(out, env=env, port=port) as running:
        running.wait_ready(timeout=STARTUP_TIMEOUT_S)
        yield {"url": running.base, "addin": out / "outlook", "classifier": True}


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
        # In CI a missing browser is a failure: a green run must have run the browser tests.
        message = "/usr/bin/chromium is missing: `apt-get install -y chromium` (`make test` installs it as root)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
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
