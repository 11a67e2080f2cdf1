"""The unit-score cache: bounded, holds no text, and changes no finding; a re-check embeds only what changed."""

from __future__ import annotations

import numpy as np
import pytest
from test_rules_examples import CASES

from tonecheck.detect.classifier.cache import ScoreCache
from tonecheck.detect.classifier.detector import ClassifierDetector
from tonecheck.engine import EmailInput, Engine
from tonecheck.settings import Settings
from tools.training.data import BLIND_DIR, SPENT_BLIND, read_rows


class Scorer:
    """Stands in for the encoder and head in unit tests: a row per text, recording what it was asked."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([[len(t), t.count("!"), 0.0, 1.0] for t in texts], dtype=np.float32)


def test_cache_computes_only_units_it_has_not_seen_in_one_call_and_keeps_order() -> None:
    cache, scorer = ScoreCache(100), Scorer()
    first = cache.scores(["a!", "bb", "a!"], scorer)
    assert scorer.calls == [["a!", "bb"]]  # a repeat within a batch is computed once
    again = cache.scores(["ccc", "bb", "a!"], scorer)
    assert scorer.calls[-1] == ["ccc"]
    np.testing.assert_array_equal(again[1:], first[[1, 0]])
    np.testing.assert_array_equal(again, scorer(["ccc", "bb", "a!"]))
    assert (cache.hits, cache.misses) == (3, 3)


def test_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    cache, scorer = ScoreCache(2), Scorer()
    cache.scores(["one"], scorer)
    cache.scores(["two"], scorer)
    cache.scores(["one"], scorer)  # now "two" is the oldest
    cache.scores(["three"], scorer)
    assert len(cache) == 2
    cache.scores(["one", "two"], scorer)
    assert scorer.calls[-1] == ["two"]


def test_cache_holds_no_text_and_its_keys_differ_per_process() -> None:
    secret = "Our account number for you is 4929 1234 5678 9012."
    cache = ScoreCache(10)
    cache.scores([secret], Scorer())
    held = [*cache._rows.keys(), *cache._rows.values()]
    assert all(isinstance(k, bytes) and len(k) == 16 for k in cache._rows)
    assert not any(secret.encode() in bytes(memoryview(np.ascontiguousarray(x))) for x in held)
    assert ScoreCache(10).digest(secret) != cache.digest(secret)  # a fresh key: digests match nothing outside


@pytest.fixture(scope="module")
def uncached(engine: Engine) -> Engine:
    """An engine sharing the session engine's loaded models, with no score cache."""
    classifier = engine.classifier
    assert isinstance(classifier, ClassifierDetector) and classifier.cache is not None
    return engine.with_classifier(classifier.with_cache(None))


def _view(report) -> list[tuple]:
    """What a writer sees: each finding's rule and span, and the verdict."""
    return [(f.rule_id, f.start, f.end) for f in report.findings] + [report.verdict.value]


def _scores(report) -> list[float]:
    return [f.score for f in report.findings]


def test_findings_are_identical_with_the_cache_on_and_off(engine: Engine, uncached: Engine) -> None:
    assert Settings().score_cache_units > 0  # the service runs with the cache
    examples = sorted({sentence for _, _, sentence in (case.values for case in CASES)})
    emails = [r.text for r in read_rows(BLIND_DIR / f"{SPENT_BLIND[0]}.jsonl")]
    texts = examples + emails
    cold = engine.check_many([EmailInput(t) for t in texts])  # fills the cache
    warm = engine.check_many([EmailInput(t) for t in reversed(texts)])[::-1]  # answered mostly from it
    plain = uncached.check_many([EmailInput(t) for t in texts])
    assert [_view(r) for r in warm] == [_view(r) for r in plain] == [_view(r) for r in cold]
    # Scores agree to bf16 rounding: a unit's row moves by ~1e-5 with the batch's shape or torch's thread
    # count, with or without the cache, so a cached row is as good as a fresh one.
    for a, b in zip(warm, plain, strict=True):
        assert _scores(a) == pytest.approx(_scores(b), abs=1e-3)
    assert sum(1 for r in plain if r.findings) > 50  # the comparison covers flagged text, not only calm


def test_a_recheck_after_one_edit_embeds_only_the_edited_sentence(engine: Engine) -> None:
    draft = ("Hi Priya,\n\nThanks for sending the photos of the damaged shelf. As I said in my last email, "
             "the bracket needs two screws. I've ordered a replacement bracket for you today. It should arrive "
             "on Thursday, and the fitter will call before he comes.\n\nBest,\nTom")
    edited = draft.replace("As I said in my last email, the bracket needs two screws.",
                           "The bracket needs two screws.")
    assert isinstance(engine.classifier, ClassifierDetector) and engine.classifier.cache is not None
    cache = engine.classifier.cache
    first = engine.check(draft)
    before = cache.misses
    report = engine.check(edited)
    assert cache.misses - before == 1
    assert {f.category.value for f in first.findings} == {"told_you_so"}
    assert not report.findings
