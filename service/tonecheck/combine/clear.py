"""Clear: drop the classifier's reading of a sentence whose words rule its category out (`action: clear` rules)."""

from __future__ import annotations

from tonecheck.findings import Category, Finding, Source


def apply_clears(rules: list[Finding], model: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Rule findings without the clear cues, and model findings outside every sentence a cue clears.

    A cue clears only the classifier: a rule that flags the same sentence still stands, because its words
    are explicit ("You should have read the manual", beside "because our page timed out").
    """
    cleared: dict[Category, list[tuple[int, int]]] = {}
    flags: list[Finding] = []
    for f in rules:
        if f.source is Source.CLEAR:
            where = f.sentence or f
            cleared.setdefault(f.category, []).append((where.start, where.end))
        else:
            flags.append(f)
    if not cleared:
        return flags, model
    kept = [m for m in model
            if not any(start < m.end and m.start < end for start, end in cleared.get(m.category, ()))]
    return flags, kept
