"""Verdict: send, review or hold, and the hold advice for a heated draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tonecheck.combine import Policy
from tonecheck.findings import CATEGORIES, Category, Finding, Severity, Verdict


@dataclass(frozen=True, slots=True)
class Hold:
    """The advice to wait before sending, and until when."""

    minutes: int
    until: datetime
    reason: str


def document_scores(findings: list[Finding], model: list[Finding]) -> dict[Category, float]:
    """Per-category document score: the highest score any sentence got, from rules or model."""
    scores = dict.fromkeys(CATEGORIES, 0.0)
    for f in [*findings, *model]:
        scores[f.category] = max(scores[f.category], f.score)
    return scores


def decide(
    findings: list[Finding], scores: dict[Category, float], policy: Policy, minutes: int, now: datetime
) -> tuple[Verdict, Hold | None]:
    """`hold` when the draft is heated, `review` when anything else was found, else `send`."""
    # A low-severity heated finding asks for a reread; only medium and high ones hold.
    heated = [f for f in findings if f.category is Category.HEATED and f.severity is not Severity.LOW]
    if heated or scores[Category.HEATED] >= policy.heat_threshold:
        reason = (
            f"The draft reads as heated ({len(heated)} heated passage{'s' if len(heated) != 1 else ''}, "
            f"heat score {scores[Category.HEATED]:.2f}). Wait {minutes} minutes, reread it, and work out "
            "what the customer actually needs before sending."
        )
        return Verdict.HOLD, Hold(minutes, now + timedelta(minutes=minutes), reason)
    if findings:
        return Verdict.REVIEW, None
    return Verdict.SEND, None
