"""Engine limits refuse oversized emails before the slow parse, and never refuse what fits."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tonecheck.engine import EmailInput, Engine, _worded_lines
from tonecheck.errors import TooLarge
from tonecheck.parse import _judged

LINES = [
    "a",
    "Hi Dana,",
    "!!",
    "...",
    "",
    " ",
    "\t",
    "😀",
    "e\u0301",
    "\u00a0b",
    "- item",
    "x. y. z.",
    "\u200b",
    "{{ name }}",
    "> quoted",
    "Thanks,",
    "\r",
]


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(lines=st.lists(st.sampled_from(LINES) | st.text(max_size=10), max_size=40))
def test_engine_worded_lines_never_exceed_judged_sentences(rules_engine: Engine, lines: list[str]) -> None:
    # The pre-parse refusal counts lines with a word; it must be a lower bound of the sentences the parse
    # judges, or it would refuse an email that fits.
    text = "\n".join(lines)
    assert _worded_lines(rules_engine.nlp.make_doc(text)) <= len(_judged(rules_engine.nlp(text), 10**6))


@pytest.mark.parametrize(
    ("texts", "budget", "message"),
    [
        pytest.param(
            ["word " * 25_001], None, "more than 25000 words and symbols", id="email-over-token-cap"
        ),
        pytest.param(
            ["a.\n" * 2_001], None, "more than 2000 sentences", id="email-over-sentence-cap-by-lines"
        ),
        pytest.param(
            ["Stop. " * 2_001], None, "more than 2000 sentences", id="email-over-sentence-cap-parsed"
        ),
        pytest.param(["word " * 600] * 2, 1_000, "1200 words and symbols together", id="batch-over-budget"),
        pytest.param(["fine", "a.\n" * 2_001], None, "email 1 has more than 2000", id="names-the-email"),
    ],
)
def test_engine_limits_refuse_with_a_clear_message(
    rules_engine: Engine, texts: list[str], budget: int | None, message: str
) -> None:
    with pytest.raises(TooLarge, match=message):
        rules_engine.check_many([EmailInput(t) for t in texts], budget)


@pytest.mark.parametrize(
    ("texts", "budget"),
    [
        pytest.param(["word " * 25_000], None, id="email-at-token-cap"),
        pytest.param(["a\n" * 2_000], None, id="email-at-sentence-cap"),
        pytest.param(
            ["word " * 600] * 3, None, id="batch-without-budget-cli"
        ),  # the CLI checks files in chunks
        pytest.param(["word " * 500] * 2, 1_000, id="batch-at-budget"),
    ],
)
def test_engine_limits_accept_what_fits(rules_engine: Engine, texts: list[str], budget: int | None) -> None:
    reports = rules_engine.check_many([EmailInput(t) for t in texts], budget)
    assert len(reports) == len(texts)
