"""Combine: rule findings weighed against the classifier's sentence scores, with hand-made findings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tonecheck.cleanup import Cleaned
from tonecheck.combine import Policy, combine
from tonecheck.combine.messages import MODEL_MESSAGES
from tonecheck.findings import (
    CATEGORIES,
    Category,
    Finding,
    IgnoredKind,
    IgnoredRange,
    Sensitivity,
    Severity,
    Source,
    TextRange,
)

B, T, D, H = Category.BLAME, Category.TOLD_YOU_SO, Category.DEFENSIVE, Category.HEATED
TEXT = "Thanks for writing.  You failed to attach the form.  \n> Quoted: your fault.\n"
S1 = TextRange(0, 19)  # "Thanks for writing."
S2 = TextRange(19, 54)  # "  You failed to attach the form.  \n": a sentence as spaCy hands it, spaces and all
S3 = TextRange(54, 76)  # the quoted line, masked by cleanup
QUOTE = IgnoredRange(54, 76, IgnoredKind.QUOTE)
CLEANED = Cleaned(TEXT, TEXT[:54] + " " * 21 + "\n", (QUOTE,), False)
POLICY = Policy(thresholds={B: 0.5, T: 0.6, D: 0.5, H: 0.7}, calm_veto=0.1, heat_threshold=0.7)


def rule(
    category: Category = B,
    severity: Severity = Severity.MEDIUM,
    start: int = 21,
    end: int = 50,
    sentence: TextRange = S2,
    rule_id: str = "blame.you_failed_to",
) -> Finding:
    return Finding(
        category,
        rule_id,
        Source.RULE,
        severity,
        0.75,
        start,
        end,
        "rule message",
        ("rule suggestion",),
        "Rule matched.",
        sentence,
    )


def model(sentence: TextRange, **scores: float) -> list[Finding]:
    """The classifier's output for one sentence: one finding per category (unlisted ones score 0.01)."""
    return [
        Finding(
            c,
            f"model.{c.value}",
            Source.MODEL,
            Severity.MEDIUM,
            scores.get(c.value, 0.01),
            sentence.start,
            sentence.end,
            "",
            (),
            f"scored {c.value}",
            sentence,
        )
        for c in CATEGORIES
    ]


def test_combine_without_classifier_rules_stand() -> None:
    f = rule()
    assert combine([f], [], CLEANED, POLICY) == [f]


@pytest.mark.parametrize(
    ("severity", "scores", "kept"),
    [
        pytest.param(Severity.MEDIUM, {}, False, id="medium-vetoed-when-model-confidently-calm"),
        pytest.param(Severity.LOW, {"heated": 0.09}, False, id="low-vetoed-just-below-calm-veto"),
        pytest.param(Severity.HIGH, {}, True, id="high-stands-when-model-calm"),
        pytest.param(
            Severity.MEDIUM, {"defensive": 0.9}, False, id="medium-vetoed-when-only-another-category-scores"
        ),
        pytest.param(
            Severity.MEDIUM, {"blame": 0.1}, True, id="medium-stands-when-its-category-reaches-veto"
        ),
        pytest.param(Severity.LOW, {"blame": 0.09}, False, id="low-vetoed-its-category-below-veto"),
        pytest.param(Severity.MEDIUM, {"blame": 0.3}, True, id="medium-stands-when-model-unsure"),
    ],
)
def test_combine_contextual_rules_need_the_models_same_category_support(
    severity: Severity, scores: dict[str, float], kept: bool
) -> None:
    f = rule(severity=severity)
    out = combine([f], model(S1, blame=0.9) + model(S2, **scores), CLEANED, POLICY)
    rule_findings = [g for g in out if g.source is not Source.MODEL]
    assert (len(rule_findings) == 1) is kept
    if kept:
        assert rule_findings[0].source is Source.RULE and rule_findings[0].score == f.score


def test_combine_veto_is_per_sentence() -> None:
    # The model sees blame in sentence 1 but not in sentence 2: only sentence 2's rule goes.
    early = rule(start=0, end=6, sentence=S1, rule_id="blame.other")
    late = rule()
    out = combine([early, late], model(S1, blame=0.4) + model(S2, defensive=0.4), CLEANED, POLICY)
    assert [f.rule_id for f in out] == ["blame.other"]


@pytest.mark.parametrize(
    ("category", "agree", "source", "score"),
    [
        pytest.param(B, 0.5, Source.BOTH, 0.75, id="at-threshold-agrees-rule-score-kept"),
        pytest.param(B, 0.93, Source.BOTH, 0.93, id="higher-model-score-taken"),
        pytest.param(B, 0.49, Source.RULE, 0.75, id="below-threshold-rule-alone"),
        pytest.param(T, 0.55, Source.RULE, 0.75, id="per-category-threshold"),
        pytest.param(T, 0.6, Source.BOTH, 0.75, id="per-category-threshold-met"),
    ],
)
def test_combine_source_both_when_model_agrees(
    category: Category, agree: float, source: Source, score: float
) -> None:
    f = rule(category=category, rule_id=f"{category.value}.sample")
    [out] = combine([f], model(S2, **{category.value: agree}), CLEANED, POLICY)
    assert (out.source, out.score) == (source, pytest.approx(score))
    assert (out.start, out.end, out.message, out.suggestions) == (f.start, f.end, f.message, f.suggestions)
    if source is Source.BOTH:
        assert "classifier agrees" in out.explanation and f"{agree:.2f}" in out.explanation


def test_combine_model_only_finding_above_threshold_has_trimmed_sentence_span() -> None:
    [out] = combine([], model(S2, defensive=0.8), CLEANED, POLICY)
    assert out.source is Source.MODEL and out.category is D and out.rule_id == "model.defensive"
    assert TEXT[out.start : out.end] == "You failed to attach the form."
    assert (out.start, out.end) == (21, 51)
    assert (out.message, out.suggestions) == MODEL_MESSAGES[D]
    assert out.score == 0.8


@pytest.mark.parametrize(
    ("scores", "categories"),
    [
        pytest.param({"heated": 0.69}, [], id="below-its-threshold"),
        pytest.param({"heated": 0.7}, [H], id="at-its-threshold"),
        pytest.param({"told_you_so": 0.59, "blame": 0.5}, [B], id="each-category-its-own-threshold"),
        pytest.param({"blame": 0.6, "defensive": 0.9}, [B, D], id="two-categories-one-sentence"),
    ],
)
def test_combine_model_only_thresholds(scores: dict[str, float], categories: list[Category]) -> None:
    out = combine([], model(S2, **scores), CLEANED, POLICY)
    assert sorted(f.category for f in out) == sorted(categories)


def test_combine_model_does_not_repeat_a_rule_finding_of_its_category() -> None:
    out = combine([rule()], model(S2, blame=0.95, heated=0.8), CLEANED, POLICY)
    assert [(f.category, f.source) for f in out] == [(B, Source.BOTH), (H, Source.MODEL)]


def test_combine_confidently_calm_sentence_gives_nothing() -> None:
    assert combine([rule()], model(S2), CLEANED, POLICY) == []


@pytest.mark.parametrize(
    ("start", "end"),
    [pytest.param(56, 66, id="inside"), pytest.param(50, 58, id="touching")],
)
def test_combine_rule_findings_in_ignored_ranges_dropped(start: int, end: int) -> None:
    f = rule(start=start, end=end, sentence=S3)
    assert combine([f], [], CLEANED, POLICY) == []


def test_combine_model_findings_in_ignored_ranges_dropped() -> None:
    assert combine([], model(S3, heated=0.99, blame=0.99), CLEANED, POLICY) == []


def test_combine_blank_sentence_gives_no_model_finding() -> None:
    blank = Cleaned("     ", "     ", (), False)
    assert combine([], model(TextRange(0, 5), heated=0.99), blank, POLICY) == []


def test_combine_output_sorted_by_position() -> None:
    late = rule()
    early = rule(category=D, start=0, end=6, sentence=S1, rule_id="defensive.sample", severity=Severity.HIGH)
    out = combine([late, early], [], CLEANED, POLICY)
    assert [f.rule_id for f in out] == ["defensive.sample", "blame.you_failed_to"]


def test_combine_default_policy() -> None:
    policy = Policy()
    assert policy.thresholds == dict.fromkeys(CATEGORIES, 0.5)
    assert (policy.calm_veto, policy.heat_threshold) == (0.1, 0.5)


PAIRED = Policy(thresholds=POLICY.thresholds, calm_veto=0.1, heat_threshold=0.7, heat_pair=0.5)


@pytest.mark.parametrize(
    ("first", "second", "held"),
    [
        pytest.param(0.55, 0.6, True, id="two-units-at-the-pair-level-read-heated-together"),
        pytest.param(0.65, 0.45, False, id="one-unit-alone-is-not-enough"),
        pytest.param(0.0, 0.69, False, id="one-warm-exclamation-never-holds"),
    ],
)
def test_combine_heated_together(first: float, second: float, held: bool) -> None:
    out = combine([], model(S1, heated=first) + model(S2, heated=second), CLEANED, PAIRED)
    heated = [f for f in out if f.category is H]
    assert bool(heated) is held
    if held:
        assert [TEXT[f.start : f.end] for f in heated] == ["Thanks for writing.", "You failed to attach the form."]
        assert all("together" in f.explanation and f.source is Source.MODEL for f in heated)


def test_combine_heated_together_is_off_without_a_pair_level_and_at_relaxed() -> None:
    found = model(S1, heated=0.6) + model(S2, heated=0.6)
    assert combine([], found, CLEANED, POLICY) == []
    assert combine([], found, CLEANED, PAIRED.at({H: Sensitivity.RELAXED})) == []
    # `strict` keeps the pair rule: with strict heat still above both units, they hold together.
    strict = replace(PAIRED, levels={Sensitivity.STRICT: {H: 0.65}}).at({H: Sensitivity.STRICT})
    together = combine([], found, CLEANED, strict)
    assert len(together) == 2 and all("together" in f.explanation for f in together)


def test_combine_heated_together_skips_ignored_text() -> None:
    # The quoted line is masked by cleanup: a furious quote is never one of the pair.
    assert combine([], model(S2, heated=0.6) + model(S3, heated=0.9), CLEANED, PAIRED) == []


REREAD = replace(PAIRED, heat_review=0.4)


@pytest.mark.parametrize(
    ("score", "shown"),
    [
        pytest.param(0.39, False, id="under-the-reread-level-nothing"),
        pytest.param(0.4, True, id="at-the-reread-level-a-low-finding"),
        pytest.param(0.69, True, id="just-under-the-hold-threshold-a-low-finding"),
    ],
)
def test_combine_shows_a_heated_unit_under_the_hold_threshold_as_a_low_finding(score: float, shown: bool) -> None:
    out = combine([], model(S1, heated=score), CLEANED, REREAD)
    assert bool(out) is shown
    if shown:
        (f,) = out
        assert (f.category, f.severity, TEXT[f.start : f.end]) == (H, Severity.LOW, "Thanks for writing.")
        assert "not heated enough to hold" in f.message and f"{score:.2f}" in f.explanation


def test_combine_reread_gives_way_to_a_heated_finding_that_holds() -> None:
    # At the threshold the unit is an ordinary heated finding; two units at the pair level hold together.
    (alone,) = combine([], model(S1, heated=0.7), CLEANED, REREAD)
    assert alone.severity is Severity.MEDIUM
    pair = combine([], model(S1, heated=0.55) + model(S2, heated=0.6), CLEANED, REREAD)
    assert [f.severity for f in pair] == [Severity.MEDIUM, Severity.MEDIUM]
    # A heated rule finding holds the draft, so the lower units are not added beside it.
    shouted = rule(category=H, severity=Severity.HIGH, start=0, end=6, sentence=S1, rule_id="heated.shouting")
    assert [f.rule_id for f in combine([shouted], model(S2, heated=0.5), CLEANED, REREAD)] == ["heated.shouting"]


def test_combine_reread_is_off_at_relaxed_heat_without_a_level_and_in_ignored_text() -> None:
    found = model(S1, heated=0.5)
    assert combine([], found, CLEANED, REREAD.at({H: Sensitivity.RELAXED})) == []
    assert combine([], found, CLEANED, PAIRED) == []
    assert combine([], model(S3, heated=0.6), CLEANED, REREAD) == []  # the quoted customer's fury
    # At `strict` the heated threshold itself is under the level: the unit is an ordinary finding.
    strict = replace(REREAD, levels={Sensitivity.STRICT: {H: 0.3}}).at({H: Sensitivity.STRICT})
    assert [f.severity for f in combine([], found, CLEANED, strict)] == [Severity.MEDIUM]
