"""The host's cores as tokens that every process forked from one load shares: a check may borrow an idle one."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol


class _Tokens(Protocol):
    def acquire(self, block: bool = ...) -> bool: ...

    def release(self) -> None: ...


class Cores:
    """One token per core. A check holds one while it runs; the encoder borrows a second only if one is free.

    Tokens are only ever tried, never waited for: a worker killed while holding one costs the others a
    spare core, not a hang. The semaphore is made before `serve --workers N` or `check --jobs N` forks, so
    a worker sees the checks running in the others and lends no core that another check is using.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self._tokens = _semaphore(count)
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0

    @contextmanager
    def working(self) -> Iterator[None]:
        """Count one running check for as long as the block runs."""
        held = self._tokens.acquire(False)
        try:
            yield
        finally:
            if held:
                self._tokens.release()

    @contextmanager
    def spare(self) -> Iterator[ThreadPoolExecutor | None]:
        """A helper thread for the block, or None while every core is counted busy."""
        if not self._tokens.acquire(False):
            yield None
            return
        try:
            yield self._helper()
        finally:
            self._tokens.release()

    def _helper(self) -> ThreadPoolExecutor:
        # Threads do not survive a fork: a pool made before it would take work and never run it.
        if self._pool is None or self._pid != os.getpid():
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="tonecheck-spare-core")
            self._pid = os.getpid()
        return self._pool


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
