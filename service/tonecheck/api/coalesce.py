"""The worker's check queue: drafts that wait behind a running check are checked together when it ends.

A worker runs one check at a time (`app.CHECK_THREADS`). Under load, single-draft checks queue behind
the running one. When it ends, the single-draft checks waiting at that moment go through one
`Engine.check_many`: one parse, one rules pass, one encoder pass. For 2-8 typical emails that took
13-18% less per email than one by one (one-off timing, docs/performance.md), so a loaded worker gets
through more. An idle worker starts a check at once: nothing is held back to be merged. Checks keep their order,
and a batch request runs on its own.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from tonecheck.api import metrics
from tonecheck.api.admission import Ticket
from tonecheck.engine import EmailInput, Engine, Report

# A merged run's latency is every member's: at most this many drafts and words go in one run.
MAX_MERGED = 8
MAX_MERGED_WORDS = 2_000


@dataclass(frozen=True)
class _Job:
    """One request's check: its emails, its admission ticket and the future its handler awaits."""

    engine: Engine
    ticket: Ticket
    emails: list[EmailInput]
    token_budget: int | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[list[Report]]

    @property
    def mergeable(self) -> bool:
        """One draft: it may run together with others (a batch request runs on its own)."""
        return len(self.emails) == 1


class CheckQueue:
    """Runs checks on `pool` in arrival order, merging single-draft checks that waited together."""

    def __init__(self, pool: Executor | None, clock: Callable[[], float] = time.perf_counter) -> None:
        self.pool = pool  # None: the event loop's default executor (an app whose lifespan never ran)
        self.clock = clock
        self._lock = threading.Lock()
        self._waiting: deque[_Job] = deque()
        self._draining = False

    def submit(self, engine: Engine, ticket: Ticket, emails: list[EmailInput],
               token_budget: int | None) -> asyncio.Future[list[Report]]:
        """Queue a check; the future gets its reports, or the exception checking it alone would raise."""
        loop = asyncio.get_running_loop()
        job = _Job(engine, ticket, emails, token_budget, loop, loop.create_future())
        with self._lock:
            self._waiting.append(job)
            start, self._draining = not self._draining, True
        if start:
            try:
                loop.run_in_executor(self.pool, self._drain)
            except RuntimeError:  # the pool is shut down (the worker is stopping): nothing will run it
                with self._lock:
                    self._waiting.remove(job)
                    self._draining = False
                raise
        return job.future

    def _drain(self) -> None:
        """In the check thread: run what waits, merged where it can be, until nothing does."""
        while True:
            with self._lock:
                jobs = self._take()
                if not jobs:
                    self._draining = False
                    return
            try:
                self._run(jobs)
            except BaseException as exc:  # a bug here must not leave the queue stuck with `_draining` set
                for job in jobs:
                    job.ticket.release()
                    _deliver(job, exc)

    def _take(self) -> list[_Job]:
        """The next check to run: the first one still wanted, plus the single-draft ones right behind it."""
        jobs: list[_Job] = []
        words = 0
        while self._waiting:
            job = self._waiting[0]
            if jobs and not (jobs[0].mergeable and job.mergeable and job.engine is jobs[0].engine):
                break
            size = job.ticket.cost.words
            if jobs and (len(jobs) == MAX_MERGED or words + size > MAX_MERGED_WORDS):
                break
            self._waiting.popleft()
            if job.future.cancelled():  # its request gave up; the handler's done-callback may not have run yet
                job.ticket.abandon()
            elif job.ticket.begin():  # False: its request gave up while it waited; its cost went back
                jobs.append(job)
                words += size
        return jobs

    def _run(self, jobs: list[_Job]) -> None:
        """Check the jobs in one engine call when there are several; each future gets its own outcome."""
        began = self.clock()
        outcomes: list[list[Report] | BaseException]
        if len(jobs) == 1:
            outcomes = [_alone(jobs[0])]
        else:
            try:
                # Each email is still held to its own limits (the engine's per-email caps equal a one-draft
                # request's budget); a refusal or failure is then found again for the one draft it belongs to.
                reports = jobs[0].engine.check_many([j.emails[0] for j in jobs])
                outcomes = [[r] for r in reports]
                metrics.MERGED.inc(len(jobs))
            except Exception:  # noqa: BLE001 - one draft's error must not become the others'
                outcomes = [_alone(j) for j in jobs]
        seconds = self.clock() - began
        # The cost model learns each check's share of the run, in proportion to what it predicted for it.
        predicted = [j.ticket.admission.model.seconds(j.ticket.cost) for j in jobs]
        total = sum(predicted) or 1.0
        for job, outcome, share in zip(jobs, outcomes, predicted, strict=True):
            job.ticket.release(seconds * share / total)
            _deliver(job, outcome)


def _alone(job: _Job) -> list[Report] | BaseException:
    """The job's reports, or the exception its check raised."""
    try:
        return job.engine.check_many(job.emails, job.token_budget)
    except Exception as exc:  # noqa: BLE001 - handed to the request's handler, which maps it to a status
        return exc


def _deliver(job: _Job, outcome: list[Report] | BaseException) -> None:
    """From the check thread: hand the outcome to the job's event loop."""
    try:
        job.loop.call_soon_threadsafe(_settle, job.future, outcome)
    except RuntimeError:  # the loop closed (shutdown): nobody is waiting for this answer
        pass


def _settle(future: asyncio.Future[list[Report]], outcome: list[Report] | BaseException) -> None:
    """On the event loop: hand the outcome over, unless the request stopped waiting (timeout, disconnect)."""
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
