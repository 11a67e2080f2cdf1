"""The attribute table gives every token the same tag, POS, morphology and lemma as spaCy's attribute ruler."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from tonecheck.detect.rules.loader import load_rules
from tonecheck.parse.attributes import AttributeTable
from tonecheck.settings import Settings
from tools.benchmark.corpus import EMAILS_DIR, load_emails

# Shapes the shipped ruler has: tag map, lower-case exceptions with lemmas, a REGEX ("nothin'"), a NOT_IN
# tag with a dependency (auxiliaries), patterns of two tokens, and whitespace tokens.
EDGES = [
    "Nothin' doin', I'm gonna wait.",
    "He's gotta do it and y'all can't stop him.",
    "We ain't sure, but it's been fixed and will be shipped.",
    "LOL!!! ok?? cya",
    "Dear Sam,\n\n  Thanks.\n\n\nBest,\nJo",
    "",
    "   ",
]


@pytest.fixture(scope="module")
def ruler_nlp() -> Language:
    """The shipped pipeline as spaCy builds it, with its own attribute ruler."""
    nlp = spacy.load(Settings().spacy_model, exclude=["ner"])
    nlp.add_pipe("tonecheck_line_breaks", before="parser")
    return nlp


def _attributes(doc: Doc) -> list[tuple]:
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i) for t in doc]


def test_pipeline_uses_the_table_in_the_rulers_place(nlp: Language) -> None:
    assert "tonecheck_attribute_table" in nlp.pipe_names
    assert "attribute_ruler" not in nlp.pipe_names
    assert nlp.pipe_names.index("tonecheck_attribute_table") < nlp.pipe_names.index("lemmatizer")


def test_table_matches_the_ruler_on_emails_rule_examples_and_edge_cases(nlp: Language, ruler_nlp: Language) -> None:
    texts = [e.text for size in load_emails(EMAILS_DIR).values() for e in size] + EDGES
    for spec, _, _ in load_rules([Settings().rules_dir]):
        texts += [*spec.examples.flag, *spec.examples.pass_]
    ours, theirs = list(nlp.pipe(texts)), list(ruler_nlp.pipe(texts))
    assert sum(len(d) for d in ours) > 5000  # the comparison covers real volume, not a handful of tokens
    for text, a, b in zip(texts, ours, theirs, strict=True):
        assert _attributes(a) == _attributes(b), text


def _hand_ruler(patterns: list[dict]) -> tuple[Language, spacy.pipeline.AttributeRuler]:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add_patterns(patterns)
    return nlp, ruler


def _tagged(nlp: Language) -> Doc:
    return Doc(nlp.vocab, words=["we", "were", "told", "nothin'", "."], tags=["PRP", "VBD", "VBN", "NN", "."],
               deps=["nsubjpass", "auxpass", "ROOT", "dobj", "punct"], heads=[2, 2, 2, 2, 2])


def test_table_applies_patterns_in_the_rulers_order_later_ones_win() -> None:
    patterns = [
        {"patterns": [[{"TAG": "VBD"}]], "attrs": {"POS": "VERB", "MORPH": "Tense=Past"}},
        {"patterns": [[{"LOWER": "were", "TAG": "VBD"}]], "attrs": {"POS": "AUX", "LEMMA": "be"}},
        {"patterns": [[{"TAG": {"NOT_IN": ["TO", ""]}, "DEP": {"IN": ["aux", "auxpass"]}}]], "attrs": {"POS": "AUX"}},
        {"patterns": [[{"LOWER": {"REGEX": "^n[ou]thin'$"}}]], "attrs": {"LEMMA": "nothing"}},
        {"patterns": [[{"LOWER": "told"}, {"ORTH": "nothin'"}]], "attrs": {"LEMMA": "tell"}, "index": 0},
        {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN"}},
    ]
    nlp, ruler = _hand_ruler(patterns)
    table = AttributeTable(ruler)
    by_ruler, by_table = ruler(_tagged(nlp)), table(_tagged(nlp))
    assert _attributes(by_table) == _attributes(by_ruler)
    assert [(t.pos_, t.lemma_) for t in by_table][:4] == [("", ""), ("AUX", "be"), ("", "tell"), ("NOUN", "nothing")]
    assert str(by_table[1].morph) == "Tense=Past"


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param([{"LENGTH": 3}], id="attribute-the-table-does-not-read"),
        pytest.param([{"LOWER": "we", "OP": "?"}], id="operator"),
        pytest.param([{"LOWER": {"FUZZY": "were"}}], id="fuzzy"),
    ],
)
def test_a_ruler_with_other_patterns_is_kept(pattern: list[dict]) -> None:
    from tonecheck.parse import use_attribute_table

    nlp, ruler = _hand_ruler([{"patterns": [pattern], "attrs": {"POS": "PRON"}}])
    with pytest.raises(ValueError):
        AttributeTable(ruler)
    use_attribute_table(nlp)
    assert nlp.pipe_names == ["attribute_ruler"]
