"""Parse once: the spaCy pipeline every detector reads, and the sentences worth judging."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

import tonecheck.parse.attributes  # noqa: F401  (registers the tonecheck_attribute_table factory)
from tonecheck.cleanup import Cleaned

# The rules need tags, lemmas and dependencies; entities are never read, so NER is not loaded.
_EXCLUDE = ["ner"]


@Language.component("tonecheck_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break: email lines are units (greetings, list items)."""
    if len(doc) < 2:
        return doc
    # One array write instead of `token.is_sent_start = True`, whose setter rescans the whole Doc
    # each time: that made 50,000 short lines take minutes.
    starts = doc.to_array([SENT_START])
    changed = False
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if "\n" in prev.text_with_ws and not token.is_space:
            starts[token.i] = 1
            changed = True
    if changed:
        doc.from_array([SENT_START], starts)
    return doc


@dataclass(frozen=True, slots=True)
class Parsed:
    """One email's cleaned text, its `Doc`, and the sentences that hold the writer's words."""

    cleaned: Cleaned
    doc: Doc
    sentences: tuple[Span, ...]


def load_pipeline(name: str) -> Language:
    """Load the spaCy pipeline once per process, with the line-break sentence starts."""
    nlp = spacy.load(name, exclude=_EXCLUDE)
    nlp.add_pipe("tonecheck_line_breaks", before="parser")
    use_attribute_table(nlp)
    cache_lemmas(nlp)
    return nlp


# Distinct (word, part of speech, morphology) keys kept; past this the cache starts again. spaCy's own
# StringStore already keeps every word the process has seen, so this holds nothing new.
LEMMA_CACHE = 50_000


def cache_lemmas(nlp: Language) -> None:
    """Remember the rule lemmatizer's answer per (word, POS, morphology), which is all it reads.

    spaCy caches only the lemmas its rules derive; for a word already in its base form it re-reads the
    morphology as a dict each time (`is_base_form`): about half of the component's time on a typical email.
    """
    if "lemmatizer" not in nlp.pipe_names or getattr(nlp.get_pipe("lemmatizer"), "mode", None) != "rule":
        return
    lemmatizer = nlp.get_pipe("lemmatizer")
    rule = lemmatizer.rule_lemmatize
    cache: dict[tuple[int, int, int], list[str]] = {}

    def lemmatize(token: Token) -> list[str]:
        key = (token.orth, token.pos, token.morph.key)
        lemmas = cache.get(key)
        if lemmas is None:
            if len(cache) >= LEMMA_CACHE:
                cache.clear()
            lemmas = cache[key] = rule(token)
        return lemmas

    lemmatizer.lemmatize = lemmatize


def use_attribute_table(nlp: Language) -> None:
    """Replace spaCy's attribute ruler by the table, unless it holds a pattern the table cannot read."""
    if "attribute_ruler" not in nlp.pipe_names:
        return
    try:
        nlp.add_pipe("tonecheck_attribute_table", after="attribute_ruler")
    except ValueError:  # AttributeTable refuses a pattern it would not read as spaCy does: keep the ruler
        return
    nlp.remove_pipe("attribute_ruler")


def _judged(doc: Doc, max_sentences: int) -> tuple[Span, ...]:
    """Sentences with at least one word; masked regions read as blanks and drop out here."""
    out = []
    for sent in doc.sents:
        if any(not (t.is_space or t.is_punct) for t in sent):
            out.append(sent)
            if len(out) >= max_sentences:
                break
    return tuple(out)


# Docs spaCy parses at once. Its default (hundreds) holds every doc's layer activations together: one
# 32-file batch of `tonecheck check` raised peak RSS by 78 MB, and by 21 MB with 8, at the same speed
# (1.35 s against 1.42 s for 64 templates, interleaved runs).
PIPE_BATCH = 8


def parse_many(nlp: Language, cleaned: Iterable[Cleaned], max_sentences: int,
               tokenized: list[Doc] | None = None) -> list[Parsed]:
    """Parse a batch of cleaned emails with `nlp.pipe`, which is faster than one call each.

    `tokenized` are the emails' docs from `nlp.make_doc`, when the caller has them already: the engine
    tokenizes first to refuse an over-long email before the parse, and the pipeline takes them as they are.
    """
    items = list(cleaned)
    inputs = tokenized if tokenized is not None else [c.analysis for c in items]
    docs = nlp.pipe(inputs, batch_size=PIPE_BATCH)
    return [Parsed(c, doc, _judged(doc, max_sentences)) for c, doc in zip(items, docs, strict=True)]
