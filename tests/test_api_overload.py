"""Overload: checks past the wait budget are refused at once (503, Retry-After); /metrics counts without text."""

from __future__ import annotations

import asyncio
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from tonecheck.api import metrics
from tonecheck.api.admission import PER_EMAIL_TOKENS, PRIOR_SECONDS_PER_TOKEN, Admission, Overloaded, cost_of, tokens_of
from tonecheck.api.app import create_app
from tonecheck.engine import Engine
from tonecheck.settings import Settings


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_admission_idle_worker_admits_even_a_big_check() -> None:
    admission = Admission(budget_s=0.1)
    ticket = admission.admit(100_000)  # far past the budget alone, but nothing waits ahead of it
    assert admission.queued_tokens == 100_000
    ticket.release()
    assert admission.queued_tokens == 0 and admission.running == 0


def test_admission_sheds_when_the_queue_would_pass_the_budget() -> None:
    admission = Admission(budget_s=1.0)
    per_second = round(1 / PRIOR_SECONDS_PER_TOKEN)
    held = admission.admit(per_second // 2)  # half a second of work queued
    second = admission.admit(per_second // 4)  # 0.75 s expected: admitted
    shed_before = metrics.SHED._value.get()
    with pytest.raises(Overloaded) as caught:
        admission.admit(per_second // 2)  # 1.25 s expected: refused
    assert caught.value.retry_after == 1 and caught.value.code == "overloaded"
    assert metrics.SHED._value.get() == shed_before + 1
    held.release()
    second.release()
    admission.admit(per_second // 2).release()  # the queue drained: admitted again


def test_admission_budget_zero_never_sheds() -> None:
    admission = Admission(budget_s=0)
    tickets = [admission.admit(1_000_000) for _ in range(5)]
    assert admission.running == 5
    for t in tickets:
        t.release()


def test_admission_learns_the_rate_from_each_check_it_runs() -> None:
    clock = Clock()
    admission = Admission(budget_s=2.0, clock=clock)

    def work(seconds: float):
        def job() -> str:
            clock.now += seconds
            return "done"
        return job

    assert admission.admit(1_000).run(work(2.0)) == "done"  # 2 ms per token observed
    learned = admission.seconds_per_token
    assert learned > PRIOR_SECONDS_PER_TOKEN
    # Under load a check is slower (the event loop takes its share of the GIL): that is the drain rate now.
    waiting = admission.admit(1_000)
    admission.admit(1_000).run(work(4.0))
    assert admission.seconds_per_token > learned
    waiting.release(1.0)
    assert admission.queued_tokens == 0


def test_admission_release_happens_once() -> None:
    admission = Admission(budget_s=1.0)
    ticket = admission.admit(50)
    ticket.release()
    ticket.release()  # the done-callback and the job's finally may both try
    assert admission.queued_tokens == 0 and admission.running == 0


def test_admission_tokens_of_counts_words() -> None:
    assert tokens_of("") == 1 and tokens_of("Thanks, see you Monday!") == 4


def test_admission_cost_counts_each_emails_fixed_part() -> None:
    # Ten two-word emails cost more than one twenty-word email: each check has a floor.
    assert cost_of(["Thanks, Sam."] * 10) == 10 * (2 + PER_EMAIL_TOKENS)
    assert cost_of(["word " * 20]) == 20 + PER_EMAIL_TOKENS < cost_of(["Thanks, Sam."] * 10)


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
    draft = "Thanks for your note, the refund is on its way. " * 60  # ~600 words: ~0.27 s at the prior rate, two queued ~0.54 s

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
    assert app.state.admission.queued_tokens == 0  # every ticket came back


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
    for name in ("tonecheck_shed_total", "tonecheck_queue_tokens", "tonecheck_queue_checks",
                 "tonecheck_model_load_seconds"):
        assert name in text
    assert "key" not in re.sub(r"#.*", "", text)  # no per-key label
