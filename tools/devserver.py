"""A real `tonecheck serve` on loopback, started and stopped for tests, the benchmark and the load test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tonecheck.settings import Settings
from tools import REPO_ROOT

LOOPBACK = "127.0.0.1"
TONECHECK = Path(sys.executable).parent / "tonecheck"


class ServerFailed(RuntimeError):
    """The server exited or did not become ready in time; the message carries its log's tail."""


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _command(port: int, args: tuple[str, ...], env: dict[str, str]) -> list[str]:
    """`env` drops every TONECHECK_* setting the caller's shell may carry (so defaults apply), sets
    `env`, and keeps models offline; the rest of the caller's environment passes through unchanged."""
    unset = [arg for name in Settings.model_fields for arg in ("-u", f"TONECHECK_{name.upper()}")]
    settings = [f"{k}={v}" for k, v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env}.items()]
    return ["env", *unset, *settings, str(TONECHECK), "serve", "--host", LOOPBACK, "--port", str(port), *args]


@dataclass
class LocalServer:
    """A running `tonecheck serve` and where its output goes."""

    proc: subprocess.Popen
    base: str
    log_path: Path
    seen: list[int | str] = field(default_factory=list)

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 180.0, poll: float = 0.05) -> dict:
        """Poll /readyz until 200 and return its JSON; `seen` keeps the answers on the way."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerFailed(f"tonecheck serve exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                response = httpx.get(f"{self.base}/readyz", timeout=5)
                self.seen.append(response.status_code)
                if response.status_code == 200:
                    return response.json()
            except httpx.TransportError:
                self.seen.append("refused")
            time.sleep(poll)
        raise ServerFailed(f"tonecheck serve was not ready within {timeout} s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        """SIGTERM (uvicorn drains in-flight requests), then SIGKILL the whole session if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the session started below: server and workers
                self.proc.wait(timeout=10)


@contextmanager
def local_server(
    log_dir: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[LocalServer]:
    """Start `tonecheck serve` on loopback (a free port unless given) with default settings plus `env`."""
    port = port or free_port()
    log_path = log_dir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(_command(port, args, env or {}), cwd=REPO_ROOT, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    server = LocalServer(proc, f"http://{LOOPBACK}:{port}", log_path)
    try:
        yield server
    finally:
        server.stop()


def child_workers(pid: int) -> list[int]:
    """The worker processes under `pid`, from /proc: children forked from it (same command line) or
    spawned by multiprocessing, not multiprocessing's helpers (resource tracker, fork server)."""
    found = []
    parent = Path(f"/proc/{pid}/cmdline").read_bytes()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and (cmdline == parent or b"spawn_main" in cmdline):
                found.append(int(entry.name))
    return found


def _summed(pid: int, file: str, field: str) -> int:
    """One kB field of /proc/PID/`file`, in bytes, summed over a server and its workers."""
    total = 0
    for p in [pid, *child_workers(pid)]:
        for line in Path(f"/proc/{p}/{file}").read_text().splitlines():
            if line.startswith(f"{field}:"):
                total += int(line.split()[1]) * 1024
    return total


def rss_bytes(pid: int) -> int:
    """Resident memory of a server: the process and its uvicorn workers, each counted whole."""
    return _summed(pid, "status", "VmRSS")


def pss_bytes(pid: int) -> int:
    """Proportional memory of a server and its workers: pages they share are counted once, as the host is charged.

    Forked workers share the loaded models with the supervisor, so summed RSS counts those pages once per
    process and rises as a worker merely reads more of them; PSS does not.
    """
    return _summed(pid, "smaps_rollup", "Pss")
