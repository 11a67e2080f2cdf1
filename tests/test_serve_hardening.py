"""Real `tonecheck serve` processes on loopback: readiness, workers, SIGTERM, timeouts, failed loads, logs.

Each test starts its own server on a free 127.0.0.1 port. Most run rules-only
(TONECHECK_USE_CLASSIFIER=false) to stay fast; the readiness test runs the default settings, with the
trained classifier, once models/tone-head exists.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from model_required import require_model

from tools.devserver import child_workers, local_server

pytestmark = pytest.mark.slow

TONECHECK = Path(sys.executable).parent / "tonecheck"
READY_TIMEOUT_S = 120
RULES_ONLY = {"TONECHECK_USE_CLASSIFIER": "false"}
FLAGGED = "As I said in my last email, you failed to attach the form."
# 20,000 tokens, under the default cap: seconds of parsing, so the request is surely in flight when a
# signal lands or a short timeout passes.
SLOW_TEXT = "word " * 20_000


def serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    """`tonecheck serve` on a free loopback port with default settings plus `env` (service/devserver.py)."""
    return local_server(tmp_path, *args, env=env)


def check(base: str, text: str, timeout: float = 60) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/check", content=text.encode(), headers={"Content-Type": "text/plain"}, timeout=timeout
    )


def test_serve_readyz_is_503_until_the_engine_is_loaded(tmp_path: Path) -> None:
    # Default settings (the classifier too, once trained): the server listens at once and loads in the
    # background, so orchestrators see it alive but not ready.
    require_model()
    with serve(tmp_path) as server:
        early_health, early_check = None, None
        deadline = time.monotonic() + 30
        while early_health is None and time.monotonic() < deadline:
            try:
                early_health = httpx.get(f"{server.base}/healthz", timeout=5)
                early_check = check(server.base, FLAGGED)
            except httpx.TransportError:
                time.sleep(0.02)
        server.wait_ready(timeout=READY_TIMEOUT_S, poll=0.02)
        seen = server.seen
        assert early_health is not None and early_health.status_code == 200
        assert early_check.status_code == 503, early_check.text  # checks wait for the engine, not hang
        assert early_check.json()["error"]["code"] == "not_ready"
        assert 503 in seen and seen[-1] == 200, seen
        not_ready = [s for s in seen if s != "refused"]
        assert not_ready == [503] * (len(not_ready) - 1) + [200]  # never ready, then not ready again
        ready = httpx.get(f"{server.base}/readyz", timeout=5).json()
        assert ready["status"] == "ready" and ready["model"] is not None
        assert check(server.base, FLAGGED).json()["verdict"] == "review"


def test_serve_workers_share_the_port_and_sigterm_drains_in_flight_requests(tmp_path: Path) -> None:
    env = {**RULES_ONLY, "TONECHECK_REQUEST_TIMEOUT_S": "60"}
    with serve(tmp_path, "--workers", "2", env=env) as server:
        server.wait_ready()
        workers = child_workers(server.proc.pid)
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = child_workers(server.proc.pid)
        assert len(workers) == 2, workers
        # Each new connection lands on either worker: 20 ready answers in a row mean both have loaded.
        streak, deadline = 0, time.monotonic() + READY_TIMEOUT_S
        while streak < 20 and time.monotonic() < deadline:
            streak = streak + 1 if httpx.get(f"{server.base}/readyz", timeout=5).status_code == 200 else 0
        assert streak == 20
        with httpx.Client(timeout=30) as client:
            verdicts = [
                client.post(f"{server.base}/v1/check", json={"text": FLAGGED}).json()["verdict"]
                for _ in range(20)
            ]
        assert verdicts == ["review"] * 20

        result: dict[str, object] = {}

        def slow_request() -> None:
            began = time.monotonic()
            try:
                result["response"] = check(server.base, SLOW_TEXT)
            except httpx.HTTPError as exc:
                result["error"] = exc
            result["done_at"] = time.monotonic()
            result["began"] = began

        thread = threading.Thread(target=slow_request)
        thread.start()
        time.sleep(1.0)  # the request is being parsed now
        signalled_at = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        thread.join(timeout=60)
        assert "error" not in result, result.get("error")
        response = result["response"]
        assert response.status_code == 200, response.text
        assert response.json()["verdict"] == "send"
        assert result["done_at"] > signalled_at  # it finished after the signal: it was drained, not refused
        assert server.proc.wait(timeout=40) == 0
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{server.base}/healthz", timeout=2)  # and nothing listens any more
    assert "Received SIGTERM" in server.log() or "Shutting down" in server.log()


def _rollup(pid: int) -> dict[str, int]:
    """A process's memory totals in kB from /proc/PID/smaps_rollup (Rss, Pss_Anon, Anonymous, ...)."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        out[name] = int(value.split()[0])
    return out


def _ready_streak(base: str, count: int = 20, timeout: float = READY_TIMEOUT_S) -> bool:
    """`count` /readyz 200s in a row: each new connection lands on either worker, so both are ready."""
    streak, deadline = 0, time.monotonic() + timeout
    while streak < count and time.monotonic() < deadline:
        try:
            streak = streak + 1 if httpx.get(f"{base}/readyz", timeout=5).status_code == 200 else 0
        except httpx.TransportError:
            streak = 0
            time.sleep(0.05)
    return streak >= count


def test_serve_workers_fork_from_one_load_share_it_and_are_replaced_without_reloading(tmp_path: Path) -> None:
    # Default settings, so the classifier loads: the supervisor loads the engine once and forks the
    # workers, which then share the loaded models with it copy-on-write instead of loading their own.
    require_model()
    with serve(tmp_path, "--workers", "2") as server:
        server.wait_ready()
        deadline = time.monotonic() + 60
        while len(workers := child_workers(server.proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(workers) == 2, workers
        assert _ready_streak(server.base)
        assert server.log().count("engine loaded once for 2 workers") == 1
        for pid in workers:
            memory = _rollup(pid)
            # A spawned worker shares no anonymous memory (its models are its own); a forked one shares the
            # loaded models with the supervisor, so its proportional share is well under what it maps.
            assert memory["Pss_Anon"] < 0.75 * memory["Anonymous"], memory
        assert check(server.base, FLAGGED).json()["verdict"] == "review"

        os.kill(workers[0], signal.SIGKILL)  # uvicorn's supervisor replaces a dead worker: here by a fork
        deadline = time.monotonic() + 60
        while (workers[0] in (now := child_workers(server.proc.pid)) or len(now) < 2) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert workers[0] not in now and len(now) == 2, now
        assert _ready_streak(server.base, timeout=30)
        assert server.log().count("engine loaded once") == 1  # no second load
        assert check(server.base, FLAGGED).json()["verdict"] == "review"


def test_serve_a_check_past_its_timeout_is_a_503(tmp_path: Path) -> None:
    env = {**RULES_ONLY, "TONECHECK_REQUEST_TIMEOUT_S": "0.3"}
    with serve(tmp_path, env=env) as server:
        server.wait_ready()
        response = check(server.base, SLOW_TEXT)
        assert response.status_code == 503, response.text
        assert response.json() == {
            "error": {"code": "timeout", "message": response.json()["error"]["message"]}
        }
        # The abandoned parse keeps the worker's only check thread (and its place in the queue) until it
        # ends, so checks meanwhile get 503s; afterwards the worker answers again.
        deadline = time.monotonic() + 120
        while (after := check(server.base, FLAGGED)).status_code == 503 and time.monotonic() < deadline:
            assert after.json()["error"]["code"] in ("overloaded", "timeout"), after.text
            time.sleep(0.5)
        assert after.status_code == 200 and after.json()["verdict"] == "review", after.text


@pytest.mark.parametrize(
    ("workers", "exit_codes"),
    [
        ("1", {3}),  # uvicorn's "failed to start"
        ("2", {3}),  # the supervisor stops instead of restarting the worker forever, and says why in its code
    ],
)
def test_serve_engine_that_fails_to_load_stops_the_server(
    tmp_path: Path, workers: str, exit_codes: set[int]
) -> None:
    env = {**RULES_ONLY, "TONECHECK_SPACY_MODEL": "no_such_spacy_pipeline"}
    with serve(tmp_path, "--workers", workers, env=env) as server:
        code = server.proc.wait(timeout=READY_TIMEOUT_S)
        log = server.log()
        assert code in exit_codes, log[-2000:]
        assert re.search(r"CRITICAL tonecheck.http the engine failed to load \(\w+Error: ", log)
        assert "Child process" not in log or "stopping the parent process" in log


def test_serve_workers_exit_non_zero_when_the_model_fails_to_load(tmp_path: Path) -> None:
    # An orchestrator (Kubernetes restarts, systemd, CI) must see the failure. With several workers the
    # models load once, before any worker forks, so a failed load stops `serve` with the code one worker
    # gives, and no worker is started to fail the same way again.
    empty_model = tmp_path / "no-model"
    empty_model.mkdir()
    with serve(tmp_path, "--workers", "2", env={"TONECHECK_MODEL_DIR": str(empty_model)}) as server:
        code = server.proc.wait(timeout=READY_TIMEOUT_S)
        log = server.log()
    assert code == 3, log[-2000:]  # uvicorn's "failed to start", the same code as with one worker
    assert log.count("the engine failed to load (ConfigError: no trained model at") == 1, log[-2000:]
    assert "Started parent process" not in log and "Child process" not in log


def test_serve_logs_hold_no_email_or_finding_text(tmp_path: Path) -> None:
    # Everything the process writes (root logger at DEBUG, uvicorn's loggers, tracebacks) goes to one file.
    secret = "Quixotrel renewal: as I said in my last email, you failed to attach the form."
    finding = "you failed to attach the form"
    key = "serve-key-314159"
    key_file = tmp_path / "keys.txt"
    key_file.write_text("file-key-271828\n", encoding="utf-8")
    env = {
        **RULES_ONLY,
        "TONECHECK_API_KEYS": key,
        "TONECHECK_API_KEYS_FILE": str(key_file),
        "TONECHECK_LOG_LEVEL": "debug",
        "TONECHECK_MAX_BODY_BYTES": "20000",
    }
    auth = {"X-API-Key": key}
    with serve(tmp_path, env=env) as server:
        server.wait_ready()
        with httpx.Client(base_url=server.base, timeout=30) as c:
            answers = [
                c.post("/v1/check", json={"text": secret}, headers=auth).status_code,
                c.post(
                    "/v1/check?format=text",
                    content=secret.encode(),
                    headers={**auth, "Content-Type": "text/plain"},
                ).status_code,
                c.post(
                    "/v1/check/batch",
                    json={"emails": [{"text": secret}] * 2},
                    headers={"Authorization": "Bearer file-key-271828"},
                ).status_code,
                c.post("/v1/check", json={"text": secret, "leak": secret}, headers=auth).status_code,
                c.post(
                    "/v1/check", content=secret.encode() * 300, headers={**auth, "Content-Type": "text/plain"}
                ).status_code,
                c.post(
                    "/v1/check", content=secret.encode(), headers={**auth, "Content-Type": "image/png"}
                ).status_code,
                c.post("/v1/check", json={"text": secret}, headers={"X-API-Key": secret}).status_code,
                c.post(f"/v1/{secret}", json={"text": secret}, headers=auth).status_code,
                c.post("/v1/check", params={"note": secret}, json={"text": secret}, headers=auth).status_code,
            ]
            # Bytes that are not HTTP at all.
            with socket.create_connection(
                ("127.0.0.1", int(server.base.rsplit(":", 1)[1])), timeout=5
            ) as raw:
                raw.sendall(f"GARBAGE {secret}\r\n\r\n".encode())
                raw.recv(1000)
        assert answers == [200, 200, 200, 422, 413, 415, 401, 404, 200]
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=30)
    log = server.log()
    for leaked in (secret, "Quixotrel", finding, key, "file-key-271828"):
        assert leaked not in log
    request_lines = re.findall(r"tonecheck\.http (request .*)", log)
    assert len([ln for ln in request_lines if "method=POST" in ln]) == len(answers)  # and the /readyz polls
    for line in request_lines:
        assert re.fullmatch(
            r"request id=\w+ method=(GET|POST) route=(/[\w/]*|-) status=\d{3} in_bytes=\d+ "
            r"out_bytes=\d+ verdict=(send|review|hold|-) ms=\d+\.\d",
            line,
        ), line
    assert (
        "uvicorn.access" not in log and '"POST /v1' not in log
    )  # uvicorn's access line (path, address) is off
