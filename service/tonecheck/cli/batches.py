"""Run the files through the loaded engines in batches: in this process, or in forked workers that share
the models already in memory (copy-on-write), one per core."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tonecheck.cli.sources import InputFile
from tonecheck.cores import available as cores
from tonecheck.engine import Engine, Report

# Files per `check_many` call: big enough for nlp.pipe and the classifier to batch, small enough that
# the progress bar moves, memory stays flat on a large tree, and two workers get even shares.
BATCH_FILES = 32
# Below this many files, starting workers costs more than it saves (measured: docs/ci.md).
PARALLEL_MIN_FILES = 4 * BATCH_FILES
# Characters per batch at most, so that long files, which come first and together, do not raise peak
# memory: the benchmark's 500 templates in one process peaked at 567-570 MB in file order, 586-607 MB
# longest first with 100,000 characters, 561-589 MB with 40,000 (/usr/bin/time -f %M, two runs each).
BATCH_CHARS = 40_000

Chunk = tuple[Path | None, list[int]]
# What forked workers read: set just before the fork, so nothing is pickled on the way in.
_SHARED: tuple[Sequence[InputFile], dict[Path | None, Engine]] | None = None


def _cpu_times(stat: str) -> tuple[int, int]:
    """(idle, total) jiffies summed over all CPUs, from the first line of /proc/stat."""
    fields = [int(x) for x in stat.split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice]: guests are already in user/nice.
    busy_and_idle = fields[:8]
    return busy_and_idle[3] + busy_and_idle[4], sum(busy_and_idle)


def idle_share(before: str, after: str) -> float:
    """The share of CPU time left idle between two readings of /proc/stat."""
    idle0, total0 = _cpu_times(before)
    idle1, total1 = _cpu_times(after)
    return (idle1 - idle0) / (total1 - total0) if total1 > total0 else 1.0


def _idle_cores(window: float = 0.2) -> float:
    """Cores not busy with other work right now, sampled from /proc/stat over `window` seconds.

    The load average lags by a minute, so a check started just after a busy job saw busy cores that had
    gone quiet (and the other way round); a short sample sees the cores as they are.
    """
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            before = fh.read()
        time.sleep(window)
        with open("/proc/stat", encoding="ascii") as fh:
            after = fh.read()
        return min(float(cores()), idle_share(before, after) * (os.cpu_count() or 1))
    except (OSError, ValueError, IndexError):
        try:
            return cores() - os.getloadavg()[0]
        except OSError:
            return float(cores())


def auto_jobs(files: int) -> int:
    """Worker processes for `files`: two for a large run when two cores are free, else 1.

    Each process runs spaCy, the rules and (with TONECHECK_TORCH_THREADS=1, the default) torch on one
    core, so a second forked worker uses the second core: 500 templates went from 24.1 to 35.1 emails/s
    with the classifier (docs/performance.md). On cores other jobs already keep busy it measured
    slower, so then it stays at one.
    """
    if files < PARALLEL_MIN_FILES or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return 2 if cores() >= 2 and _idle_cores() >= 1.5 else 1


def chunks(sources: Sequence[InputFile], size: int = BATCH_FILES, chars: int = BATCH_CHARS) -> list[Chunk]:
    """Batches of source indexes, each for one config (one engine), the longest texts first.

    Longest first so that workers end together: the last batches are the cheapest, where in file order one
    worker could be left with a batch of long emails after the other had finished. A batch ends at `size`
    files or `chars` characters, so a folder of large files does not parse them all at once.
    """
    groups: dict[Path | None, list[int]] = {}
    for i in sorted(range(len(sources)), key=lambda i: -len(sources[i].email.text)):
        groups.setdefault(sources[i].candidate.config.path, []).append(i)
    work: list[tuple[int, Chunk]] = []
    for key, indexes in groups.items():
        batch: list[int] = []
        length = 0
        for i in indexes:
            batch.append(i)
            length += len(sources[i].email.text)
            if len(batch) == size or length >= chars:
                work.append((length, (key, batch)))
                batch, length = [], 0
        if batch:
            work.append((length, (key, batch)))
    return [chunk for _, chunk in sorted(work, key=lambda w: -w[0])]


def _check_chunk(chunk: Chunk) -> list[Report]:
    assert _SHARED is not None
    sources, engines = _SHARED
    key, indexes = chunk
    return engines[key].check_many([sources[i].email for i in indexes])


def worker_init(threads: int) -> None:
    """A forked worker's setup: torch gets `threads` threads (its share of the cores)."""
    torch = sys.modules.get("torch")
    if torch is not None:  # each worker gets its share of the cores, not all of them
        torch.set_num_threads(threads)


def run_batches(
    sources: Sequence[InputFile],
    engines: dict[Path | None, Engine],
    jobs: int,
    done: Callable[[int], None],
    size: int = BATCH_FILES,
) -> list[Report]:
    """Reports in the order of `sources`; `done(n)` is called as each batch of n files finishes."""
    global _SHARED
    reports: list[Report | None] = [None] * len(sources)
    work = chunks(sources, size)
    _SHARED = (sources, engines)
    try:
        if jobs > 1 and len(work) > 1:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(jobs, initializer=worker_init, initargs=(max(1, cores() // jobs),)) as pool:
                results = pool.imap(_check_chunk, work)
                for (_, indexes), batch in zip(work, results, strict=True):
                    for i, report in zip(indexes, batch, strict=True):
                        reports[i] = report
                    done(len(indexes))
        else:
            for chunk in work:
                for i, report in zip(chunk[1], _check_chunk(chunk), strict=True):
                    reports[i] = report
                done(len(chunk[1]))
    finally:
        _SHARED = None
    return [r for r in reports if r is not None]
