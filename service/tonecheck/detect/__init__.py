"""Detectors read one parsed email and return findings; the engine runs each on the same `Doc`."""

from __future__ import annotations

from typing import Protocol

from tonecheck.findings import Finding
from tonecheck.parse import Parsed


class Detector(Protocol):
    """Anything that turns parsed emails into findings: the rules and the classifier."""

    name: str

    def detect(self, batch: list[Parsed]) -> list[list[Finding]]:
        """Findings for each parsed email in `batch`, in order."""
        ...
