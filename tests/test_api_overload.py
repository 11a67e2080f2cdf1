"""Overload: checks past the wait budget are refused at once (503, Retry-After); /metrics counts without text."""

from __future__ import annotations

import asyncio
import random
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tonecheck.api import metrics
from tonecheck.api.admission import (
    NOTHING,
    PRIOR_FIXED_S,
    PRIOR_PER_WORD_S,
    PRIOR_WAIT_RATIO,
    SLOW_MEMORY_S,
    Admission,
    Cost,
    CostModel,
    Overloaded,
    WaitRatio,
    cost_of,
    words_of,
)
from tonecheck.api.app import create_app
from tonecheck.detect.classifier.cache import ScoreCache
from tonecheck.engine import Engine
from tonecheck.errors import TooLarge
from tonecheck.settings import Settings


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _words_for(seconds: float) -> Cost:
    """One email whose predicted run time at the priors is `seconds`."""
    return Cost(1, round((seconds - PRIOR_FIXED_S) / PRIOR_PER_WORD_S))


def test_admission_idle_worker_admits_even_a_big_check() -> None:
    admission = Admission(budget_s=0.1)
    ticket = admission.admit(Cost(1, 100_000))  # far past the budget alone, but nothing waits ahead of it
    assert admission.queued == Cost(1, 100_000)
    ticket.release()
    assert admission.queued == NOTHING and admission.running == 0


def test_admission_sheds_when_the_likely_wait_would_pass_the_budget() -> None:
    admission = Admission(budget_s=1.0)
    # The prior wait ratio (1.15) pads each prediction: 0.4 s queued is likely 0.46 s.
    held = admission.admit(_words_for(0.4))
    second = admission.admit(_words_for(0.4))  # 0.8 s predicted, likely 0.92 s: admitted
    shed_before = metrics.SHED._value.get()
    with pytest.raises(Overloaded) as caught:
        admission.admit(_words_for(0.4))  # 1.2 s predicted, likely 1.38 s: refused
    assert caught.value.retry_after == 1 and caught.value.code == "overloaded"
    assert metrics.SHED._value.get() == shed_before + 1
    held.release()
    second.release()
    admission.admit(_words_for(0.4)).release()  # the queue drained: admitted again


def test_admission_budget_zero_never_sheds() -> None:
    admission = Admission(budget_s=0)
    tickets = [admission.admit(Cost(1, 1_000_000)) for _ in range(5)]
    assert admission.running == 5
    for t in tickets:
        t.release()


def test_cost_model_learns_fixed_and_per_word_parts_from_mixed_checks() -> None:
    # A worker whose checks really cost 30 ms + 1 ms per word (far from the priors) learns both parts.
    model = CostModel()
    for words in [20, 400, 90, 250, 40, 150] * 10:
        model.update(Cost(1, words), 0.030 + 0.001 * words)
    assert model.fixed_s == pytest.approx(0.030, rel=0.05)
    assert model.per_word_s == pytest.approx(0.001, rel=0.05)
    # A batch of ten short emails is priced by its ten fixed parts, not by its few words.
    assert model.seconds(Cost(10, 20)) > model.seconds(Cost(1, 200))


def test_cost_model_with_one_email_length_keeps_the_prior_for_other_lengths() -> None:
    # Only 90-word checks, each taking what the priors predict: the fit has nothing to move along the
    # direction it never sees, so a long draft is still priced by the prior's per-word part.
    model = CostModel()
    typical = PRIOR_FIXED_S + 90 * PRIOR_PER_WORD_S
    for _ in range(200):
        model.update(Cost(1, 90), typical)
    assert model.seconds(Cost(1, 90)) == pytest.approx(typical, rel=0.01)
    assert model.seconds(Cost(1, 2_000)) == pytest.approx(PRIOR_FIXED_S + 2_000 * PRIOR_PER_WORD_S, rel=0.05)


def test_cost_model_follows_a_slower_worker() -> None:
    # Under overload every check runs twice as slow (the event loop takes its share): the fit follows.
    model = CostModel()
    for words in [60, 120] * 20:
        model.update(Cost(1, words), 2 * (PRIOR_FIXED_S + words * PRIOR_PER_WORD_S))
    assert model.seconds(Cost(1, 100)) == pytest.approx(2 * (PRIOR_FIXED_S + 100 * PRIOR_PER_WORD_S), rel=0.05)


def test_wait_ratio_settles_at_its_quantile() -> None:
    ratio = WaitRatio(quantile=0.9, start=1.0)
    observed = [0.7 + 0.01 * i for i in range(61)]  # ratios 0.70 ... 1.30, evenly spread, in random order
    rng = random.Random(7)
    for _ in range(300):
        rng.shuffle(observed)
        for r in observed:
            ratio.update(r, 1.0)
    below = sum(1 for r in observed if r <= ratio.value) / len(observed)
    assert 0.85 <= below <= 0.95


def test_admission_learns_from_each_check_it_runs() -> None:
    clock = Clock()
    admission = Admission(budget_s=2.0, clock=clock)
    before = admission.expected_wait(Cost(1, 1_000))
    ticket = admission.admit(Cost(1, 1_000))
    assert ticket.begin()
    ticket.release(seconds=2.0)  # far slower than the prior
    assert admission.expected_wait(Cost(1, 1_000)) > before
    # It ran on an idle worker, where the ratio never applies, so the ratio did not learn from it.
    assert admission.ratio.value == PRIOR_WAIT_RATIO
    assert admission.queued == NOTHING


def test_wait_ratio_learns_only_from_checks_admitted_behind_others() -> None:
    clock = Clock()
    admission = Admission(budget_s=60.0, clock=clock)
    first = admission.admit(Cost(1, 100))
    second = admission.admit(Cost(1, 100))  # queued behind `first`
    predicted = second.predicted_wait
    clock.now += 10 * predicted  # both take far longer than predicted
    first.release(5 * predicted)
    assert admission.ratio.value == PRIOR_WAIT_RATIO
    second.release(5 * predicted)
    # It waited 10x its prediction: the ratio moves up.
    assert admission.ratio.value > PRIOR_WAIT_RATIO


def test_refuse_any_refuses_only_what_admit_would_refuse_whatever_the_size() -> None:
    admission = Admission(budget_s=1.0)
    assert admission.refuse_any() is None  # idle: anything is admitted
    held = admission.admit(_words_for(0.5))
    assert admission.refuse_any() is None  # 0.5 s queued: a small check still fits
    admission.admit(Cost(1, 1)).release()
    second = admission.admit(_words_for(0.365))  # 0.865 s queued, likely 0.995 s with the ratio (1.15)
    refusal = admission.refuse_any()  # a one-word email (12 ms) would take it past 1 s
    assert isinstance(refusal, Overloaded) and refusal.retry_after >= 1
    for cost in (Cost(1, 1), Cost(1, 50), Cost(5, 500)):
        with pytest.raises(Overloaded):
            admission.admit(cost)
    second.release()
    assert admission.refuse_any() is None
    held.release()


def test_admission_refuses_checks_as_large_as_one_that_ran_past_the_timeout() -> None:
    clock = Clock()
    admission = Admission(budget_s=0, clock=clock, timeout_s=1.0)  # never sheds: only the timeout refuses
    admission.admit(Cost(1, 2_000)).release(seconds=1.5)  # ran 1.5 s by itself, past the 1 s timeout
    for cost in (Cost(1, 2_000), Cost(1, 5_000), Cost(3, 2_000)):
        with pytest.raises(TooLarge) as caught:
            admission.admit(cost)
        assert admission.queued == NOTHING and admission.running == 0
    message = str(caught.value)
    assert caught.value.code == "too_large" and "2000 words took 1.5 s" in message
    assert "fewer or shorter emails per batch" in message and "TONECHECK_REQUEST_TIMEOUT_S" in message
    admission.admit(Cost(1, 1_999)).release(seconds=0.8)  # smaller: admitted
    clock.now += SLOW_MEMORY_S + 1  # the memory expires: a host that was only busy recovers
    admission.admit(Cost(1, 2_000)).release(seconds=0.9)
    admission.admit(Cost(1, 2_000)).release()


def test_ticket_abandoned_before_it_ran_gives_its_cost_back_and_never_starts() -> None:
    admission = Admission(budget_s=1.0)
    ticket = admission.admit(Cost(1, 50))
    ticket.abandon()
    assert admission.queued == NOTHING and admission.running == 0
    assert ticket.begin() is False  # the check queue then drops it without running it


def test_ticket_abandoned_while_running_keeps_its_place_and_teaches_the_model() -> None:
    admission = Admission(budget_s=1.0)
    ticket = admission.admit(Cost(1, 50))
    assert ticket.begin()
    ticket.abandon()  # the request timed out; the check cannot be stopped
    assert admission.queued == Cost(1, 50) and admission.running == 1
    before = admission.model.theta.copy()
    ticket.release(seconds=0.5)  # the check ended
    assert admission.queued == NOTHING and admission.running == 0
    assert not np.array_equal(admission.model.theta, before)  # its run time was learned


def test_admission_release_happens_once() -> None:
    admission = Admission(budget_s=1.0)
    ticket = admission.admit(Cost(1, 50))
    ticket.release()
    ticket.release()  # the done-callback and the job's finally may both try
    assert admission.queued == NOTHING and admission.running == 0


def test_admission_cost_counts_emails_and_words() -> None:
    assert words_of("") == 1 and words_of("Thanks, see you Monday!") == 4
    assert cost_of(["Thanks, Sam."] * 10) == Cost(10, 20)
    assert cost_of(["word " * 20]) == Cost(1, 20)


class _HeldEngine:
    """The real engine, but every check waits until the test lets it go."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.release = engine, threading.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def check_many(self, *args: object, **kwargs: object) -> object:
        self.release.wait(timeout=60)
        return self.engine.check_many(*args, **kwargs)


def test_api_overload_sheds_at_once_while_admitted_checks_still_run(rules_engine: Engine) -> None:
    """Fill the queue with held checks; the next one is refused before any of them could finish."""
    held = _HeldEngine(rules_engine)
    settings = Settings(use_classifier=False, shed_after_s=0.8, request_timeout_s=30)
    app = create_app(settings, engine_factory=lambda s: held)  # type: ignore[arg-type, return-value]
    # ~600 words: ~0.27 s at the priors, two queued ~0.54 s
    draft = "Thanks for your note, the refund is on its way. " * 60

    async def scenario() -> tuple[list[httpx.Response], httpx.Response, bool]:
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://test"
        ) as client:
            admitted = [asyncio.create_task(client.post("/v1/check", json={"text": draft})) for _ in range(2)]
            for _ in range(1000):  # both admitted (not shed) within 10 s, or the test fails below
                if app.state.admission.running >= 2:
                    break
                await asyncio.sleep(0.01)
            assert app.state.admission.running == 2, "the two checks ahead were not both admitted"
            shed = await client.post("/v1/check", json={"text": draft * 2})
            still_held = not held.release.is_set()  # the refusal did not wait for any admitted check
            held.release.set()
            return list(await asyncio.gather(*admitted)), shed, still_held

    # Its own thread: a test before this one (Playwright's sync API) may leave a loop running on this one.
    with ThreadPoolExecutor(1) as pool:
        admitted, shed, answered_while_held = pool.submit(asyncio.run, scenario()).result(timeout=120)
    assert answered_while_held
    assert shed.status_code == 503 and shed.json()["error"]["code"] == "overloaded"
    assert int(shed.headers["Retry-After"]) >= 1
    assert [r.status_code for r in admitted] == [200, 200]
    assert app.state.admission.queued == NOTHING  # every ticket came back


def test_api_busy_worker_sheds_a_check_before_reading_its_body(rules_engine: Engine, caplog) -> None:
    """When no check could fit, the gate answers 503 before routing: even a broken body gets `overloaded`."""
    held = _HeldEngine(rules_engine)
    settings = Settings(use_classifier=False, shed_after_s=0.5, request_timeout_s=30,
                        cors_origins=["https://addin.example"])
    app = create_app(settings, engine_factory=lambda s: held)  # type: ignore[arg-type, return-value]
    draft = "Thanks for your note, the refund is on its way. " * 400  # ~1.7 s at the priors: over the budget

    async def scenario() -> tuple[list[httpx.Response], httpx.Response, httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://test"
        ) as client:
            # An idle worker admits even a check over the budget; after it, nothing fits.
            admitted = [asyncio.create_task(client.post("/v1/check", json={"text": draft}))]
            for _ in range(1000):
                if app.state.admission.running >= 1:
                    break
                await asyncio.sleep(0.01)
            assert app.state.admission.refuse_any() is not None, "the held check did not fill the budget"
            broken = await client.post("/v1/check/batch", content=b"{not json",
                                       headers={"Origin": "https://addin.example"})
            health = await client.get("/healthz")
            rules = await client.get("/v1/rules")
            held.release.set()
            return list(await asyncio.gather(*admitted)), broken, health, rules

    with ThreadPoolExecutor(1) as pool, caplog.at_level("INFO", logger="tonecheck.http"):
        admitted, broken, health, rules = pool.submit(asyncio.run, scenario()).result(timeout=120)
    assert broken.status_code == 503 and broken.json()["error"]["code"] == "overloaded"
    assert int(broken.headers["Retry-After"]) >= 1 and broken.headers["X-Request-ID"]
    assert broken.headers["access-control-allow-origin"] == "https://addin.example"
    assert "Retry-After" in broken.headers["access-control-expose-headers"]
    assert any("route=/v1/check/batch status=503" in r.getMessage() for r in caplog.records)
    assert health.status_code == 200 and rules.status_code == 200  # only checks are shed
    assert [r.status_code for r in admitted] == [200]
    assert app.state.admission.queued == NOTHING


class _SlowEngine:
    """The real engine, but every check takes at least `seconds` longer."""

    def __init__(self, engine: Engine, seconds: float) -> None:
        self.engine, self.seconds, self.done = engine, seconds, threading.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def check_many(self, *args: object, **kwargs: object) -> object:
        self.done.clear()
        threading.Event().wait(self.seconds)
        try:
            return self.engine.check_many(*args, **kwargs)
        finally:
            self.done.set()


def test_api_draft_that_timed_out_is_refused_as_too_large_the_next_time(rules_engine: Engine) -> None:
    slow = _SlowEngine(rules_engine, seconds=0.6)
    app = create_app(Settings(use_classifier=False, request_timeout_s=0.3),
                     engine_factory=lambda s: slow)  # type: ignore[arg-type, return-value]
    draft = "Thanks for your note, the refund is on its way. " * 10  # 100 words: ~55 ms at the priors
    with TestClient(app) as client:
        first = client.post("/v1/check", json={"text": draft})
        assert first.status_code == 503 and first.json()["error"]["code"] == "timeout"
        assert slow.done.wait(timeout=60)  # the abandoned check ran to its end in the background
        for _ in range(1000):  # and then gave its cost back, having taught the model its time
            if app.state.admission.running == 0:
                break
            threading.Event().wait(0.01)
        second = client.post("/v1/check", json={"text": draft})
    assert second.status_code == 413 and second.json()["error"]["code"] == "too_large"
    assert app.state.admission.queued == NOTHING


def test_api_metrics_exposes_counts_and_never_text(rules_engine: Engine) -> None:
    app = create_app(Settings(use_classifier=False), engine_factory=lambda s: rules_engine)
    secret = "Zanzibar-quokka-7731"
    with TestClient(app) as client:
        assert client.post("/v1/check", json={"text": f"As I said, {secret} failed."}).status_code == 200
        client.post("/v1/check", json={"txt": secret})
        response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert secret not in text
    assert re.search(r'tonecheck_requests_total\{route="/v1/check",status="200"\} [1-9]', text)
    assert re.search(r'tonecheck_requests_total\{route="/v1/check",status="422"\} [1-9]', text)
    assert 'tonecheck_request_seconds_bucket{le="3.0",route="/v1/check"}' in text
    for name in ("tonecheck_shed_total", "tonecheck_queue_words", "tonecheck_queue_checks",
                 "tonecheck_model_load_seconds"):
        assert name in text
    assert "key" not in re.sub(r"#.*", "", text)  # no per-key label


def test_api_metrics_counts_score_cache_hits_and_misses(engine: Engine) -> None:
    assert engine.classifier is not None
    cached = engine.with_classifier(engine.classifier.with_cache(ScoreCache(64)))
    app = create_app(Settings(), engine_factory=lambda s: cached)
    draft = "Hi Sam,\n\nThe parts arrive on Tuesday. I'll call you when they're in.\n\nBest,\nJo"
    with TestClient(app) as client:
        before = _cache_counts(client.get("/metrics").text)  # the counters are process-wide
        client.post("/v1/check", json={"text": draft})
        first = _cache_counts(client.get("/metrics").text)
        client.post("/v1/check", json={"text": draft})
        second = _cache_counts(client.get("/metrics").text)
    misses = first["miss"] - before["miss"]
    assert misses >= 2 and first["hit"] == before["hit"]  # every sentence judged once
    assert second["hit"] - first["hit"] == misses  # the same draft again: the cache answers every sentence
    assert second["miss"] == first["miss"]


def _cache_counts(text: str) -> dict[str, float]:
    """The exported score-cache counters (0 when not yet exported)."""
    found = re.finditer(r'tonecheck_score_cache_units_total\{result="(\w+)"\} (\S+)', text)
    return {"hit": 0.0, "miss": 0.0} | {m.group(1): float(m.group(2)) for m in found}
