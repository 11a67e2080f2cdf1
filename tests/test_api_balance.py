"""One of several workers closes a kept-alive connection after an answer while another worker is idler."""

from __future__ import annotations

import http.client
import json
import threading

import pytest
from fastapi.testclient import TestClient

from tonecheck.api import metrics
from tonecheck.api.admission import Cost
from tonecheck.api.app import create_app
from tonecheck.api.balance import WorkerLoads
from tonecheck.api.workers import free_slot
from tonecheck.engine import Engine
from tonecheck.settings import Settings
from tools.devserver import free_port, local_server


def _app(rules_engine: Engine, loads: WorkerLoads | None):
    return create_app(Settings(use_classifier=False), engine_factory=lambda s: rules_engine, loads=loads)


@pytest.mark.parametrize(
    ("here", "idlest", "closes"),
    [
        pytest.param(2, 1, True, id="three-connections-here-one-there"),
        pytest.param(1, 0, True, id="two-here-none-there"),
        pytest.param(1, 1, False, id="two-and-two-keep"),
        pytest.param(3, 3, False, id="even-load-keeps-however-many"),
        pytest.param(3, 4, False, id="idler-than-the-others-keeps"),
        pytest.param(0, 0, False, id="idle-keeps"),
        pytest.param(5, None, False, id="no-other-live-worker"),
    ],
)
def test_connection_closes_only_while_another_worker_is_idler(
    rules_engine: Engine, here: int, idlest: int | None, closes: bool
) -> None:
    loads = WorkerLoads(2)
    loads.claim(0)
    if idlest is not None:
        loads.claim(1)
        loads.slot = 0  # claim() in this one process: slot 1 plays the other worker
        loads._counts[1] = idlest
    with TestClient(_app(rules_engine, loads)) as client:
        before = metrics.REBALANCED._value.get()
        client.app.state.admission.running = here  # other checks in this worker, as seen mid-answer
        try:
            response = client.post("/v1/check", json={"text": "Thanks, the refund is on its way."})
        finally:
            client.app.state.admission.running = 0
    assert response.status_code == 200 and response.json()["verdict"] == "send"
    assert (response.headers.get("connection") == "close") is closes
    assert metrics.REBALANCED._value.get() - before == (1 if closes else 0)


def test_one_worker_never_closes(rules_engine: Engine) -> None:
    with TestClient(_app(rules_engine, None)) as client:
        client.app.state.admission.running = 5
        try:
            response = client.post("/v1/check", json={"text": "Thanks, the refund is on its way."})
        finally:
            client.app.state.admission.running = 0
    assert response.status_code == 200 and "connection" not in response.headers


def test_admission_publishes_its_checks_in_flight_and_a_retiring_worker_frees_its_slot(rules_engine: Engine) -> None:
    loads = WorkerLoads(2)
    loads.claim(1)
    app = _app(rules_engine, loads)
    with TestClient(app):
        ticket = app.state.admission.admit(Cost(1, 10))
        assert loads._counts[1] == 1
        ticket.release(0.01)
        assert loads._counts[1] == 0
    assert not loads.held(1)  # the lifespan's end: other workers no longer count it


def test_each_forked_worker_gets_a_slot_of_its_own_and_a_dead_ones_slot_is_reused() -> None:
    class Proc:
        def __init__(self, exitcode: int | None) -> None:
            self.exitcode = exitcode

    loads = WorkerLoads(2)
    holders: dict = {}
    assert free_slot(loads, holders) == 0
    holders[0] = Proc(None)  # started (or about to start): holds its slot
    assert free_slot(loads, holders) == 1
    holders[1] = Proc(None)
    assert free_slot(loads, holders) == 2  # the spare: a replacement starts before the old one retires
    holders[2] = Proc(None)
    assert free_slot(loads, holders) is None
    loads.claim(0)
    holders[0] = Proc(-9)  # killed: its slot and its last count are given to the next worker
    assert free_slot(loads, holders) == 0 and not loads.held(0)


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
