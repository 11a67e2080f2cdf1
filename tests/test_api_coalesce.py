"""The worker's check queue: single-draft checks that waited together run in one engine call, each answered."""

from __future__ import annotations

import asyncio
import copy
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tonecheck.api.admission import Admission, cost_of
from tonecheck.api.coalesce import MAX_MERGED, CheckQueue
from tonecheck.engine import EmailInput, Engine, Report
from tonecheck.errors import TooLarge

DRAFTS = [
    "Hi Sam,\n\nAs I said in my last email, the form has to be signed before we can refund you.\n\nBest,\nAnna",
    "Thanks for your patience. The refund went out today and should reach your card within five days.",
    "You failed to attach the invoice, which is why nothing happened. Frankly this is getting ridiculous!!",
    "We're sorry the delivery was late. I've added a credit to your account and booked a new slot.",
]


class _Gate:
    """The engine, recording every `check_many` call; the first call waits until the test opens the gate."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.open, self.calls = engine, threading.Event(), []
        self.started = threading.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def check_many(self, emails: list[EmailInput], token_budget: int | None = None) -> list[Report]:
        self.calls.append([e.text for e in emails])
        if len(self.calls) == 1:
            self.started.set()
            assert self.open.wait(timeout=60)
        if any("BOOM" in e.text for e in emails):
            raise ValueError("a bug in the engine")
        return self.engine.check_many(emails, token_budget)


async def _queued(gate: _Gate, admission: Admission, requests: list[list[str]],
                  abandon: int | None = None) -> list[list[Report] | BaseException]:
    """Run a first check that holds the check thread, queue `requests` behind it, then let it go."""
    queue = CheckQueue(ThreadPoolExecutor(max_workers=1))

    def submit(texts: list[str]) -> asyncio.Future:
        ticket = admission.admit(cost_of(texts))
        future = queue.submit(gate, ticket, [EmailInput(t) for t in texts], 25_000)  # type: ignore[arg-type]
        future.add_done_callback(lambda f: ticket.abandon() if f.cancelled() else None)
        return future

    first = submit(["Thanks, the parcel is on its way."])
    await asyncio.to_thread(gate.started.wait, 60)
    futures = [submit(texts) for texts in requests]
    if abandon is not None:
        futures[abandon].cancel()  # its request gave up (timeout, disconnect) while it waited
    gate.open.set()
    await first
    return await asyncio.gather(*futures, return_exceptions=True)


def _run(coro: object) -> list[list[Report] | BaseException]:
    """`asyncio.run` in a thread of its own: another test may have left this thread's loop marked running."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coro).result(timeout=120)  # type: ignore[arg-type]


def _summary(report: Report) -> tuple:
    return report.verdict, [(f.rule_id, f.start, f.end) for f in report.findings]


@pytest.mark.slow
def test_api_coalesce_waiting_drafts_run_together_and_get_what_they_would_alone(engine: Engine) -> None:
    gate, admission = _Gate(engine), Admission(0.0)
    outcomes = _run(_queued(gate, admission, [[d] for d in DRAFTS]))
    # The held check, then the four that waited behind it in one engine call, in arrival order.
    assert gate.calls[1:] == [DRAFTS]
    alone = [engine.check_many([EmailInput(d)], 25_000)[0] for d in DRAFTS]
    for outcome, single in zip(outcomes, alone, strict=True):
        assert isinstance(outcome, list) and len(outcome) == 1
        assert _summary(outcome[0]) == _summary(single)
        assert all(abs(outcome[0].scores[c] - single.scores[c]) < 1e-3 for c in single.scores)
    assert {_summary(r)[0].value for r in alone} == {"send", "review", "hold"}  # not four alike drafts
    # Every ticket went back, each with its share of the merged run's time.
    assert (admission.running, admission.queued.words) == (0, 0)


def test_api_coalesce_one_drafts_refusal_stays_its_own(rules_engine: Engine) -> None:
    small = copy.copy(rules_engine)
    small.max_tokens = 100  # the engine's own per-email cap, as a one-draft request's budget is
    gate = _Gate(small)
    too_long = "Thanks for writing. " * 60
    outcomes = _run(_queued(gate, Admission(0.0), [[DRAFTS[0]], [too_long], [DRAFTS[1]]]))
    assert isinstance(outcomes[1], TooLarge) and "more than 100 words and symbols" in str(outcomes[1])
    assert [o[0].text for o in (outcomes[0], outcomes[2])] == [DRAFTS[0], DRAFTS[1]]  # type: ignore[index]
    # Tried together, then each alone to find whose refusal it was.
    assert gate.calls[1:] == [[DRAFTS[0], too_long, DRAFTS[1]], [DRAFTS[0]], [too_long], [DRAFTS[1]]]


def test_api_coalesce_a_bug_on_one_draft_fails_only_that_request(rules_engine: Engine) -> None:
    gate = _Gate(rules_engine)
    outcomes = _run(_queued(gate, Admission(0.0), [[DRAFTS[0]], ["BOOM"], [DRAFTS[1]]]))
    assert isinstance(outcomes[1], ValueError)
    assert [o[0].verdict.value for o in (outcomes[0], outcomes[2])] == ["review", "send"]  # type: ignore[index]


def test_api_coalesce_batches_run_alone_in_order_and_merges_are_capped(rules_engine: Engine) -> None:
    gate = _Gate(rules_engine)
    singles = [[f"Thanks for your order number {i}, it ships today."] for i in range(MAX_MERGED + 2)]
    batch = [DRAFTS[1], DRAFTS[3]]
    outcomes = _run(_queued(gate, Admission(0.0), [singles[0], batch, *singles[1:]]))
    assert gate.calls[1:] == [singles[0], batch, [s[0] for s in singles[1 : MAX_MERGED + 1]], singles[-1]]
    assert [len(o) for o in outcomes] == [1, 2, *[1] * (MAX_MERGED + 1)]  # type: ignore[arg-type]
    assert [r.text for r in outcomes[1]] == batch  # type: ignore[union-attr]


def test_api_coalesce_a_request_that_gave_up_while_waiting_never_runs(rules_engine: Engine) -> None:
    gate, admission = _Gate(rules_engine), Admission(0.0)
    outcomes = _run(_queued(gate, admission, [[DRAFTS[0]], [DRAFTS[1]], [DRAFTS[3]]], abandon=1))
    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert gate.calls[1:] == [[DRAFTS[0], DRAFTS[3]]]
    assert (admission.running, admission.queued.words) == (0, 0)
