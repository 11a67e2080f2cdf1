"""The classifier detector: every judged sentence of a batch of emails in one encoder call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from spacy.tokens import Doc

from tonecheck.detect.classifier.cache import ScoreCache
from tonecheck.detect.classifier.early import EarlyStart, Pace, guess_units
from tonecheck.detect.classifier.encoder import Encoder
from tonecheck.detect.classifier.head import Head
from tonecheck.detect.classifier.packed import PackedEncoder
from tonecheck.detect.classifier.units import Unit, units
from tonecheck.findings import CATEGORIES, Finding, Severity, Source, TextRange
from tonecheck.parse import Parsed

_SEVERITY = Severity.MEDIUM


class ClassifierDetector:
    """Scores each judged sentence for each category; combine decides what crosses the threshold."""

    name = "classifier"

    def __init__(self, encoder: Encoder | PackedEncoder, head: Head, cache: ScoreCache | None = None,
                 pace: Pace | None = None, early: EarlyStart | None = None) -> None:
        self.encoder = encoder
        self.head = head
        self.cache = cache
        self.pace = pace or Pace()
        self.early = early

    def detect(self, batch: list[Parsed]) -> list[list[Finding]]:
        """One finding per judged unit and category, carrying the calibrated probability as score."""
        judged = [units(p) for p in batch]  # once: the texts to score and where their findings go
        texts = [u.text for email in judged for u in email]
        if not texts:
            return findings(batch, np.zeros((0, len(CATEGORIES))), judged)
        score = self.score if self.early is None else self.early.scores
        if self.cache is None:
            return findings(batch, score(texts), judged)
        return findings(batch, self.cache.scores(texts, score), judged)

    def with_cache(self, cache: ScoreCache | None) -> ClassifierDetector:
        """The same loaded encoder and head with another score cache (or none)."""
        return ClassifierDetector(self.encoder, self.head, cache, self.pace)

    @contextmanager
    def started(self, docs: list[Doc]) -> Iterator[ClassifierDetector]:
        """This detector, with the encoder already at work on the spare core while the caller parses `docs`.

        `docs` are the tokenizer's docs of the emails about to be parsed. Without a spare core (none lent,
        every core busy, or several workers sharing the cores) it is this detector as it is.
        """
        cores = getattr(self.encoder, "cores", None)
        # With several server workers, starting early held the spare core for a whole check, and a worker
        # that got a request meanwhile shared its own: concurrency-4 p95 rose ~15% (docs/performance.md).
        if cores is None or cores.workers > 1:
            yield self
            return
        guesses = list(dict.fromkeys(t for doc in docs for t in guess_units(doc)))
        if self.cache is not None:
            guesses = [t for t in guesses if t not in self.cache]
        if not guesses:
            yield self
            return
        with cores.spare() as helper:
            if helper is None:
                yield self
                return
            checked = sum(len(doc.text) for doc in docs)
            early = EarlyStart(helper, self.score, guesses[: self.pace.share(guesses, checked)], self.pace, checked)
            try:
                yield ClassifierDetector(self.encoder, self.head, self.cache, self.pace, early)
            finally:
                early.wait()  # the spare core is handed back idle, even if the check failed

    def score(self, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities of `texts`, one encoder call for all of them."""
        return self.head.probabilities(self.encoder.embed(texts))


def judged_texts(batch: list[Parsed]) -> list[str]:
    """The text of every judged unit of a batch, in order: what the encoder embeds."""
    return [u.text for p in batch for u in units(p)]


def findings(batch: list[Parsed], probs: np.ndarray, judged: list[list[Unit]] | None = None) -> list[list[Finding]]:
    """Findings per email from the probabilities of `judged_texts(batch)`, row for row.

    Training calls this with probabilities it computed once, to try many thresholds on the same scores.
    `judged` is each email's `units`, when the caller has them already.
    """
    per_email = judged if judged is not None else [units(p) for p in batch]
    owned = [(i, u) for i, email in enumerate(per_email) for u in email]
    out: list[list[Finding]] = [[] for _ in batch]
    for (i, unit), row in zip(owned, probs, strict=True):
        out[i] += _unit_findings(unit.start, unit.end, row)
    return out


def _unit_findings(start: int, end: int, row: np.ndarray) -> list[Finding]:
    """The four category findings of one judged unit."""
    return [
        Finding(category=category, rule_id=f"model.{category.value}", source=Source.MODEL, severity=_SEVERITY,
                score=float(score), start=start, end=end, message="",
                explanation=f"The tone classifier scored this sentence {score:.2f} for {category.value}.",
                sentence=TextRange(start, end))
        for category, score in zip(CATEGORIES, row, strict=True)
    ]
