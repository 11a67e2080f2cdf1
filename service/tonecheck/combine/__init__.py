"""Combine: merge rule and model findings on the same sentences, and drop what cleanup ignored."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from tonecheck.cleanup import Cleaned
from tonecheck.combine.messages import MODEL_MESSAGES, REREAD_MESSAGE
from tonecheck.findings import CATEGORIES, Category, Finding, Sensitivity, Severity, Source


@dataclass(frozen=True, slots=True)
class Policy:
    """Thresholds the combination uses; the trained model's manifest supplies them (chosen on dev)."""

    thresholds: dict[Category, float] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0.5))
    calm_veto: float = 0.1  # a contextual rule needs at least this model score for its category
    heat_threshold: float = 0.5
    # Heated at the email level: two units at or above this together read as heated, though neither
    # passes its threshold alone (sustained sarcasm). One warm exclamation never does. None: off.
    heat_pair: float | None = None
    # A unit scored heated at this level or above, under the hold threshold, is shown as a low-severity
    # heated finding: the writer is asked to reread it, and the draft is not held. None: off.
    heat_review: float | None = None
    # Thresholds at `strict` and `relaxed` (the manifest's, chosen on dev); `default` is `thresholds`.
    levels: dict[Sensitivity, dict[Category, float]] = field(default_factory=dict)

    def at(self, chosen: Mapping[Category, Sensitivity]) -> Policy:
        """This policy with each named category's threshold moved to its chosen sensitivity."""
        moved = {c: self.level(c, s) for c, s in chosen.items() if s is not Sensitivity.DEFAULT}
        if not moved:
            return self
        heat = moved.get(Category.HEATED, self.heat_threshold)
        # `relaxed` heat holds only on one clearly heated passage; `strict` keeps the pair rule.
        relaxed = chosen.get(Category.HEATED) is Sensitivity.RELAXED
        pair = None if relaxed else self.heat_pair
        review = None if relaxed else self.heat_review
        return replace(self, thresholds={**self.thresholds, **moved}, heat_threshold=heat, heat_pair=pair,
                       heat_review=review)

    def level(self, category: Category, sensitivity: Sensitivity) -> float:
        """The threshold of `category` at `sensitivity`; halfway to 0 or 1 when the model names none."""
        base = self.thresholds[category]
        if sensitivity is Sensitivity.DEFAULT:
            return base
        fallback = base / 2 if sensitivity is Sensitivity.STRICT else (1 + base) / 2
        return self.levels.get(sensitivity, {}).get(category, fallback)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a sentence range to its first and last non-space characters."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class _Units:
    """The model's units per category, sorted, so a rule finds its unit by bisection (long emails stay linear)."""

    def __init__(self, model: list[Finding]) -> None:
        self.by_category: dict[Category, list[Finding]] = {}
        for m in sorted(model, key=lambda m: m.start):
            self.by_category.setdefault(m.category, []).append(m)
        self.starts = {c: [m.start for m in ms] for c, ms in self.by_category.items()}

    def of(self, f: Finding) -> tuple[int, float]:
        """The start of the unit that holds `f`'s first character, and its score for `f`'s category."""
        i = bisect_right(self.starts.get(f.category, []), f.start) - 1
        if i >= 0 and f.start < (m := self.by_category[f.category][i]).end:
            return m.start, m.score
        return (f.sentence.start if f.sentence else f.start), 0.0


def combine(rules: list[Finding], model: list[Finding], cleaned: Cleaned, policy: Policy) -> list[Finding]:
    """Final findings: rules confirmed or (if contextual) vetoed by the model, plus confident model-only ones.

    `model` holds one finding per judged unit (a sentence, or a fragment with its neighbour) and category
    (its score may be low); an empty list means no classifier ran, and then rule findings stand as they are.
    """
    out: list[Finding] = []
    covered: set[tuple[int, Category]] = set()
    units = _Units(model)
    for f in rules:
        if cleaned.is_ignored(f.start, f.end):
            continue
        unit, agree = units.of(f)
        if model and f.severity is not Severity.HIGH and agree < policy.calm_veto:
            # A contextual rule ("as I mentioned") stands only when the classifier sees some of the
            # same tone in its sentence; strong rules ("per my last email") stand on their own.
            continue
        covered.add((unit, f.category))
        if agree >= policy.thresholds[f.category]:
            f = f.with_(source=Source.BOTH, score=max(f.score, agree),
                        explanation=f"{f.explanation} The classifier agrees (score {agree:.2f}).")
        out.append(f)
    for m in model:
        if m.score >= policy.thresholds[m.category] and (m.start, m.category) not in covered:
            out += _shown(m, cleaned)
    if not any(f.category is Category.HEATED for f in out):
        # Units heated together hold; failing that, units just under the hold threshold ask for a reread.
        out += _heated_together(model, cleaned, policy) or _heated_to_reread(model, cleaned, policy)
    return sorted(out, key=lambda f: (f.start, f.end, f.category.value, f.rule_id))


def _heated_together(model: list[Finding], cleaned: Cleaned, policy: Policy) -> list[Finding]:
    """Heated findings for units that read as heated together: two or more at `heat_pair` or above."""
    if policy.heat_pair is None:
        return []
    found = [f for m in model if m.category is Category.HEATED and m.score >= policy.heat_pair
             for f in _shown(m, cleaned)]
    if len(found) < 2:
        return []
    scores = ", ".join(f"{f.score:.2f}" for f in found)
    return [f.with_(explanation=f"{len(found)} passages read as heated together (classifier scores {scores}); "
                                "none is heated enough alone, but sustained sarcasm or exasperation is.")
            for f in found]


def _heated_to_reread(model: list[Finding], cleaned: Cleaned, policy: Policy) -> list[Finding]:
    """Low-severity heated findings for units between `heat_review` and the hold threshold: shown, never held.

    Most heated blind emails that were not held scored just under the hold threshold, and most of those got
    no finding at all (models/experiments/heat-band-2026-12-05): the writer saw nothing.
    """
    below = policy.thresholds[Category.HEATED]
    if policy.heat_review is None or policy.heat_review >= below:
        return []
    found = [f for m in model if m.category is Category.HEATED and policy.heat_review <= m.score < below
             for f in _shown(m, cleaned)]
    return [f.with_(severity=Severity.LOW, message=REREAD_MESSAGE,
                    explanation=f"The tone classifier scored this sentence {f.score:.2f} for heated: worth a "
                                f"reread, though under the {below:.2f} that holds a draft.")
            for f in found]


def _shown(m: Finding, cleaned: Cleaned) -> list[Finding]:
    """A model unit as the writer sees it: trimmed to its words, with its category's message; none if ignored."""
    start, end = _trim(cleaned.text, m.start, m.end)
    if start == end or cleaned.is_ignored(start, end):
        return []
    message, suggestions = MODEL_MESSAGES[m.category]
    return [m.with_(start=start, end=end, message=message, suggestions=suggestions)]
