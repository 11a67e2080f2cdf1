"""The parse's fixed costs: each email is tokenized once, and lemmas are looked up once per word form."""

from __future__ import annotations

import pytest
import spacy
from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, SENT_START, TAG
from spacy.language import Language

import tonecheck.parse as parse
from tonecheck.cleanup import clean
from tonecheck.engine import EmailInput, Engine
from tonecheck.parse import parse_many
from tonecheck.settings import Settings
from tools.benchmark.corpus import load_emails

ATTRS = [TAG, POS, MORPH, LEMMA, DEP, HEAD, SENT_START]
TEXTS = [e.text for size in load_emails().values() for e in size] + [
    "I told you so. You were told twice, and you ignored it!",
    "Dear Sam,\n\nThe parts are being shipped; we're sorry they weren't sent sooner.\n\nBest,\nJo",
    "",
]


def test_parse_many_gives_the_same_docs_from_tokenized_docs_as_from_text(nlp: Language) -> None:
    cleaned = [clean(t) for t in TEXTS]
    from_text = parse_many(nlp, cleaned, 500)
    from_docs = parse_many(nlp, cleaned, 500, [nlp.make_doc(c.analysis) for c in cleaned])
    for a, b in zip(from_text, from_docs, strict=True):
        assert a.doc.to_array(ATTRS).tolist() == b.doc.to_array(ATTRS).tolist()
        assert [(s.start, s.end) for s in a.sentences] == [(s.start, s.end) for s in b.sentences]


def test_the_engine_tokenizes_each_email_once(rules_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = rules_engine.nlp.make_doc
    monkeypatch.setattr(rules_engine.nlp, "make_doc", lambda text: calls.append(text) or real(text))
    reports = rules_engine.check_many([EmailInput(t) for t in TEXTS[:3]])
    assert len(calls) == 3
    assert [r.sentences > 0 for r in reports] == [True, True, True]


def test_cached_lemmas_equal_spacys_own_even_when_the_cache_starts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = spacy.load(Settings().spacy_model, exclude=["ner"])
    cached = spacy.load(Settings().spacy_model, exclude=["ner"])
    parse.cache_lemmas(cached)
    monkeypatch.setattr(parse, "LEMMA_CACHE", 40)  # far fewer word forms than the texts hold
    texts = TEXTS * 2  # the second pass reads lemmas from the cache
    for a, b in zip(plain.pipe(texts), cached.pipe(texts), strict=True):
        assert [t.lemma_ for t in a] == [t.lemma_ for t in b]
    assert len({t.lower_ for d in plain.pipe(TEXTS) for t in d}) > 200


def test_the_shipped_pipeline_caches_lemmas(nlp: Language) -> None:
    assert nlp.get_pipe("lemmatizer").lemmatize != nlp.get_pipe("lemmatizer").rule_lemmatize
