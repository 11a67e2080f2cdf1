"""The host's cores as tokens that every process forked from one load shares: a check may borrow an idle one."""

from __future__ import annotations

import multiprocessing
import os
import threading
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol


class _Tokens(Protocol):
    def acquire(self, block: bool = ...) -> bool: ...

    def release(self) -> None: ...


class Cores:
    """One token per core; a process holds one while it has work, and its encoder may borrow one more.

    Tokens are only ever tried, never waited for: a worker killed while holding one costs the others a
    spare core, not a hang. The semaphore is made before `serve --workers N` or `check --jobs N` forks, so
    a worker sees which others have work and lends no core that another worker is about to use.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self.workers = 1  # processes checking in parallel on these cores: `serve --workers N` sets N
        self._tokens = _semaphore(count)
        self._lock = threading.Lock()
        self._holders = 0  # reasons this process is busy: running checks, plus the server's checks in flight
        self._held = False  # whether this process holds a token for them
        self._in_flight = False
        self._pool: ThreadPoolExecutor | None = None
        _ALL.add(self)

    @contextmanager
    def working(self) -> Iterator[None]:
        """Count this process busy for as long as the block runs (one token however many blocks run)."""
        self._enter()
        try:
            yield
        finally:
            self._leave()

    def in_flight(self, any_checks: bool) -> None:
        """The server's word: this worker has checks admitted and not answered (queued ones count too)."""
        with self._lock:
            if any_checks != self._in_flight:
                self._in_flight = any_checks
                self._count(1 if any_checks else -1)

    @contextmanager
    def spare(self) -> Iterator[ThreadPoolExecutor | None]:
        """A helper thread for the block, or None while every core is counted busy or on the helper itself.

        The helper never lends to itself: work it submitted to its own single thread would wait forever.
        """
        if threading.current_thread().name.startswith(_HELPER) or not self._tokens.acquire(False):
            yield None
            return
        try:
            yield self._helper()
        finally:
            self._tokens.release()

    def _enter(self) -> None:
        with self._lock:
            self._count(1)

    def _leave(self) -> None:
        with self._lock:
            self._count(-1)

    def _count(self, change: int) -> None:
        """Take a token as this process becomes busy, give it back as it becomes idle (under the lock)."""
        self._holders += change
        if change > 0 and self._holders == 1:
            self._held = self._tokens.acquire(False)
        elif self._holders == 0 and self._held:
            self._tokens.release()
            self._held = False

    def _helper(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix=_HELPER)
        return self._pool

    def _forked(self) -> None:
        """In a new child: nothing of the parent's runs here, its token stays the parent's, and its helper
        thread did not survive the fork (a pool made before it would take work and never run it)."""
        self._lock = threading.Lock()
        self._holders, self._held, self._in_flight = 0, False, False
        self._pool = None


_HELPER = "tonecheck-spare-core"
_ALL: weakref.WeakSet[Cores] = weakref.WeakSet()


def _after_fork() -> None:
    for cores in list(_ALL):
        cores._forked()


os.register_at_fork(after_in_child=_after_fork)


def _semaphore(count: int) -> _Tokens:
    """A semaphore forked processes share; a process-local one where the host has no POSIX semaphores."""
    try:
        return multiprocessing.get_context("fork").BoundedSemaphore(count)
    except (OSError, ImportError):  # no /dev/shm (some sandboxes): cores are then counted per process
        return threading.BoundedSemaphore(count)


def available(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """Cores this process may run on: its CPU set, and at most its container's CPU quota (rounded down)."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        count = os.cpu_count() or 1
    quota = _quota(cgroup)
    return max(1, min(count, int(quota))) if quota else count


def _quota(cgroup: Path) -> float | None:
    """CPUs the cgroup may use per period (a pod's `limits.cpu`), or None if it sets no quota."""
    try:
        fields = (cgroup / "cpu.max").read_text().split()  # cgroup v2: "200000 100000" or "max 100000"
        if fields and fields[0] != "max":
            return int(fields[0]) / int(fields[1])
        if fields:
            return None
    except (OSError, ValueError, IndexError):
        pass
    try:  # cgroup v1
        quota = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((cgroup / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None
