"""`serve --workers N`: load the models once, then fork the workers, which share them copy-on-write.

uvicorn's own supervisor spawns each worker as a fresh interpreter that imports torch and spaCy and
loads every model again: N loads at start, N copies of the weights in memory. Here the supervisor
process loads the engine, and uvicorn's supervisor (restarts, health pings, SIGTERM, SIGHUP) forks
its workers from it instead, so a worker is ready as soon as it has forked.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from socket import socket
from typing import Any

from tonecheck.api.balance import WorkerLoads
from tonecheck.engine import Engine, build_engine
from tonecheck.settings import Settings

_FORK = multiprocessing.get_context("fork")
log = logging.getLogger("tonecheck.http")  # the name one worker logs a failed load under


@dataclass
class Loaded:
    """The engine the supervisor loaded, filled in before any worker forks."""

    engine: Engine | None = None
    seconds: float = 0.0


def app_factory(settings: Settings, loaded: Loaded, loads: WorkerLoads | None = None) -> Callable[[], Any]:
    """What each forked worker calls to build its app around the engine loaded before the fork."""
    # Imported here, before the fork, so the workers inherit FastAPI and the routes already imported.
    from tonecheck.api import metrics
    from tonecheck.api.app import create_app

    def make() -> Any:
        assert loaded.engine is not None, "workers fork only after the engine has loaded"
        engine = loaded.engine
        metrics.MODEL_LOAD.set(loaded.seconds)
        # Built in the worker: its thread pool, rate-limit client and sockets belong to it alone.
        return create_app(settings, engine_factory=lambda _settings: engine, loads=loads)

    return make


def _forked_started(loads: WorkerLoads | None, slot: int | None, **kwargs: Any) -> None:
    """A forked worker's first steps: default signal handlers, its load slot, then uvicorn's start."""
    from uvicorn._subprocess import subprocess_started
    from uvicorn.supervisors.multiprocess import SIGNALS

    for sig in SIGNALS:  # the inherited handlers queue signals for the parent's loop, not this process
        signal.signal(sig, signal.SIG_DFL)
    if loads is not None and slot is not None:
        loads.claim(slot)
    subprocess_started(**kwargs)


def free_slot(loads: WorkerLoads, holders: dict[int, Any]) -> int | None:
    """A load slot for a new worker, reset: one no process holds or whose process exited; else None.

    A worker without a slot never closes a connection to rebalance.
    """
    for slot in range(loads.size):
        holder = holders.get(slot)
        if holder is None or holder.exitcode is not None:  # a process not yet started has no exit code
            loads.free(slot)
            return slot
    return None


def fork_subprocess(config: Any, target: Callable[..., None], sockets: list[socket],
                    loads: WorkerLoads | None = None, holders: dict[int, Any] | None = None) -> Any:
    """uvicorn's `get_subprocess`, with fork instead of spawn, so the worker inherits the loaded engine."""
    try:
        stdin_fileno = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        stdin_fileno = None
    slot = free_slot(loads, holders) if loads is not None and holders is not None else None
    process = _FORK.Process(target=_forked_started, kwargs={
        "loads": loads, "slot": slot, "config": config, "target": target, "sockets": sockets,
        "stdin_fileno": stdin_fileno})
    if slot is not None and holders is not None:
        holders[slot] = process
    return process


def serve_forked(options: dict[str, Any], settings: Settings) -> int:
    """Load the engine, then run uvicorn's supervisor with forked workers; the exit code of the run."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess, multiprocess

    from tonecheck.api.app import configure_logging

    configure_logging(settings)
    loaded = Loaded()
    loads = WorkerLoads(options["workers"])  # made before the fork: the workers share its memory
    config = uvicorn.Config(app_factory(settings, loaded, loads), factory=True, **options)
    sock = config.bind_socket()  # the port is ours before the load, so a busy port fails at once
    began = time.perf_counter()
    try:
        loaded.engine = build_engine(settings)
    except Exception as exc:  # noqa: BLE001 - any failure to load means no worker can serve
        # Settings and model errors name a file or setting, never an email, so the message is safe to log.
        log.critical("the engine failed to load (%s: %s); serve exits", type(exc).__name__, exc)
        sock.close()
        return STARTUP_FAILURE
    loaded.seconds = time.perf_counter() - began
    if loaded.engine.cores is not None:
        loaded.engine.cores.workers = options["workers"]  # before the fork: every worker reads it
    log.info("engine loaded once for %d workers in %.2f s: model=%s rules=%s", options["workers"],
             loaded.seconds, loaded.engine.versions.model, loaded.engine.versions.rules)
    # Everything loaded so far lives as long as the process: out of the collector's sight, a worker's
    # garbage collections no longer write to those objects' pages, which would copy them one by one.
    gc.freeze()
    supervisor = Multiprocess(config, sockets=[sock])
    # uvicorn has no switch for its start method; its Process looks `get_subprocess` up in this module
    # each time it starts a worker (at start, on a restart and on SIGHUP).
    spawn = multiprocess.get_subprocess
    multiprocess.get_subprocess = partial(fork_subprocess, loads=loads, holders={})
    try:
        supervisor.run()
    finally:
        multiprocess.get_subprocess = spawn
    failed = any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes)
    return STARTUP_FAILURE if failed else 0
