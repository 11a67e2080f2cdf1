"""One of several workers closes a kept-alive connection after an answer while it has a backlog."""

from __future__ import annotations

import http.client
import json
import threading

import pytest
from fastapi.testclient import TestClient

from tonecheck.api import metrics
from tonecheck.api.app import create_app
from tonecheck.api.balance import BACKLOG
from tonecheck.engine import Engine
from tonecheck.settings import Settings
from tools.devserver import free_port, local_server


def _app(rules_engine: Engine, rebalance: bool):
    return create_app(Settings(use_classifier=False), engine_factory=lambda s: rules_engine, rebalance=rebalance)


@pytest.mark.parametrize(
    ("rebalance", "others_in_flight", "closes"),
    [
        pytest.param(True, BACKLOG, True, id="behind-closes"),
        pytest.param(True, BACKLOG + 3, True, id="far-behind-closes"),
        pytest.param(True, BACKLOG - 1, False, id="its-share-keeps"),
        pytest.param(True, 0, False, id="idle-keeps"),
        pytest.param(False, BACKLOG + 3, False, id="one-worker-never-closes"),
    ],
)
def test_connection_closes_only_while_the_worker_is_behind(
    rules_engine: Engine, rebalance: bool, others_in_flight: int, closes: bool
) -> None:
    with TestClient(_app(rules_engine, rebalance)) as client:
        before = metrics.REBALANCED._value.get()
        client.app.state.admission.running = others_in_flight  # checks of other connections, as seen mid-answer
        try:
            response = client.post("/v1/check", json={"text": "Thanks, the refund is on its way."})
        finally:
            client.app.state.admission.running = 0
    assert response.status_code == 200 and response.json()["verdict"] == "send"
    assert (response.headers.get("connection") == "close") is closes
    assert metrics.REBALANCED._value.get() - before == (1 if closes else 0)


def test_serve_two_workers_answer_every_keep_alive_client(tmp_path) -> None:
    """Four kept-alive clients on two real workers: every check answers, whether or not a connection closed."""
    env = {"TONECHECK_USE_CLASSIFIER": "false"}
    port = free_port()
    with local_server(tmp_path, "--workers", "2", env=env, port=port) as server:
        server.wait_ready()
        results: list[tuple[int, bytes]] = []
        lock = threading.Lock()

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                for _ in range(25):
                    conn.request("POST", "/v1/check", body=b'{"text": "As I said, you failed to attach it."}',
                                 headers={"Content-Type": "application/json"})
                    response = conn.getresponse()
                    with lock:
                        results.append((response.status, response.read()))
            finally:
                conn.close()

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert len(results) == 100
    assert all(status == 200 and json.loads(body)["verdict"] == "review" for status, body in results)
