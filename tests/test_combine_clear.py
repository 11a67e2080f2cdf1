"""Clear rules: the classifier's finding of a category is dropped where the sentence's words rule it out."""

from __future__ import annotations

from dataclasses import replace

from test_combine import S1, S2, B, D, model, rule

from tonecheck.cleanup import clean
from tonecheck.combine.clear import apply_clears
from tonecheck.engine import Engine
from tonecheck.findings import Category, Finding, Source, TextRange
from tonecheck.parse import parse_many


def cue(category: Category = B, sentence: TextRange = S2) -> Finding:
    """A clear rule's cue over `sentence`."""
    return replace(rule(category, rule_id=f"{category.value}.clear_sample", sentence=sentence),
                   source=Source.CLEAR)


def test_combine_clear_drops_the_model_finding_of_its_category_in_its_sentence() -> None:
    found = model(S1, blame=0.9) + model(S2, blame=0.9, defensive=0.9)
    flags, kept = apply_clears([cue(B)], found)
    assert flags == []
    gone = [m for m in found if m not in kept]
    assert [(m.category, m.start) for m in gone] == [(B, S2.start)]  # S1's blame and S2's defensive stay


def test_combine_clear_leaves_rule_findings_standing() -> None:
    flag = rule(B)
    flags, kept = apply_clears([flag, cue(B)], model(S2, blame=0.9))
    assert flags == [flag]
    assert all(m.category is not B for m in kept)


def test_combine_clear_without_cues_changes_nothing() -> None:
    found = model(S2, blame=0.9)
    assert apply_clears([rule(D)], found) == ([rule(D)], found)


def test_combine_clear_end_to_end_never_reports_a_cue(engine: Engine) -> None:
    text = ("Hi Dana,\n\nYou were charged twice because our payment page timed out and retried the payment. "
            "I've refunded the second charge.\n\nBest,\nSam")
    report = engine.check(text)
    assert all(f.source is not Source.CLEAR for f in report.findings)
    assert not any(f.category is Category.BLAME for f in report.findings)
    assert report.verdict.value == "send"
    parsed = parse_many(engine.nlp, [clean(text)], engine.max_sentences)[0]
    cues = [f for f in engine.rules.detect_one(parsed) if f.source is Source.CLEAR]
    assert [f.rule_id for f in cues] == ["blame.clear_we_caused_it"]


def test_combine_clear_keeps_a_rule_in_the_cleared_sentence(engine: Engine) -> None:
    report = engine.check("You failed to send the form, and because of our mistake the reminder never went out.")
    assert "blame.you_failed_to" in {f.rule_id for f in report.findings}
