"""Out-of-process figures: a real `tonecheck serve` on loopback (cold start, HTTP latency, peak RSS) and
`tonecheck check` over a folder of templates (batch throughput). Standard library only: `make bench`
installs the runtime packages, not the test tools."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

TONECHECK = Path(sys.executable).parent / "tonecheck"
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


REBALANCED = "tonecheck_rebalanced_total"
MERGED = "tonecheck_merged_checks_total"


def _command(args: Sequence[str], env: dict[str, str]) -> list[str]:
    # `env VAR=value cmd` adds settings and passes the caller's environment through unchanged.
    prefix = ["env", *(f"{k}={v}" for k, v in env.items())] if env else []
    return [*prefix, str(TONECHECK), *args]


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":", 1)[0]
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(line.split()[1]) * 1024
    return out


def worker_pids(pid: int) -> list[int]:
    """The server process and its uvicorn worker processes (children), by /proc."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                pids.append(int(entry.name))
    return pids


@dataclass
class Server:
    """A `tonecheck serve` started for the benchmark; `stop()` always ends it."""

    proc: subprocess.Popen
    port: int
    cold_start_s: float
    log: Path

    def memory(self) -> dict[str, int]:
        """Peak and current RSS of the busiest process (with --workers N, uvicorn's workers are children)."""
        stats = []
        for pid in worker_pids(self.proc.pid):
            try:
                stats.append(_status(pid))
            except OSError:
                continue
        return max(stats, key=lambda s: s.get("VmHWM", 0))

    def stop(self) -> None:
        """Terminate the server, killing it if it does not stop within 20 s."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _ready(port: int) -> bool:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def counters(port: int, names: Sequence[str]) -> dict[str, float | None]:
    """Counters from the server's /metrics (summed over its workers), each None if absent or unreadable."""
    out: dict[str, float | None] = dict.fromkeys(names)
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode("utf-8", "replace")
    except OSError:
        return out
    finally:
        conn.close()
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in out:
            out[name] = float(value.split()[0])
    return out


def start_server(workers: int, env: dict[str, str], log: Path, timeout: float = 120.0) -> Server:
    """Start `tonecheck serve` on a free loopback port; cold start = process start to /readyz 200."""
    port = free_port()
    with log.open("wb") as fh:
        began = time.perf_counter()
        proc = subprocess.Popen(_command(["serve", "--host", LOOPBACK, "--port", str(port), "--workers",
                                          str(workers)], env), stdout=fh, stderr=subprocess.STDOUT)
    server = Server(proc, port, 0.0, log)
    try:
        while not _ready(port):
            if proc.poll() is not None:
                raise RuntimeError(f"tonecheck serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
            if time.perf_counter() - began > timeout:
                raise RuntimeError(f"tonecheck serve was not ready within {timeout} s")
            time.sleep(0.01)  # polling granularity bounds the error of the cold-start figure
    except BaseException:
        server.stop()
        raise
    server.cold_start_s = time.perf_counter() - began
    return server


@dataclass
class HttpRun:
    """Latencies (ms) and errors of one closed-loop run at a given concurrency."""

    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0


def _client(port: int, bodies: list[bytes], count: int, run: HttpRun, lock: threading.Lock,
            deadline: float) -> None:
    """One keep-alive client sending `count` checks back to back."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    try:
        for i in range(count):
            if time.monotonic() > deadline:
                return
            began = time.perf_counter()
            try:
                conn.request("POST", "/v1/check", body=bodies[i % len(bodies)],
                             headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                ok = response.status == 200 and b'"verdict"' in response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
                ok = False
            ms = (time.perf_counter() - began) * 1000
            with lock:
                run.latencies_ms.append(ms)
                run.errors += 0 if ok else 1
    finally:
        conn.close()


def http_latency(port: int, texts: list[str], concurrency: int, requests: int, deadline: float) -> HttpRun:
    """`requests` POST /v1/check from `concurrency` keep-alive clients, each sending the next on an answer."""
    bodies = [json.dumps({"text": t}).encode("utf-8") for t in texts]
    run = HttpRun(concurrency)
    lock = threading.Lock()
    share = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
    threads = [threading.Thread(target=_client, args=(port, bodies[i:] + bodies[:i], n, run, lock, deadline))
               for i, n in enumerate(share)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - began
    return run


@dataclass(frozen=True, slots=True)
class CheckRun:
    """One `tonecheck check` run: files, wall time, exit code, peak RSS of its largest process, files reported."""

    files: int
    seconds: float
    exit_code: int
    peak_rss: int
    reported: int


def run_check(folder: Path, env: dict[str, str], out: Path, timeout: float, extra: Sequence[str] = ()) -> CheckRun:
    """`tonecheck check FOLDER --format json [extra]`; exit 0 or 1 (findings) is a run, 2 is an error."""
    files = sum(1 for p in folder.iterdir() if p.is_file())
    began = time.perf_counter()
    errors = out.with_suffix(".stderr")
    with errors.open("wb") as fh:  # a file, not a pipe: a pipe that fills up would stall the check
        proc = subprocess.Popen(_command(["check", str(folder), "--format", "json", "--fail-on", "never",
                                          "-o", str(out), *extra], env), stdout=subprocess.DEVNULL, stderr=fh)
    # Peak RSS from /proc while it runs: the rusage of a child also counts the memory it shared with this
    # (large) process between fork and exec. VmHWM only grows, so the last reading is the peak but for
    # at most one polling interval.
    peak = 0
    while True:
        try:
            # Until `env` has exec'd tonecheck, the pid holds this process's pages or env's: not counted.
            if b"tonecheck" in Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")[1]:
                for pid in worker_pids(proc.pid):  # with --jobs, forked workers: the largest one counts
                    peak = max(peak, _status(pid).get("VmHWM", 0))
        except (OSError, IndexError):
            pass
        try:
            proc.wait(timeout=0.1)  # returns the moment it exits, so the wall time stays exact
            break
        except subprocess.TimeoutExpired:
            if time.perf_counter() - began > timeout:
                proc.kill()
    seconds = time.perf_counter() - began
    if proc.returncode not in (0, 1):
        stderr = errors.read_text(encoding="utf-8", errors="replace")
        raise RuntimeError(f"tonecheck check exited with {proc.returncode}: {stderr[-2000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    return CheckRun(files, seconds, proc.returncode, peak, len(report["files"]))
