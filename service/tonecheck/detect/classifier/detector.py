"""The classifier detector: every judged sentence of a batch of emails in one encoder call."""

from __future__ import annotations

from tonecheck.detect.classifier.encoder import Encoder
from tonecheck.detect.classifier.head import Head
from tonecheck.detect.classifier.packed import PackedEncoder
from tonecheck.detect.classifier.units import units
from tonecheck.findings import CATEGORIES, Finding, Severity, Source, Span
from tonecheck.parse import Parsed

_SEVERITY = Severity.MEDIUM


class ClassifierDetector:
    """Scores each judged sentence for each category; combine decides what crosses the threshold."""

    name = "classifier"

    def __init__(self, encoder: Encoder | PackedEncoder, head: Head) -> None:
        self.encoder = encoder
        self.head = head

    def detect(self, batch: list[Parsed]) -> list[list[Finding]]:
        """One finding per judged unit and category, carrying the calibrated probability as score."""
        judged = [(i, u) for i, p in enumerate(batch) for u in units(p)]
        out: list[list[Finding]] = [[] for _ in batch]
        if not judged:
            return out
        probs = self.head.probabilities(self.encoder.embed([u.text for _, u in judged]))
        for (i, unit), row in zip(judged, probs, strict=True):
            out[i] += unit_findings(unit.start, unit.end, row)
        return out


def unit_findings(start: int, end: int, row) -> list[Finding]:
    """The four category findings of one judged unit (training builds the same ones)."""
    return [
        Finding(category=category, rule_id=f"model.{category.value}", source=Source.MODEL, severity=_SEVERITY,
                score=float(score), start=start, end=end, message="",
                explanation=f"The tone classifier scored this sentence {score:.2f} for {category.value}.",
                sentence=Span(start, end))
        for category, score in zip(CATEGORIES, row, strict=True)
    ]
