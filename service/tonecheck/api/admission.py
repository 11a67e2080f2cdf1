"""Admission by cost: a check whose expected wait passes the budget is refused at once, not queued.

A worker runs its checks one at a time. It predicts how long a check takes from its emails and words
(a fixed part per email plus a part per word, both fitted online from the checks it ran), and how far
its predictions of the wait fall short (a running 95th percentile of actual over predicted wait). When
the checks already admitted, plus the new one, would finish past the budget, the request gets 503 with
Retry-After at once, so the admitted requests keep their latency instead of all arriving after the
add-in (3 s) has given up.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tonecheck.api import metrics
from tonecheck.errors import TonecheckError, TooLarge

# Priors until checks have been timed: about 12 ms per email plus 0.43 ms per word (the shipped model,
# bf16, one core, parse and rules included: `make bench`'s linear fit in docs/performance.md).
PRIOR_FIXED_S = 0.012
PRIOR_PER_WORD_S = 0.00043
# The fit forgets old checks at this rate per check (memory of ~10 checks): under overload a check is
# slower than when idle, because the event loop takes its share of the GIL, and the fit must follow.
FORGET = 0.9
# The prior weighs like one observation in each direction, so a worker that only ever sees one email
# length still predicts other lengths sensibly (the fit is a ridge regression toward the prior).
PRIOR_WEIGHT = 1.0
# Admission keeps this quantile of the actual / predicted wait inside the budget, learned online. The
# target is the admitted requests' p95: with the 90th, `make load` (4 Dec) admitted p95 2.09 s against 2.02 s.
WAIT_QUANTILE = 0.95
_QUANTILE_STEP = 0.02
# Before any wait is measured: a check's real wait was up to 1.10x the predicted one at the 90th
# percentile in the first overload runs (`make load --overload 3`), so start a little above that.
PRIOR_WAIT_RATIO = 1.15
# How long a check that ran past the request timeout keeps larger ones out (413): long enough for a
# writer's retries, short enough that a host that was only busy at that moment recovers on its own.
SLOW_MEMORY_S = 600.0
_WORDS_SCALE = 100.0  # features in units of emails and hundreds of words keep the 2x2 system well scaled


class Overloaded(TonecheckError):
    """The worker's queue would make this check wait past the budget (HTTP 503 with Retry-After)."""

    code = "overloaded"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Cost:
    """What a check asks of the worker: how many emails and how many words."""

    emails: int
    words: int

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.emails + other.emails, self.words + other.words)

    def __sub__(self, other: Cost) -> Cost:
        return Cost(self.emails - other.emails, self.words - other.words)

    def features(self) -> np.ndarray:
        """The regression's inputs: emails, and words in hundreds."""
        return np.array([self.emails, self.words / _WORDS_SCALE])


NOTHING = Cost(0, 0)
# No check costs less: one email of one word (`words_of` counts at least one).
SMALLEST = Cost(1, 1)


def words_of(text: str) -> int:
    """A cheap stand-in for the tokens a check will parse: whitespace-separated words, at least one."""
    return len(text.split()) or 1


def cost_of(texts: list[str]) -> Cost:
    """The cost of checking these emails in one request."""
    return Cost(len(texts), sum(words_of(t) for t in texts))


class CostModel:
    """Seconds a check takes, `fixed · emails + per_word · words`, fitted by forgetting least squares."""

    def __init__(self, fixed_s: float = PRIOR_FIXED_S, per_word_s: float = PRIOR_PER_WORD_S) -> None:
        self.prior = np.array([fixed_s, per_word_s * _WORDS_SCALE])
        self._gram = np.zeros((2, 2))
        self._moment = np.zeros(2)
        self.theta = self.prior.copy()

    @property
    def fixed_s(self) -> float:
        """Learned seconds per email."""
        return float(self.theta[0])

    @property
    def per_word_s(self) -> float:
        """Learned seconds per word."""
        return float(self.theta[1] / _WORDS_SCALE)

    def seconds(self, cost: Cost) -> float:
        """Predicted run time of a check (or a queue of checks) of this cost."""
        return float(cost.features() @ self.theta)

    def update(self, cost: Cost, seconds: float) -> None:
        """Learn from one check that took `seconds`."""
        x = cost.features()
        self._gram = FORGET * self._gram + np.outer(x, x)
        self._moment = FORGET * self._moment + seconds * x
        ridge = PRIOR_WEIGHT * np.eye(2)
        theta = np.linalg.solve(self._gram + ridge, self._moment + PRIOR_WEIGHT * self.prior)
        # Neither part can be negative; a per-word floor keeps a huge draft from looking free.
        self.theta = np.maximum(theta, [0.0, 1e-6 * _WORDS_SCALE])


class WaitRatio:
    """A running quantile of actual over predicted wait (stochastic quantile tracking)."""

    def __init__(self, quantile: float = WAIT_QUANTILE, start: float = PRIOR_WAIT_RATIO) -> None:
        self.quantile = quantile
        self.value = start

    def update(self, actual_s: float, predicted_s: float) -> None:
        """Learn from one admitted check's actual and predicted wait."""
        if predicted_s <= 0:
            return
        ratio = actual_s / predicted_s
        # Up by q when the ratio is above the estimate, down by 1 - q when not: settles where P(below) = q.
        step = _QUANTILE_STEP * (self.quantile if ratio > self.value else self.quantile - 1.0)
        self.value = min(3.0, max(0.5, self.value + step))


class Admission:
    """Checks admitted and not yet finished in this worker, and what it learned about their cost."""

    def __init__(self, budget_s: float, clock: Callable[[], float] = time.perf_counter,
                 timeout_s: float | None = None, on_change: Callable[[int], None] | None = None) -> None:
        self.budget_s = budget_s  # 0: admit everything (the request timeout still bounds each check)
        self.timeout_s = timeout_s  # checks as large as one that ran longer than this are refused as too large
        self._slowest_fit: _SlowCheck | None = None  # the smallest recent check that ran past the timeout
        self.clock = clock
        self.model = CostModel()
        self.ratio = WaitRatio()
        self.queued = NOTHING
        self.running = 0
        self.on_change = on_change  # told the checks in flight after each change (other workers read it)
        self._lock = threading.Lock()

    def expected_wait(self, cost: Cost) -> float:
        """Predicted seconds until a check of `cost` would finish if admitted now."""
        return self.model.seconds(self.queued + cost)

    def _refusal(self, wait: float) -> Overloaded | None:
        """The refusal for a check whose predicted wait is `wait` (counted as shed), or None when it fits."""
        likely = wait * self.ratio.value
        # An idle worker admits anything: one big draft is bounded by the request timeout, not shed.
        if not (self.budget_s and self.running and likely > self.budget_s):
            return None
        metrics.SHED.inc()
        retry = max(1, math.ceil(likely - self.budget_s))
        return Overloaded(f"tonecheck is busy (about {likely:.1f} s of checks queued); retry in {retry} s", retry)

    def refuse_any(self) -> Overloaded | None:
        """The refusal when even the smallest check would be shed now, before its body is read; else None.

        Predicted time grows with cost, so this refuses only what `admit` would refuse too.
        """
        with self._lock:
            return self._refusal(self.expected_wait(SMALLEST))

    def _too_slow(self, cost: Cost) -> TooLarge | None:
        """The refusal for a check at least as large as one that ran past the request timeout here lately."""
        slow = self._slowest_fit
        if slow is None or self.clock() - slow.at > SLOW_MEMORY_S:
            return None
        if cost.words < slow.cost.words or cost.emails < slow.cost.emails:
            return None
        # A 4xx, not a 503: the same draft would time out again, so "retry later" would be the wrong advice.
        many = cost.emails > 1
        fix = "fewer or shorter emails per batch" if many else "a shorter draft"
        return TooLarge(f"a check of {slow.cost.words} words took {slow.seconds:.1f} s here, past the "
                        f"{self.timeout_s:g} s limit, and this one has {cost.words}; send {fix}, or raise "
                        "TONECHECK_REQUEST_TIMEOUT_S")

    def admit(self, cost: Cost) -> Ticket:
        """A ticket for `cost`; `TooLarge` if as large as a check that timed out, `Overloaded` past the budget."""
        with self._lock:
            wait = self.expected_wait(cost)
            refusal = self._too_slow(cost) or self._refusal(wait)
            if refusal is not None:
                raise refusal
            behind = self.running > 0
            self.queued += cost
            self.running += 1
            if self.on_change is not None:
                self.on_change(self.running)
            metrics.QUEUE_WORDS.inc(cost.words)
            metrics.QUEUE_CHECKS.inc()
            return Ticket(self, cost, wait, self.clock(), behind)

    def _remember_slow(self, cost: Cost, seconds: float) -> None:
        """Keep the smallest check that ran past the timeout (a newer one replaces an expired record)."""
        now, slow = self.clock(), self._slowest_fit
        if slow is None or now - slow.at > SLOW_MEMORY_S or cost.words <= slow.cost.words:
            self._slowest_fit = _SlowCheck(cost, seconds, now)

    def _release(self, ticket: Ticket, seconds: float | None) -> None:
        with self._lock:
            self.queued -= ticket.cost
            self.running -= 1
            if self.on_change is not None:
                self.on_change(self.running)
            metrics.QUEUE_WORDS.dec(ticket.cost.words)
            metrics.QUEUE_CHECKS.dec()
            # Checks run one at a time (app.CHECK_THREADS), so a check's own time is its cost, under
            # whatever contention the worker's event loop adds at that moment; `CheckQueue` shares a merged
            # run's time out among its checks.
            if seconds is not None:
                if self.timeout_s is not None and seconds > self.timeout_s:
                    self._remember_slow(ticket.cost, seconds)
                self.model.update(ticket.cost, seconds)
                # The ratio only ever pads a queued check's wait (an idle worker admits anything), so it
                # learns only from checks that were admitted behind others.
                if ticket.behind:
                    self.ratio.update(self.clock() - ticket.admitted_at, ticket.predicted_wait)


@dataclass(frozen=True)
class _SlowCheck:
    """A check that ran past the request timeout by itself: its cost, its run time and when it ended."""

    cost: Cost
    seconds: float
    at: float


class Ticket:
    """One admitted check; released exactly once, when it ran or when it was abandoned before running."""

    def __init__(
        self, admission: Admission, cost: Cost, predicted_wait: float, admitted_at: float, behind: bool
    ) -> None:
        self.admission, self.cost, self.behind = admission, cost, behind
        self.predicted_wait, self.admitted_at = predicted_wait, admitted_at
        self._released = self._started = False
        self._lock = threading.Lock()

    def begin(self) -> bool:
        """Mark the check started; False if its request gave up first (its cost went back: never run it)."""
        with self._lock:
            if self._released:
                return False
            self._started = True
            return True

    def abandon(self) -> None:
        """The request stopped waiting (timeout, disconnect): give the cost back unless the check started.

        A started check cannot be stopped. It keeps its place in the queue until it ends, so checks
        behind it are priced with it, and its time still teaches the cost model; if it ran past the
        timeout, checks as large are then refused as too large at once instead of timing out again.
        """
        with self._lock:
            if self._started or self._released:
                return
            self._released = True
        self.admission._release(self, None)

    def release(self, seconds: float | None = None) -> None:
        """Give the cost back (`seconds`: how long the check took, when it ran)."""
        with self._lock:
            if self._released:
                return
            self._released = True
        self.admission._release(self, seconds)
