"""Combine: merge rule and model findings on the same sentences, and drop what cleanup ignored."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.cleanup import Cleaned
from service.combine.messages import MODEL_MESSAGES
from service.findings import CATEGORIES, Category, Finding, Severity, Source


@dataclass(frozen=True, slots=True)
class Policy:
    """Thresholds the combination uses; the trained model's manifest supplies them (chosen on dev)."""

    thresholds: dict[Category, float] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0.5))
    calm_veto: float = 0.1  # a contextual rule needs at least this model score for its category
    heat_threshold: float = 0.5


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a sentence range to its first and last non-space characters."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentence_key(f: Finding) -> int:
    return f.sentence.start if f.sentence else f.start


def combine(rules: list[Finding], model: list[Finding], cleaned: Cleaned, policy: Policy) -> list[Finding]:
    """Final findings: rules confirmed or (if contextual) vetoed by the model, plus confident model-only ones.

    `model` holds one finding per judged sentence and category (its score may be low); an empty list
    means no classifier ran, and then rule findings stand as they are.
    """
    scores = {(_sentence_key(m), m.category): m.score for m in model}
    out: list[Finding] = []
    covered: set[tuple[int, Category]] = set()
    for f in rules:
        if cleaned.is_ignored(f.start, f.end):
            continue
        sent = _sentence_key(f)
        agree = scores.get((sent, f.category), 0.0)
        if model and f.severity is not Severity.HIGH and agree < policy.calm_veto:
            # A contextual rule ("as I mentioned") stands only when the classifier sees some of the
            # same tone in its sentence; strong rules ("per my last email") stand on their own.
            continue
        covered.add((sent, f.category))
        if agree >= policy.thresholds[f.category]:
            f = f.with_(source=Source.BOTH, score=max(f.score, agree),
                        explanation=f"{f.explanation} The classifier agrees (score {agree:.2f}).")
        out.append(f)
    for m in model:
        sent = _sentence_key(m)
        if m.score < policy.thresholds[m.category] or (sent, m.category) in covered:
            continue
        start, end = _trim(cleaned.text, m.start, m.end)
        if start == end or cleaned.is_ignored(start, end):
            continue
        message, suggestions = MODEL_MESSAGES[m.category]
        out.append(m.with_(start=start, end=end, message=message, suggestions=suggestions))
    return sorted(out, key=lambda f: (f.start, f.end, f.category.value, f.rule_id))
