"""Inline suppressions: which findings each comment covers, and the engine keeps them out of the verdict."""

from __future__ import annotations

import pytest

from tonecheck.cleanup.suppress import find_directives
from tonecheck.engine import EmailInput
from tonecheck.errors import InputError
from tonecheck.findings import Verdict


def covered(text: str, rule: str, category: str, needle: str) -> str | None:
    """The reason of the suppression covering the first `needle` (None when it is not covered)."""
    at = text.index(needle)
    hits = [s for s in find_directives(text).suppressions if s.covers(rule, category, at)]
    return hits[0].reason if hits else None


OFF_ON = "a\n<!-- tonecheck: off -- legal text -->\nWORD one\nWORD two\n<!-- tonecheck: on -->\nWORD three\n"
NEXT = "{# tonecheck-disable-next-line blame.should_have, heated -- asked for it #}\nWORD one\nWORD two\n"


@pytest.mark.parametrize(
    ("text", "rule", "category", "needle", "reason"),
    [
        pytest.param(OFF_ON, "blame.x", "blame", "WORD one", "legal text", id="off-region"),
        pytest.param(OFF_ON, "blame.x", "blame", "WORD two", "legal text", id="off-region-second-line"),
        pytest.param(OFF_ON, "blame.x", "blame", "WORD three", None, id="after-on"),
        pytest.param("<!-- tonecheck: off -->\nWORD\n", "heated.x", "heated", "WORD", "", id="off-to-end"),
        pytest.param(NEXT, "blame.should_have", "blame", "WORD one", "asked for it", id="next-line-rule"),
        pytest.param(NEXT, "heated.shouting", "heated", "WORD one", "asked for it", id="next-line-category"),
        pytest.param(NEXT, "blame.you_didnt", "blame", "WORD one", None, id="other-rule-same-category"),
        pytest.param(NEXT, "blame.should_have", "blame", "WORD two", None, id="only-the-next-line"),
        pytest.param("{{! tonecheck-disable-next-line }}\nWORD\n", "x.y", "x", "WORD", "", id="all-rules"),
        pytest.param(
            "{{!-- tonecheck-disable-next-line told_you_so --}}\nWORD\n",
            "told_you_so.a",
            "told_you_so",
            "WORD",
            "",
            id="handlebars-long-comment",
        ),
        pytest.param(
            "{#- tonecheck: off -#}WORD{#- tonecheck: on -#}", "x.y", "x", "WORD", "", id="jinja-trim"
        ),
        pytest.param(
            "<!--\n tonecheck-disable-next-line\n-->\nWORD\n", "x.y", "x", "WORD", "", id="multi-line-comment"
        ),
        pytest.param("<!-- tonecheck: on -->WORD", "x.y", "x", "WORD", None, id="stray-on"),
        pytest.param("tonecheck: off\nWORD", "x.y", "x", "WORD", None, id="not-in-a-comment"),
    ],
)
def test_cleanup_suppress_covers(
    text: str, rule: str, category: str, needle: str, reason: str | None
) -> None:
    assert covered(text, rule, category, needle) == reason


@pytest.mark.parametrize(
    ("text", "line", "fix"),
    [
        ("ok\n<!-- tonecheck: of -->", 2, "write `tonecheck: off` or `tonecheck: on`"),
        ("<!-- tonecheck: off heated -->", 1, "tonecheck-disable-next-line RULE"),
        ("\n\n{# tonecheck-disable-next-line Blame! #}", 3, "'Blame!' is not a rule id or category"),
    ],
)
def test_cleanup_suppress_malformed_names_the_line(text: str, line: int, fix: str) -> None:
    with pytest.raises(InputError) as err:
        find_directives(text, "mail.html")
    assert str(err.value).startswith(f"mail.html:{line}: ") and fix in str(err.value)


def test_cleanup_suppress_directive_comments_are_masked() -> None:
    text = "<!-- tonecheck-disable-next-line -- you should have -->\nok\n"
    [comment] = find_directives(text).comments
    assert (comment.start, comment.end) == (0, text.index("\n"))


def test_cleanup_suppress_engine_moves_findings_out_of_the_verdict(rules_engine) -> None:
    text = "<!-- tonecheck-disable-next-line heated -- quoting the customer -->\nWe already refunded you!!!\n"
    directives = find_directives(text)
    plain = rules_engine.check_many([EmailInput(text)])[0]
    quiet = rules_engine.check_many(
        [EmailInput(text, ignored=directives.comments, suppressions=directives.suppressions)]
    )[0]
    assert plain.verdict is Verdict.HOLD
    assert (quiet.verdict, quiet.findings, quiet.hold) == (Verdict.SEND, (), None)
    assert [(f.rule_id, s.reason) for f, s in quiet.suppressed] == [
        ("heated.piled_punctuation", "quoting the customer")
    ]
