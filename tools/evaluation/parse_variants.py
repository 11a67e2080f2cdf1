"""Cheaper parses than the shipped one, for measuring only: senter alone, and senter with a lazy parser.

The service loads `tonecheck.parse.load_pipeline` (the dependency parser on every email). These variants
are what docs/parse-senter.md measured with `tools.evaluation.parse_time` and `tools.evaluation.parse_diff`:

- "senter": the package's sentence recognizer instead of the parser. No dependencies, so the dependency
  rules never match and `extend: subtree` keeps the bare match.
- "lazy": senter on every email, then the parser on the emails where some rule could match. Such a doc is
  put back as it was after the tagger and run through the line breaks, the parser, the attribute ruler
  and the lemmatizer, which gives exactly the full pipeline's doc (the parser reads the tok2vec output
  from `doc.tensor`; the attribute ruler's part of speech and morphology read the dependencies; the
  lemmas read the part of speech). Which emails: `Watcher.needs_parse`.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator

import numpy
import spacy
from spacy.attrs import LEMMA, MORPH, POS, SENT_START
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.util import minibatch

from tonecheck.detect.rules.builtins import shouted
from tonecheck.detect.rules.detector import RuleDetector
from tonecheck.detect.rules.schema import RuleSpec
from tonecheck.parse import line_breaks

PARSES = ("parser", "senter", "lazy")
LAZY = "tonecheck_lazy_parse"
_REDONE = [SENT_START, POS, MORPH, LEMMA]


class LazyParse:
    """The dependency parse, run only on the docs that a watcher says need it (see the module doc)."""

    def __init__(self, nlp: Language) -> None:
        self.parser = nlp.get_pipe("parser")  # disabled in `nlp`: only this component runs it
        # What sets POS, morphology and lemmas after the parse: tonecheck's table in spaCy's ruler's place.
        table = "tonecheck_attribute_table"
        attributes = table if table in nlp.component_names else "attribute_ruler"
        self.after = [nlp.get_pipe(attributes), nlp.get_pipe("lemmatizer")]
        self._watchers: weakref.WeakSet = weakref.WeakSet()
        self.parsed = 0  # docs this component ran the parser on

    def watch(self, watcher: Watcher) -> None:
        """Parse the docs that `watcher.needs_parse` asks for, as long as `watcher` lives."""
        self._watchers.add(watcher)

    def __call__(self, doc: Doc) -> Doc:
        """One doc, as `pipe` does a batch."""
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        """The docs in order, the parser run on those a watcher asks for, a batch at a time."""
        for batch in minibatch(docs, size=batch_size):
            need = [d for d in batch if any(w.needs_parse(d) for w in list(self._watchers))]
            if need:
                self.parse(need)
            yield from batch

    def parse(self, docs: list[Doc]) -> None:
        """Replace the cheap parse of `docs` by the full pipeline's, in place."""
        for doc in docs:
            if len(doc):
                doc.from_array(_REDONE, numpy.zeros((len(doc), len(_REDONE)), dtype="uint64"))
                line_breaks(doc)
        for proc in (self.parser, *self.after):
            for _ in proc.pipe(docs):
                pass
        self.parsed += len(docs)


@Language.factory(LAZY)
def _lazy_parse(nlp: Language, name: str) -> LazyParse:
    return LazyParse(nlp)


def load_variant(name: str, parse: str) -> Language:
    """The spaCy pipeline `name` with the line-break sentence starts and the parse `parse` (PARSES)."""
    if parse not in PARSES:
        raise ValueError(f"parse must be one of {PARSES}, not {parse!r}")
    nlp = spacy.load(name, exclude=["ner", "parser"] if parse == "senter" else ["ner"])
    if parse == "parser":
        nlp.add_pipe("tonecheck_line_breaks", before="parser")
        return nlp
    nlp.enable_pipe("senter")  # the package ships it disabled
    nlp.add_pipe("tonecheck_line_breaks", before="senter")
    if parse == "lazy":
        nlp.add_pipe(LAZY, last=True)
        nlp.disable_pipe("parser")
    return nlp


class _DepsIfParsed:
    """The detector's DependencyMatcher, skipped on a doc without dependencies (spaCy would raise)."""

    def __init__(self, matcher) -> None:
        self.matcher = matcher

    def __call__(self, doc: Doc):
        return self.matcher(doc) if doc.has_annotation("DEP") else []


def rule_detector(rules: list[tuple[RuleSpec, str, int]], nlp: Language, watch: str = "matcher") -> RuleDetector:
    """The service's RuleDetector on a variant pipeline; on "lazy" a `Watcher(mode=watch)` asks for the parse."""
    detector = RuleDetector(rules, nlp)
    detector._deps = _DepsIfParsed(detector._deps)  # noqa: SLF001 - measuring, not shipping
    if LAZY in nlp.pipe_names:
        watcher = Watcher(rules, nlp, watch)
        detector._lazy_watcher = watcher  # noqa: SLF001 - the pipeline holds it weakly: the detector keeps it
        nlp.get_pipe(LAZY).watch(watcher)
    return detector


def _loose(pattern: list[dict]) -> list[list[dict]]:
    """Token patterns that match wherever `pattern` could match on the full parse, read on senter's.

    Sentence starts differ between senter and the parser, so `IS_SENT_START` is dropped; a few lemmas
    differ too (the part of speech, hence the lemma, depends on the dependencies; where they differed on
    the corpus the parser's lemma was the word itself), so a `LEMMA` test also passes on `LOWER`.
    """
    out: list[list[dict]] = [[]]
    for token in pattern:
        token = {k: v for k, v in token.items() if k != "IS_SENT_START"}
        forms = [token]
        if "LEMMA" in token:
            forms.append({("LOWER" if k == "LEMMA" else k): v for k, v in token.items()})
        out = [p + [f] for p in out for f in forms]
    return out


def _words(pattern: list[dict]) -> tuple[frozenset[str], ...]:
    """Words a doc must hold somewhere for `pattern` to match: one set per LOWER/ORTH/LEMMA test of a token
    the pattern cannot skip (other tests left out, so looser than the pattern)."""
    out = []
    for token in pattern:
        if token.get("OP", "+") != "+":
            continue
        for attr in ("LOWER", "ORTH", "LEMMA"):
            value = token.get(attr)
            if isinstance(value, dict) and "IN" in value:
                out.append(frozenset(str(v) for v in value["IN"]))
            elif value is not None and not isinstance(value, dict):
                out.append(frozenset([str(value)]))
    return tuple(out)


class Watcher:
    """Tells, from senter's parse, whether any rule could match a doc on the full parse.

    The test is on the whole doc, so that no sentence boundary of senter's hides a match: phrases; token
    patterns without sentence starts (`_loose`); every node of a dependency pattern somewhere, relations
    aside; regexes on the whole text; the shouting built-in's capitalised words anywhere. When none could,
    no rule matches either way and senter's parse is enough.

    `mode="matcher"` runs those patterns with a second spaCy Matcher (~5 ms an email of 140 words);
    `mode="words"` only asks whether the doc holds each pattern's words, in any order (~0.2 ms, but most
    whole emails pass it).
    """

    def __init__(self, rules: list[tuple[RuleSpec, str, int]], nlp: Language, mode: str = "matcher") -> None:
        self.mode = mode
        self.specs = [spec for spec, _, _ in rules]
        self.detector = RuleDetector(rules, nlp)  # for its phrase matcher and regexes
        self.matcher = Matcher(nlp.vocab)
        self.dep_nodes: dict[str, int] = {}
        self.words: list[tuple[frozenset[str], ...]] = []
        for spec in self.specs:
            for i, pattern in enumerate(spec.tokens):
                self.matcher.add(f"{spec.id}#t{i}", _loose(pattern))
                self.words.append(_words(pattern))
            for i, pattern in enumerate(spec.dependency):
                self.dep_nodes[f"{spec.id}#d{i}"] = len(pattern)
                for n, node in enumerate(pattern):
                    attrs = {k: v for k, v in node["RIGHT_ATTRS"].items() if k != "DEP"}
                    self.matcher.add(f"{spec.id}#d{i}#{n}", _loose([attrs]))
                self.words.append(_words([node["RIGHT_ATTRS"] for node in pattern]))

    def _patterns(self, doc: Doc) -> bool:
        if self.mode == "words":
            words = {t.text for t in doc} | {t.lower_ for t in doc} | {t.lemma_ for t in doc}
            return any(all(not w.isdisjoint(words) for w in needs) for needs in self.words)
        strings = doc.vocab.strings
        nodes: set[str] = set()
        for key, _, _ in self.matcher(doc):
            name = strings[key]
            if "#t" in name:
                return True
            nodes.add(name)
        return any(all(f"{key}#{n}" in nodes for n in range(size)) for key, size in self.dep_nodes.items())

    def needs_parse(self, doc: Doc) -> bool:
        """Whether any rule could match `doc` on the full parse."""
        if self.detector.surface_hits(doc) or self._patterns(doc):
            return True
        return any(s.builtin == "shouting" for s in self.specs) and sum(1 for t in doc if shouted(t.text)) >= 2
