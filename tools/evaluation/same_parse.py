"""The parse and rule speed-ups change nothing: tonecheck's parse and vetoes against spaCy's own and the old ones.

    python -m tools.evaluation.same_parse [--sets examples,dev,test,train,scored-blind,bench]

The reference is the pipeline as spaCy ships it (its `attribute_ruler`, thinc's BLIS matrix products)
with the rules vetoed by one matcher over every rule's `unless` patterns, as before 4 Dec. The candidate
is the engine the service builds (`build_engine`: the attribute table, products in torch, a veto
matcher per rule). For every email it compares each token's tag, POS, morphology, lemma, dependency,
head and sentence start, and each rule's findings before overlaps are folded (`every_rule`). Exit 1 if
anything differs. It reads the scored blind sets only, never the unread one.
"""

from __future__ import annotations

import argparse
import sys

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc

from tonecheck.cleanup import clean
from tonecheck.detect.rules.detector import RuleDetector
from tonecheck.detect.rules.loader import load_rules
from tonecheck.engine import build_engine
from tonecheck.parse import parse_many
from tonecheck.settings import Settings
from tools.benchmark.corpus import EMAILS_DIR, load_emails
from tools.training.data import BLIND_DIR, SCORED_BLIND, read_rows, read_split

SETS = ("examples", "dev", "test", "train", "scored-blind", "bench")
BATCH = 64


class OneVetoMatcher(RuleDetector):
    """The rule detector as it was: one matcher over every rule's `unless` patterns, run on every email."""

    def __init__(self, rules: list, nlp: spacy.language.Language) -> None:
        super().__init__(rules, nlp)
        self._every_veto = Matcher(nlp.vocab, validate=True)
        for spec, _, _ in rules:
            if spec.unless:
                self._every_veto.add(spec.id, spec.unless)

    def _vetoes(self, doc: Doc, sent_of: list[int], rule_ids: set[str]) -> set[tuple[str, int]]:
        strings = doc.vocab.strings
        return {(strings[key], sent_of[start]) for key, start, _ in self._every_veto(doc)}


def texts_of(name: str, settings: Settings) -> list[str]:
    """The emails of one set."""
    if name == "examples":
        rules = load_rules([settings.rules_dir])
        return [s for spec, _, _ in rules for s in [*spec.examples.flag, *spec.examples.pass_]]
    if name == "scored-blind":
        return [r.text for set_name in SCORED_BLIND for r in read_rows(BLIND_DIR / f"{set_name}.jsonl")]
    if name == "bench":
        return [e.text for size in load_emails(EMAILS_DIR).values() for e in size]
    return [r.text for r in read_split(name)]


def _tokens(doc: Doc) -> list[tuple]:
    return [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, t.is_sent_start) for t in doc]


def main(argv: list[str] | None = None) -> int:
    """Compare the sets; print one line per set; 1 if any token or finding differs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)}")
    args = parser.parse_args(argv)
    settings = Settings(score_cache_units=0)
    engine = build_engine(settings)
    reference = spacy.load(settings.spacy_model, exclude=["ner"])
    reference.add_pipe("tonecheck_line_breaks", before="parser")
    old_rules = OneVetoMatcher(load_rules([settings.rules_dir]), reference)
    print(f"candidate pipeline {engine.nlp.pipe_names}; reference {reference.pipe_names}")
    differ = False
    for name in args.sets.split(","):
        texts = texts_of(name, settings)
        tokens = bad_tokens = bad_emails = 0
        for i in range(0, len(texts), BATCH):
            cleaned = [clean(t) for t in texts[i : i + BATCH]]
            ours = parse_many(engine.nlp, cleaned, engine.max_sentences)
            theirs = parse_many(reference, cleaned, engine.max_sentences)
            for a, b in zip(ours, theirs, strict=True):
                ta, tb = _tokens(a.doc), _tokens(b.doc)
                tokens += len(ta)
                bad_tokens += sum(x != y for x, y in zip(ta, tb, strict=False)) + abs(len(ta) - len(tb))
                bad_emails += engine.rules.every_rule(a) != old_rules.every_rule(b)
        differ = differ or bad_tokens > 0 or bad_emails > 0
        print(f"{name}: {len(texts)} emails, {tokens} tokens; tokens differing {bad_tokens}, "
              f"emails whose rule findings differ {bad_emails}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
