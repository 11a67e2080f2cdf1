"""The afternoon baseline: a phrase list plus a tiny sentiment lexicon, scored next to tonecheck."""

from __future__ import annotations

import re

from tonecheck.findings import Category

PHRASES: dict[Category, list[str]] = {
    Category.TOLD_YOU_SO: ["as i said", "as i mentioned", "as i explained", "as i stated", "per my last",
                           "per my previous", "as previously", "i already told you", "i warned you",
                           "if you had read", "for the third time", "once again", "as stated"],
    Category.BLAME: ["you failed to", "you neglected", "your mistake", "your error", "your fault",
                     "because you didn't", "you were supposed to", "user error", "on your end", "you should have"],
    Category.DEFENSIVE: ["not our fault", "not our responsibility", "not our problem", "with all due respect",
                         "we did nothing wrong", "not my department", "not my job", "nothing to do with us",
                         "to be fair", "let me be clear", "our policy clearly states"],
    Category.HEATED: ["!!!", "?!", "whatever", "i'm done", "don't bother", "ridiculous", "stupid"],
}
NEGATIVE = {"angry", "annoyed", "terrible", "awful", "horrible", "useless", "hate", "worst", "furious",
            "unacceptable", "disappointed", "ridiculous", "stupid", "pathetic", "incompetent"}
_WORD = re.compile(r"[a-z']+")


def baseline_categories(text: str) -> set[str]:
    """Categories the phrase list finds anywhere in the text (quotes included: it has no cleanup)."""
    low = text.lower()
    found = {c.value for c, phrases in PHRASES.items() if any(p in low for p in phrases)}
    if sum(1 for w in _WORD.findall(low) if w in NEGATIVE) >= 1:
        found.add(Category.HEATED.value)
    return found
