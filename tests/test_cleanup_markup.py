"""Markup masked where it stands (CI): tags, attributes, comments, entities and code become blanks of the
same length, newlines kept, so offsets stay those of the file; the words between tags stay checkable."""

from __future__ import annotations

import pytest

from tonecheck.cleanup import clean
from tonecheck.cleanup.markup import looks_like_html, markup_ranges
from tonecheck.findings import IgnoredKind


def masked(text: str) -> str:
    """What the engine reads: `text` with the markup ranges blanked."""
    markup = [r for r in markup_ranges(text) if r.kind is IgnoredKind.MARKUP]
    return clean(text, extra=markup).analysis


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("<p>Hi Dana,</p>", ["Hi", "Dana,"]),
        ('<p class="a" title="You should have">ok</p>', ["ok"]),
        ("<br/>ok<br />", ["ok"]),
        ("a<!-- You failed to -->b", ["a", "b"]),
        ("<style>p { color: red }</style>ok", ["ok"]),
        ("<script>if (a < b) x();</script>ok", ["ok"]),
        ("Tom &amp; Jerry&nbsp;now", ["Tom", "Jerry", "now"]),
        ("<!DOCTYPE html><?xml version='1.0'?>ok", ["ok"]),
        ("<a href=\"x?a=1&amp;b=2\" title='x > y'>go</a>", ["go"]),
        ('<p {% if x > 1 %}class="y"{% endif %}>ok</p>', ["ok"]),
        ("a < b and c>d", ["a", "<", "b", "and", "c>d"]),
        ("I <3 it", ["I", "<3", "it"]),
        ('<mj-text padding="0">Thanks</mj-text>', ["Thanks"]),
        ("<p>\n  Hi\n</p>", ["Hi"]),
    ],
)
def test_cleanup_markup_blanks_markup_keeps_words(raw: str, words: list[str]) -> None:
    reads = masked(raw)
    assert len(reads) == len(raw)
    assert reads.split() == words
    assert [reads.index(w) for w in words] == [raw.index(w) for w in words]  # nothing moved
    assert [i for i, ch in enumerate(reads) if ch == "\n"] == [i for i, ch in enumerate(raw) if ch == "\n"]


@pytest.mark.parametrize(
    ("raw", "kind", "quoted"),
    [
        (
            '<p>Thanks.</p><div class="gmail_quote">On Tue Dana wrote: <b>USELESS</b></div><p>Bye</p>',
            IgnoredKind.QUOTE,
            '<div class="gmail_quote">On Tue Dana wrote: <b>USELESS</b></div>',
        ),
        (
            '<p>Ok</p><blockquote type="cite">You are USELESS!!!</blockquote>',
            IgnoredKind.QUOTE,
            '<blockquote type="cite">You are USELESS!!!</blockquote>',
        ),
        (
            '<p>Ok</p><div id="Signature"><p>Sam</p></div>',
            IgnoredKind.SIGNATURE,
            '<div id="Signature"><p>Sam</p></div>',
        ),
        (
            '<p>Ok</p><div id="divRplyFwdMsg">From: x</div><p>old</p>',
            IgnoredKind.QUOTE,
            '<div id="divRplyFwdMsg">From: x</div><p>old</p>',
        ),
        (
            '<p>Ok</p><div class="gmail_quote">never closed',
            IgnoredKind.QUOTE,
            '<div class="gmail_quote">never closed',
        ),
    ],
)
def test_cleanup_markup_finds_quote_and_signature_elements(raw: str, kind: IgnoredKind, quoted: str) -> None:
    found = [r for r in markup_ranges(raw) if r.kind is kind]
    assert [raw[r.start : r.end] for r in found] == [quoted]


@pytest.mark.parametrize(
    "raw",
    [
        "<a" * 40_000,
        '<a x="' * 30_000 + ">",
        "{{" * 50_000,
        "&" * 100_000 + "<p>",
        "<p>x&amp;" * 20_000,
        "<div class='gmail_quote'>" * 5_000,
        "<a {{ " * 20_000 + ">",
        "</p>" * 30_000,
    ],
)
def test_cleanup_markup_survives_hostile_input(raw: str) -> None:
    # Its time (linear, ~0.1 s each) is measured by `make bench` (tools/benchmark/hostile.py), not bounded here.
    ranges = markup_ranges(raw)
    assert all(0 <= r.start < r.end <= len(raw) for r in ranges)
    assert [r.start for r in ranges] == sorted(r.start for r in ranges)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<p>Hi</p>", True),
        ("<mjml><mj-body></mj-body></mjml>", True),
        ("Hi {{ name }},\nThanks", False),
        ("a <br> b", True),
        ("Use x < y", False),
        ("<!DOCTYPE html>", True),
    ],
)
def test_cleanup_markup_looks_like_html(text: str, html: bool) -> None:
    assert looks_like_html(text) is html
