"""Anchored matchers: a pattern runs only on a doc holding the words it needs, with the same matches."""

from __future__ import annotations

import pytest
from spacy.attrs import LEMMA, LOWER, ORTH
from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher
from spacy.strings import get_string_id

from tonecheck.detect.rules import anchors
from tonecheck.detect.rules.anchors import AnchoredMatchers, longest, pattern_needs, token_needs
from tonecheck.detect.rules.loader import load_rules
from tonecheck.settings import Settings

RULES = load_rules([Settings().rules_dir])


def _ids(*words: str) -> frozenset[int]:
    return frozenset(get_string_id(w) for w in words)


@pytest.mark.parametrize(("op", "needed"), [
    (None, True), ("+", True), ("{2}", True), ("{1,3}", True), ("{2,}", True),
    ("?", False), ("*", False), ("!", False), ("{0,2}", False), ("{,2}", False),
])
def test_only_tokens_that_must_be_present_need_words(op: str | None, needed: bool) -> None:
    token = {"LOWER": "late"} if op is None else {"LOWER": "late", "OP": op}
    assert bool(token_needs(token)) is needed


def test_needs_read_words_and_word_sets_on_word_attributes_only() -> None:
    token = {"LOWER": {"IN": ["you", "your"]}, "TEXT": "You", "lemma": "be", "TAG": "PRP",
             "NORM": {"REGEX": "^y"}, "ORTH": {"NOT_IN": ["x"]}}
    assert sorted(token_needs(token)) == sorted([(LOWER, _ids("you", "your")), (ORTH, _ids("You")),
                                                 (LEMMA, _ids("be"))])


def test_a_pattern_needs_what_each_of_its_tokens_needs_once() -> None:
    pattern = [{"LOWER": "as"}, {"LOWER": "i", "OP": "?"}, {"LOWER": "as"}, {"TAG": "VBD"}]
    assert pattern_needs(pattern) == ((LOWER, _ids("as")),)


class _Counting:
    """A Matcher that counts the docs it ran on."""

    def __init__(self, nlp: Language) -> None:
        self.matcher, self.calls = Matcher(nlp.vocab, validate=True), 0

    def add(self, key: str, patterns: list) -> None:
        self.matcher.add(key, patterns)

    def __call__(self, doc):
        self.calls += 1
        return self.matcher(doc)


def test_a_pattern_whose_word_is_missing_does_not_run(nlp: Language) -> None:
    made: list[_Counting] = []

    def make() -> _Counting:
        made.append(_Counting(nlp))
        return made[-1]

    anchored = AnchoredMatchers(make)
    anchored.add("r.said", [{"LOWER": "as"}, {"LOWER": "i"}, {"LOWER": "said"}], [])
    anchored.add("r.said", [{"LOWER": "as"}, {"LOWER": "i"}, {"LOWER": "said"}],
                 [{"LOWER": "as"}, {"LOWER": "i"}, {"LOWER": "said"}])
    anchored.add("r.any", [{"IS_PUNCT": True, "OP": "+"}], [{"IS_PUNCT": True, "OP": "+"}])
    assert len(made) == 2  # patterns with the same needs share one matcher
    calm = nlp("Thanks, the refund is on its way.")
    assert [m[0] for m in anchored(calm)] and made[1].calls == 0  # "said" absent: its matcher never ran
    pointed = nlp("As I said, the refund is on its way.")
    found = {(nlp.vocab.strings[k], s, e) for k, s, e in anchored(pointed)}
    assert ("r.said", 0, 3) in found and made[1].calls == 1


def _texts() -> list[str]:
    """Every rule example, each rule's flag examples run together, and a few calm and mixed emails."""
    texts = [s for spec, _, _ in RULES for s in (*spec.examples.flag, *spec.examples.pass_)]
    texts += [" ".join(spec.examples.flag) for spec, _, _ in RULES]
    texts += ["", "Hi Sam,\n\nThanks for the photos. The replacement ships today.\n\nBest,\nAna",
              "AS I SAID BEFORE, YOU SHOULD HAVE READ THE MANUAL!!! Per my last email, it was your job.",
              "Sorry: we missed it. You were right, and your team did nothing wrong."]
    return texts


def test_anchored_matches_equal_one_matcher_over_every_pattern(nlp: Language) -> None:
    tokens, anchored_tokens = Matcher(nlp.vocab), AnchoredMatchers(lambda: Matcher(nlp.vocab))
    deps, anchored_deps = DependencyMatcher(nlp.vocab), AnchoredMatchers(lambda: DependencyMatcher(nlp.vocab))
    for spec, _, _ in RULES:
        for pattern in spec.tokens:
            tokens.add(spec.id, [pattern])
            anchored_tokens.add(spec.id, pattern, pattern)
        for pattern in spec.dependency:
            deps.add(spec.id, [pattern])
            anchored_deps.add(spec.id, pattern, [node["RIGHT_ATTRS"] for node in pattern])
    checked = 0
    for doc in nlp.pipe(_texts()):
        assert sorted(set(anchored_tokens(doc))) == sorted(set(tokens(doc))), doc.text
        assert sorted((k, tuple(ids)) for k, ids in anchored_deps(doc)) == \
            sorted((k, tuple(ids)) for k, ids in deps(doc)), doc.text
        checked += len(doc) > 0
    assert checked > 300 and tokens(nlp("As I said, you should have read it."))  # the texts are real and matching


@pytest.mark.parametrize(("ops", "most"), [
    ([None, None], 2), ([None, "?", "!"], 3), (["{2}", None], 3), (["{1,3}"], 3), (["{,2}", None], 3),
    ([None, "*"], None), (["+"], None), (["{2,}"], None), ([], 0),
])
def test_a_patterns_longest_match_counts_every_token_it_may_cover(ops: list, most: int | None) -> None:
    pattern = [{"LOWER": "x"} if op is None else {"LOWER": "x", "OP": op} for op in ops]
    assert longest(pattern) == most


def test_windows_hold_every_match_through_a_hit_and_do_not_overlap() -> None:
    assert anchors._windows([10, 12, 40], 3, 100) == [(8, 15), (38, 43)]
    assert anchors._windows([0, 99], 5, 100) == [(0, 5), (95, 100)]  # clipped to the doc


def _long_texts() -> list[str]:
    """Long emails: every rule's examples run together, 25, 60 or 120 sentences each."""
    sentences = [s for spec, _, _ in RULES for s in (*spec.examples.flag, *spec.examples.pass_)]
    return [" ".join(sentences[i:i + n]) for n in (25, 60, 120) for i in range(0, len(sentences), n)]


@pytest.mark.parametrize("window_tokens", [0, anchors.WINDOW_TOKENS])
def test_windowed_token_matches_equal_one_matcher_over_every_pattern(nlp: Language, monkeypatch,
                                                                    window_tokens: int) -> None:
    monkeypatch.setattr(anchors, "WINDOW_TOKENS", window_tokens)  # 0: every doc runs in windows
    tokens, windowed = Matcher(nlp.vocab), AnchoredMatchers(lambda: Matcher(nlp.vocab), windows=True)
    for spec, _, _ in RULES:
        for pattern in spec.tokens:
            tokens.add(spec.id, [pattern])
            windowed.add(spec.id, pattern, pattern)
    long_docs = 0
    for doc in nlp.pipe(_texts() + _long_texts()):
        assert sorted(set(windowed(doc))) == sorted(set(tokens(doc))), doc.text[:200]
        long_docs += len(doc) >= anchors.WINDOW_TOKENS
    assert long_docs >= 10
