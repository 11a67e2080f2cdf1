"""The measured parse variants (tools/evaluation/parse_variants.py, docs/parse-senter.md) do what they claim.

Where the lazy parse runs the parser, the doc is exactly the full pipeline's; with it, every rule example
gets the same findings as with the parser. The corpus-wide comparison is `python -m tools.evaluation.parse_diff`.
"""

from __future__ import annotations

import pytest
from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, SENT_START, TAG

from tonecheck.cleanup import clean
from tonecheck.detect.rules.detector import RuleDetector
from tonecheck.detect.rules.loader import load_rules
from tonecheck.parse import load_pipeline, parse_many
from tonecheck.settings import Settings
from tools.evaluation.parse_variants import LAZY, load_variant, rule_detector

RULES = load_rules([Settings().rules_dir])
EXAMPLES = sorted({s for spec, _, _ in RULES for s in [*spec.examples.flag, *spec.examples.pass_]})
EMAILS = [
    "Hi Dana,\n\nThanks for the photo. As I said before, the coupon expired on the 1st.\n\nBest,\nSam",
    "Hello,\nthe parcel left today and should arrive on Friday.\nKind regards\nMK",
    "THE OFFICE IS CLOSED ON SUNDAYS AND YOU KNOW IT",
    "We met at 4 a.m. The engineer will come on Friday.",
    "",
    "\n\n",
]
ATTRS = [TAG, POS, MORPH, LEMMA, DEP, HEAD, SENT_START]


class _Always:
    def needs_parse(self, doc) -> bool:
        return True


@pytest.fixture(scope="module")
def full(nlp):
    return nlp


@pytest.fixture(scope="module")
def lazy():
    return load_variant(Settings().spacy_model, "lazy")


def test_parse_variants_lazy_parse_gives_the_full_pipelines_doc(full) -> None:
    lazy = load_variant(Settings().spacy_model, "lazy")
    always = _Always()
    lazy.get_pipe(LAZY).watch(always)
    texts = [clean(t).analysis for t in EXAMPLES + EMAILS]
    for text, a, b in zip(texts, full.pipe(texts), lazy.pipe(texts), strict=True):
        assert (a.to_array(ATTRS) == b.to_array(ATTRS)).all(), text
    assert lazy.get_pipe(LAZY).parsed == len(texts)


def test_parse_variants_lazy_parse_skips_a_calm_email(lazy) -> None:
    detector = rule_detector(RULES, lazy)
    doc = lazy("Hello,\nthe parcel left today and should arrive on Friday.\nKind regards")
    assert not doc.has_annotation("DEP")
    assert detector.every_rule(parse_many(lazy, [clean(doc.text)], 10)[0]) == []


@pytest.mark.parametrize("watch", ["matcher", "words"])
def test_parse_variants_lazy_parse_keeps_every_rule_examples_findings(full, lazy, watch) -> None:
    """Each example alone and all of them as one email: the same findings as the parser's, spans included."""
    on_full, on_lazy = RuleDetector(RULES, full), rule_detector(RULES, lazy, watch)
    texts = [clean(s) for s in [*EXAMPLES, "\n\n".join(EXAMPLES), *EMAILS]]
    for a, b in zip(parse_many(full, texts, 2_000), parse_many(lazy, texts, 2_000), strict=True):
        assert on_full.every_rule(a) == on_lazy.every_rule(b), a.cleaned.analysis[:80]
        assert on_full.detect_one(a) == on_lazy.detect_one(b)


def test_parse_variants_senter_alone_loses_the_dependency_rules() -> None:
    """Why senter alone is not an option: the dependency rules need the parser (docs/parse-senter.md)."""
    senter = load_variant(Settings().spacy_model, "senter")
    detector = rule_detector(RULES, senter)
    [parsed] = parse_many(senter, [clean("Your staff ignored the safety notice.")], 10)
    assert "blame.you_failed_to" not in {f.rule_id for f in detector.every_rule(parsed)}
    last = load_pipeline(Settings().spacy_model).pipe_names[-3:]
    assert last == ["parser", "tonecheck_attribute_table", "lemmatizer"]
