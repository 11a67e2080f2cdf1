"""Hostile inputs timed in `make bench`: the suite checks what they return, the benchmark how long they take.

On a shared 2-core machine a wall-clock bound in a test fails whenever something else runs; here the
worst case is a figure with a target, measured in the same run as everything else.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tonecheck.cleanup.markup import markup_ranges
from tonecheck.engine import Engine
from tonecheck.errors import TonecheckError

FLAGGED = "As I said in my last email, you failed to attach the form."
# Markup that a quadratic scanner would take minutes over (tests/test_cleanup_markup.py checks the output).
MARKUP = {
    "unclosed-tags": "<a" * 40_000,
    "unclosed-attributes": '<a x="' * 30_000 + ">",
    "template-braces": "{{" * 50_000,
    "ampersands": "&" * 100_000 + "<p>",
    "entities": "<p>x&amp;" * 20_000,
    "nested-quotes": "<div class='gmail_quote'>" * 5_000,
    "tags-in-braces": "<a {{ " * 20_000 + ">",
    "stray-closers": "</p>" * 30_000,
}
# Whole checks (tests/test_api_pathological.py checks their status codes and verdicts).
CHECKS = {
    "nested-html": "<div>" * 8_000 + FLAGGED + "</div>" * 8_000,
    "combining-marks": "e" + "\u0301" * 45_000,
    "nul-bytes": ("\x00" + FLAGGED) * 50,
    "one-long-line": "word " * 8_000,
    "no-spaces": "x" * 90_000,
}


def _seconds(job: Callable[[], object], clock: Callable[[], float]) -> float:
    began = clock()
    try:
        job()
    except TonecheckError:
        pass  # a refusal (too large, ...) is an answer too; its time counts the same
    return clock() - began


def hostile(engine: Engine, clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """Seconds per hostile input: markup scanning alone, then the whole engine check."""
    out = {f"markup:{name}": _seconds(lambda t=text: markup_ranges(t), clock) for name, text in MARKUP.items()}
    out |= {f"check:{name}": _seconds(lambda t=text: engine.check(t), clock) for name, text in CHECKS.items()}
    return {name: round(s, 3) for name, s in out.items()}
