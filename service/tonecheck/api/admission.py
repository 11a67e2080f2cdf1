"""Admission by cost: a check whose expected wait passes the budget is refused at once, not queued.

A worker runs its checks one at a time and drains its queue at a rate measured in tokens per second,
where a check costs its words plus a fixed share (parsing and scoring any email has a floor). When the
tokens already admitted, plus the new request's, would take longer than the budget, the request gets
503 with Retry-After at once, so the requests that are admitted keep their latency instead of all
arriving after the add-in (3 s) has given up.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from tonecheck.api import metrics
from tonecheck.errors import TonecheckError

T = TypeVar("T")
# A check costs about 12 ms plus 0.43 ms per word (the shipped model, bf16, one core, parse and rules
# included: `make bench`'s linear fit in docs/performance.md), so each email counts its words plus the
# fixed part in words. Without it, a queue of short emails looked three times cheaper than it was.
PER_EMAIL_TOKENS = 29
# The cost model misjudges single checks of mixed mail both ways: at 3x capacity, a check's real wait
# was 0.86x the predicted one at the median and 1.10x at the 90th percentile (`make load --overload 3`).
# Admitting only up to this share of the budget keeps the admitted requests' p95 inside the budget.
AIM = 0.85
# A prior for the drain rate until a check has been timed; every check then refines it.
PRIOR_SECONDS_PER_TOKEN = 0.00043
_EWMA = 0.2


class Overloaded(TonecheckError):
    """The worker's queue would make this check wait past the budget (HTTP 503 with Retry-After)."""

    code = "overloaded"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def tokens_of(text: str) -> int:
    """A cheap stand-in for the tokens a check will parse: whitespace-separated words, at least one."""
    return len(text.split()) or 1


def cost_of(texts: list[str]) -> int:
    """What checking these emails costs, in tokens: their words plus each email's fixed part."""
    return sum(tokens_of(t) + PER_EMAIL_TOKENS for t in texts)


class Admission:
    """Tokens admitted and not yet finished in this worker, and the measured seconds per token."""

    def __init__(self, budget_s: float, clock: Callable[[], float] = time.perf_counter) -> None:
        self.budget_s = budget_s  # 0: admit everything (the request timeout still bounds each check)
        self.clock = clock
        self.seconds_per_token = PRIOR_SECONDS_PER_TOKEN
        self.queued_tokens = 0
        self.running = 0
        self._lock = threading.Lock()

    def expected_wait(self, tokens: int) -> float:
        """Seconds until a check of `tokens` would finish if admitted now."""
        return (self.queued_tokens + tokens) * self.seconds_per_token

    def admit(self, tokens: int) -> Ticket:
        """A ticket for a check of `tokens`, or raise `Overloaded` when the wait would pass the budget."""
        with self._lock:
            wait = self.expected_wait(tokens)
            # An idle worker admits anything: one big draft is bounded by the request timeout, not shed.
            if self.budget_s and self.queued_tokens and wait > AIM * self.budget_s:
                metrics.SHED.inc()
                retry = max(1, math.ceil(wait - AIM * self.budget_s))
                raise Overloaded(f"tonecheck is busy (about {wait:.1f} s of checks queued); retry in {retry} s",
                                 retry)
            self.queued_tokens += tokens
            self.running += 1
            metrics.QUEUE_TOKENS.inc(tokens)
            metrics.QUEUE_CHECKS.inc()
            return Ticket(self, tokens)

    def _release(self, ticket: Ticket, seconds: float | None) -> None:
        with self._lock:
            self.queued_tokens -= ticket.tokens
            self.running -= 1
            metrics.QUEUE_TOKENS.dec(ticket.tokens)
            metrics.QUEUE_CHECKS.dec()
            # Checks run one at a time (app.CHECK_THREADS), so a check's own time is the drain rate, under
            # whatever contention the worker's event loop adds at that moment.
            if seconds is not None:
                self.seconds_per_token += _EWMA * (seconds / ticket.tokens - self.seconds_per_token)


class Ticket:
    """One admitted check; released exactly once, when it ran or when it was cancelled before running."""

    def __init__(self, admission: Admission, tokens: int) -> None:
        self.admission, self.tokens = admission, tokens
        self._released = False
        self._lock = threading.Lock()

    def run(self, job: Callable[[], T]) -> T:
        """Run the check (in a worker thread), timing it for the drain rate."""
        began = self.admission.clock()
        try:
            return job()
        finally:
            self.release(self.admission.clock() - began)

    def release(self, seconds: float | None = None) -> None:
        """Give the tokens back (`seconds`: how long the check took, when it ran)."""
        with self._lock:
            if self._released:
                return
            self._released = True
        self.admission._release(self, seconds)
