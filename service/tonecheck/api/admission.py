"""Admission by cost: a check whose expected wait passes the budget is refused at once, not queued.

A worker drains its queue at a rate measured in tokens per second. When the tokens already admitted,
plus the new request's, would take longer than the budget, the request gets 503 with Retry-After at
once, so the requests that are admitted keep their latency instead of all arriving after the add-in
(3 s) has given up.
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
# A prior for the drain rate until a check has been timed alone (the shipped model, bf16, on one core:
# about 0.35 ms per word of a typical email, parse and rules included; docs/performance.md).
PRIOR_SECONDS_PER_TOKEN = 0.00035
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


class Admission:
    """Tokens admitted and not yet finished in this worker, and the measured seconds per token."""

    def __init__(self, budget_s: float, clock: Callable[[], float] = time.perf_counter) -> None:
        self.budget_s = budget_s  # 0: admit everything (the request timeout still bounds each check)
        self.clock = clock
        self.seconds_per_token = PRIOR_SECONDS_PER_TOKEN
        self.queued_tokens = 0
        self.running = 0
        self.admitted = 0  # a serial number: tells whether a check ran alone (its timing is clean)
        self._lock = threading.Lock()

    def expected_wait(self, tokens: int) -> float:
        """Seconds until a check of `tokens` would finish if admitted now."""
        return (self.queued_tokens + tokens) * self.seconds_per_token

    def admit(self, tokens: int) -> Ticket:
        """A ticket for a check of `tokens`, or raise `Overloaded` when the wait would pass the budget."""
        with self._lock:
            wait = self.expected_wait(tokens)
            # An idle worker admits anything: one big draft is bounded by the request timeout, not shed.
            if self.budget_s and self.queued_tokens and wait > self.budget_s:
                metrics.SHED.inc()
                retry = max(1, math.ceil(wait - self.budget_s))
                raise Overloaded(f"tonecheck is busy (about {wait:.1f} s of checks queued); retry in {retry} s",
                                 retry)
            self.queued_tokens += tokens
            self.running += 1
            self.admitted += 1
            metrics.QUEUE_TOKENS.inc(tokens)
            metrics.QUEUE_CHECKS.inc()
            return Ticket(self, tokens, self.admitted, self.running == 1)

    def _release(self, ticket: Ticket, seconds: float | None) -> None:
        with self._lock:
            self.queued_tokens -= ticket.tokens
            self.running -= 1
            metrics.QUEUE_TOKENS.dec(ticket.tokens)
            metrics.QUEUE_CHECKS.dec()
            alone = ticket.alone and self.admitted == ticket.serial  # nobody else started meanwhile
            if seconds is not None and alone:
                self.seconds_per_token += _EWMA * (seconds / ticket.tokens - self.seconds_per_token)


class Ticket:
    """One admitted check; released exactly once, when it ran or when it was cancelled before running."""

    def __init__(self, admission: Admission, tokens: int, serial: int, alone: bool) -> None:
        self.admission, self.tokens, self.serial, self.alone = admission, tokens, serial, alone
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
