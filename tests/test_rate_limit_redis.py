"""One rate limit across `--workers` processes, counted in a real Redis; and the service outlives Redis."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tools.devserver import LocalServer, free_port, local_server

pytestmark = pytest.mark.slow

LIMIT = 5
REDIS = shutil.which("redis-server")


class Redis:
    """A throwaway redis-server on a loopback port: no persistence, its own folder."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port, self.proc = folder, port, None

    def start(self) -> None:
        """Start it and wait until it answers PING."""
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Stop it (as an outage would) and wait for the process to end."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Redis]:
    if REDIS is None:
        message = "redis-server is missing: `apt-get install -y redis-server` (`make test` installs it as root)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    server = Redis(tmp_path, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _all_workers_ready(server: LocalServer) -> None:
    """Both workers have loaded: twenty /readyz answers in a row are 200."""
    streak, deadline = 0, time.monotonic() + 180
    while streak < 20 and time.monotonic() < deadline:
        ok = httpx.get(f"{server.base}/readyz", timeout=5, headers={"Connection": "close"}).status_code == 200
        streak = streak + 1 if ok else 0
        time.sleep(0.02 if ok else 0.2)
    assert streak >= 20, server.log()[-2000:]


def _away_from_a_minute_boundary() -> None:
    """Windows are wall-clock minutes: start a burst well inside one, so it is counted in one window."""
    if time.time() % 60 > 45:
        time.sleep(61 - time.time() % 60)


def _burst(base: str, n: int) -> list[httpx.Response]:
    # A new connection per request, so the kernel hands them to either worker.
    return [httpx.get(f"{base}/v1/rules", headers={"Connection": "close"}, timeout=10) for _ in range(n)]


def test_rate_limit_redis_one_limit_for_two_workers_and_fail_open(tmp_path: Path, redis_server: Redis) -> None:
    env = {"TONECHECK_USE_CLASSIFIER": "false", "TONECHECK_RATE_LIMIT_PER_MINUTE": str(LIMIT),
           "TONECHECK_RATE_LIMIT_STORAGE": f"redis://127.0.0.1:{redis_server.port}/0"}  # fmt: skip
    with local_server(tmp_path, "--workers", "2", env=env) as server:
        server.wait_ready()
        _all_workers_ready(server)
        _away_from_a_minute_boundary()
        answers = _burst(server.base, 30)
        codes = [a.status_code for a in answers]
        assert codes.count(200) == LIMIT and codes.count(429) == 30 - LIMIT, codes
        limited = next(a for a in answers if a.status_code == 429)
        expected = 60 - time.time() % 60
        assert abs(int(limited.headers["Retry-After"]) - expected) <= 3
        assert limited.json()["error"]["code"] == "rate_limited"

        redis_server.stop()  # an outage mid-run: the service stays up and stops limiting (fails open)
        assert [a.status_code for a in _burst(server.base, 10)] == [200] * 10
        assert httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200
        assert "rate limit storage redis://127.0.0.1" in server.log() and "unreachable" in server.log()

        redis_server.start()  # back (empty): the shared limit applies again
        _away_from_a_minute_boundary()
        codes = [a.status_code for a in _burst(server.base, 12)]
        assert codes.count(200) == LIMIT and codes.count(429) == 12 - LIMIT, codes
