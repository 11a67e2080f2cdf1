"""Word sets as lexeme flags: the same matches as spaCy's `IN` test, bits shared and never over-spent."""

from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.matcher import Matcher

from tonecheck.detect.rules.loader import load_rules
from tonecheck.detect.rules.wordsets import InSet, WordFlags
from tonecheck.settings import Settings

RULES = load_rules([Settings().rules_dir])
PATTERNS = [p for spec, _, _ in RULES for p in spec.tokens]


def _matches(matcher: Matcher, doc) -> list[tuple[int, int, int]]:
    return sorted(set(matcher(doc)))


def test_flagged_rules_match_as_the_word_sets_do(nlp: Language) -> None:
    flags = WordFlags(nlp.vocab, PATTERNS)
    assert len(flags) >= 40  # the rules' most-tested sets got bits
    plain, flagged = Matcher(nlp.vocab), Matcher(nlp.vocab, validate=False)
    for spec, _, _ in RULES:
        for pattern in spec.tokens:
            plain.add(spec.id, [pattern])
            flagged.add(spec.id, [flags.flagged(pattern)])
    texts = [s for spec, _, _ in RULES for s in (*spec.examples.flag, *spec.examples.pass_)]
    # words the vocab first meets after the flags were set, and other casings of the sets' words
    texts += ["AS I SAID BEFORE, YOU SHOULD HAVE READ IT.", "Per My Last Email, Zqxwv Fhtagn said so.",
              "as i said , you Obviously didn't   read the qwertyuiop manual"]
    hits = 0
    for doc in nlp.pipe(texts):
        assert _matches(flagged, doc) == _matches(plain, doc), doc.text
        hits += bool(plain(doc))
    assert hits > 100


def test_a_flagged_pattern_reads_a_bit_instead_of_the_set(nlp: Language) -> None:
    flags = WordFlags(nlp.vocab, PATTERNS)
    pattern = next(p for p in PATTERNS if isinstance(p[0].get("LOWER"), dict))
    first = flags.flagged(pattern)[0]
    assert "LOWER" not in first and any(isinstance(k, int) and 19 <= k < 64 for k in first)
    assert pattern[0]["LOWER"]["IN"]  # the rule's own pattern is left as it was


def test_detectors_on_one_vocab_share_bits() -> None:
    nlp = spacy.blank("en")
    before = len(nlp.vocab.lex_attr_getters)
    one, two = WordFlags(nlp.vocab, PATTERNS), WordFlags(nlp.vocab, PATTERNS)
    assert len(nlp.vocab.lex_attr_getters) - before == len(one) == len(two)
    assert all(one.flagged(p) == two.flagged(p) for p in PATTERNS)


def test_sets_beyond_the_free_bits_keep_their_in_test() -> None:
    nlp = spacy.blank("en")
    patterns = [[{"LOWER": {"IN": [f"w{i}", f"v{i}"]}}] for i in range(60)]
    flags = WordFlags(nlp.vocab, patterns)
    assert len(flags) == 45  # bits 19-63
    assert sum(isinstance(g, InSet) for g in nlp.vocab.lex_attr_getters.values()) == 45
    kept = [p for p in patterns if flags.flagged(p) == p]
    assert len(kept) == 15
    matcher = Matcher(nlp.vocab, validate=False)
    for i, p in enumerate(patterns):
        matcher.add(f"r{i}", [flags.flagged(p)])
    doc = nlp("W0 and v59 and w30")
    assert {nlp.vocab.strings[k] for k, _, _ in matcher(doc)} == {"r0", "r59", "r30"}
