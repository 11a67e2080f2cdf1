"""Verdict: send / review / hold, and the hold's minutes and until from an injected clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tonecheck.combine import Policy
from tonecheck.combine.verdict import decide, document_scores
from tonecheck.engine import Engine
from tonecheck.findings import CATEGORIES, Category, Finding, Severity, Source, Verdict

NOW = datetime(2024, 1, 3, 10, 2, 0, tzinfo=UTC)
POLICY = Policy(heat_threshold=0.6)


def finding(category: Category, score: float = 0.75, source: Source = Source.RULE) -> Finding:
    return Finding(category, f"{category.value}.sample", source, Severity.HIGH, score, 0, 4, "m")


def scores(**given: float) -> dict[Category, float]:
    return {c: given.get(c.value, 0.0) for c in CATEGORIES}


@pytest.mark.parametrize(
    ("findings", "doc_scores", "verdict"),
    [
        pytest.param([], scores(), Verdict.SEND, id="nothing-found"),
        pytest.param([], scores(blame=0.4, heated=0.59), Verdict.SEND, id="low-scores-only"),
        pytest.param(
            [finding(Category.TOLD_YOU_SO)], scores(told_you_so=0.75), Verdict.REVIEW, id="told-you-so"
        ),
        pytest.param([finding(Category.BLAME)], scores(blame=0.75), Verdict.REVIEW, id="blame"),
        pytest.param([finding(Category.DEFENSIVE)], scores(defensive=0.75), Verdict.REVIEW, id="defensive"),
        pytest.param([finding(Category.HEATED)], scores(heated=0.75), Verdict.HOLD, id="heated-finding"),
        pytest.param(
            [finding(Category.BLAME), finding(Category.HEATED)],
            scores(blame=0.8, heated=0.9),
            Verdict.HOLD,
            id="heated-outranks-review",
        ),
        pytest.param([], scores(heated=0.6), Verdict.HOLD, id="document-heat-at-threshold"),
        pytest.param(
            [replace(finding(Category.HEATED, 0.5, Source.MODEL), severity=Severity.LOW)],
            scores(heated=0.5),
            Verdict.REVIEW,
            id="a-low-heated-finding-asks-for-a-reread-not-a-hold",
        ),
        pytest.param(
            [finding(Category.BLAME)],
            scores(blame=0.8, heated=0.65),
            Verdict.HOLD,
            id="document-heat-with-other-finding",
        ),
    ],
)
def test_verdict_decide(findings: list[Finding], doc_scores: dict[Category, float], verdict: Verdict) -> None:
    got, hold = decide(findings, doc_scores, POLICY, 30, NOW)
    assert got is verdict
    assert (hold is not None) is (verdict is Verdict.HOLD)


@pytest.mark.parametrize(
    ("minutes", "until"),
    [
        pytest.param(30, datetime(2024, 1, 3, 10, 32, tzinfo=UTC), id="default-30"),
        pytest.param(5, datetime(2024, 1, 3, 10, 7, tzinfo=UTC), id="configured-5"),
        pytest.param(24 * 60, datetime(2024, 1, 4, 10, 2, tzinfo=UTC), id="a-day-crosses-midnight"),
    ],
)
def test_verdict_hold_minutes_and_until(minutes: int, until: datetime) -> None:
    verdict, hold = decide([finding(Category.HEATED, 0.9)], scores(heated=0.9), POLICY, minutes, NOW)
    assert verdict is Verdict.HOLD
    assert hold is not None
    assert (hold.minutes, hold.until) == (minutes, until)
    assert hold.until.tzinfo is UTC
    assert f"Wait {minutes} minutes" in hold.reason
    assert "1 heated passage," in hold.reason and "0.90" in hold.reason


def test_verdict_hold_reason_counts_passages() -> None:
    _, hold = decide([finding(Category.HEATED)] * 2, scores(heated=0.75), POLICY, 30, NOW)
    assert hold is not None and "2 heated passages" in hold.reason


@pytest.mark.parametrize(
    ("findings", "model", "expected"),
    [
        pytest.param([], [], scores(), id="empty"),
        pytest.param([finding(Category.BLAME, 0.75)], [], scores(blame=0.75), id="rule-only"),
        pytest.param(
            [finding(Category.BLAME, 0.75)],
            [finding(Category.BLAME, 0.2, Source.MODEL), finding(Category.HEATED, 0.3, Source.MODEL)],
            scores(blame=0.75, heated=0.3),
            id="max-of-rules-and-model",
        ),
        pytest.param(
            [],
            [finding(Category.DEFENSIVE, 0.4, Source.MODEL), finding(Category.DEFENSIVE, 0.6, Source.MODEL)],
            scores(defensive=0.6),
            id="max-over-sentences",
        ),
    ],
)
def test_verdict_document_scores(findings: list[Finding], model: list[Finding], expected: dict) -> None:
    assert document_scores(findings, model) == expected


@pytest.mark.parametrize(
    ("text", "verdict", "minutes"),
    [
        pytest.param("The replacement ships today.", Verdict.SEND, None, id="send"),
        pytest.param("Per my last email, the form goes to billing.", Verdict.REVIEW, None, id="review"),
        pytest.param("Don't bother writing back!!!", Verdict.HOLD, 45, id="hold"),
    ],
)
def test_verdict_engine_uses_injected_clock_and_hold_minutes(
    rules_engine: Engine, text: str, verdict: Verdict, minutes: int | None
) -> None:
    eng = Engine(
        rules_engine.nlp,
        rules_engine.rules,
        None,
        Policy(),
        rules_engine.versions,
        hold_minutes=45,
        clock=lambda: NOW,
    )
    report = eng.check(text)
    assert report.verdict is verdict
    if minutes is None:
        assert report.hold is None
    else:
        assert report.hold is not None
        assert (report.hold.minutes, report.hold.until) == (45, NOW + timedelta(minutes=45))
