"""The classifier detector: every judged sentence of a batch of emails in one encoder call."""

from __future__ import annotations

from service.detect.classifier.encoder import Encoder
from service.detect.classifier.head import Head
from service.detect.classifier.packed import PackedEncoder
from service.findings import CATEGORIES, Finding, Severity, Source, Span
from service.parse import Parsed

_SEVERITY = Severity.MEDIUM


class ClassifierDetector:
    """Scores each judged sentence for each category; combine decides what crosses the threshold."""

    name = "classifier"

    def __init__(self, encoder: Encoder | PackedEncoder, head: Head) -> None:
        self.encoder = encoder
        self.head = head

    def detect(self, batch: list[Parsed]) -> list[list[Finding]]:
        """One finding per judged sentence and category, carrying the calibrated probability as score."""
        sentences = [(i, s) for i, p in enumerate(batch) for s in p.sentences]
        out: list[list[Finding]] = [[] for _ in batch]
        if not sentences:
            return out
        probs = self.head.probabilities(self.encoder.embed([s.text.strip() for _, s in sentences]))
        for (i, sent), row in zip(sentences, probs, strict=True):
            for category, score in zip(CATEGORIES, row, strict=True):
                out[i].append(Finding(
                    category=category, rule_id=f"model.{category.value}", source=Source.MODEL,
                    severity=_SEVERITY, score=float(score), start=sent.start_char, end=sent.end_char,
                    message="", explanation=f"The tone classifier scored this sentence {score:.2f} for "
                    f"{category.value}.", sentence=Span(sent.start_char, sent.end_char),
                ))
        return out
