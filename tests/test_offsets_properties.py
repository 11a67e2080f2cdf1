"""Offset properties (hypothesis): inside the text; UTF-16 and code points name the same characters."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tonecheck.engine import Engine
from tonecheck.offsets import OffsetMap, OffsetUnit
from tonecheck.respond import to_response

# Modest example counts keep the suite fast; the engine-backed properties run spaCy per example.
FAST = settings(max_examples=300, deadline=None, database=None, derandomize=True)
ENGINE = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Characters that make offsets hard: astral emoji and letters (two UTF-16 units), ZWJ sequences,
# combining marks, right-to-left text and controls, zero-width characters, CRLF, NUL.
TRICKY = [
    "😀",
    "👍🏽",
    "👩‍💻",
    "🇬🇧",
    "𝒜",
    "𝄞",
    "é",
    "e\u0301",
    "\u0301",
    "שלום",
    "مرحبا",
    "\u202e",
    "\u200f",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\r\n",
    "\n",
    "\x00",
    "\t",
    " ",
    "€",
    "ß",
]
FLAGGED = [
    "As I said in my last email, ",
    "you failed to attach the form. ",
    "Don't bother writing back. ",
    "WHATEVER!!! ",
    "I SAID the refund is PROCESSED. ",
    "Per my last email, ",
    "Thanks so much! ",
]

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=200) | st.lists(
    st.sampled_from(TRICKY) | st.text(max_size=8), max_size=40
).map("".join)
emails = st.lists(
    st.sampled_from(FLAGGED) | st.sampled_from(TRICKY) | st.text(max_size=6), min_size=1, max_size=25
).map("".join)


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


@FAST
@given(text=texts)
def test_offsets_utf16_is_the_javascript_length_of_every_prefix(text: str) -> None:
    offsets = OffsetMap(text)
    previous = -1
    for i in range(len(text) + 1):
        unit = offsets.to_unit(i, OffsetUnit.UTF16)
        assert unit == utf16_len(text[:i])
        assert unit > previous  # strictly increasing: distinct characters never share an offset
        previous = unit
        assert offsets.to_unit(i, OffsetUnit.CODEPOINT) == i
    assert offsets.to_unit(len(text), OffsetUnit.UTF16) == utf16_len(text)  # the end is inside the text


@FAST
@given(data=st.data(), text=texts.filter(bool))
def test_offsets_both_units_cut_out_the_same_characters(data: st.DataObject, text: str) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    offsets = OffsetMap(text)
    units = text.encode("utf-16-le")
    s16, e16 = offsets.to_unit(start, OffsetUnit.UTF16), offsets.to_unit(end, OffsetUnit.UTF16)
    assert 0 <= s16 <= e16 <= utf16_len(text)
    assert units[2 * s16 : 2 * e16].decode("utf-16-le") == text[start:end]


@FAST
@given(data=st.data(), text=texts)
def test_offsets_line_col_counts_lines_and_code_points(data: st.DataObject, text: str) -> None:
    offset = data.draw(st.integers(0, len(text)))
    line, col = OffsetMap(text).line_col(offset)
    before = text[:offset]
    assert line == before.count("\n") + 1
    assert col == len(before) - (before.rfind("\n") + 1) + 1


@ENGINE
@given(text=emails)
def test_offsets_findings_agree_in_both_units_and_repeat(rules_engine: Engine, text: str) -> None:
    report = rules_engine.check(text)
    by_cp = to_response(report, rules_engine.versions, OffsetUnit.CODEPOINT)
    by_u16 = to_response(report, rules_engine.versions, OffsetUnit.UTF16)
    units = text.encode("utf-16-le")
    assert len(by_cp.findings) == len(by_u16.findings)
    for cp, u16 in zip(by_cp.findings, by_u16.findings, strict=True):
        assert 0 <= cp.start < cp.end <= len(text)
        assert 0 <= u16.start < u16.end <= utf16_len(text)
        assert text[cp.start : cp.end] == cp.text == u16.text
        assert units[2 * u16.start : 2 * u16.end].decode("utf-16-le") == u16.text
    for r in by_cp.ignored:
        assert 0 <= r.start < r.end <= len(text)
    # Identical across repeated calls, except the clock: a hold runs from "now".
    again = to_response(rules_engine.check(text), rules_engine.versions, OffsetUnit.UTF16)
    assert again.model_dump(exclude={"hold": {"until"}}) == by_u16.model_dump(exclude={"hold": {"until"}})


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("😀 WHATEVER!!!", OffsetUnit.CODEPOINT, (10, 13)),  # the "!!!"
        ("😀 WHATEVER!!!", OffsetUnit.UTF16, (11, 14)),  # the emoji is two units
        ("e\u0301\u200b WHATEVER!!!", OffsetUnit.UTF16, (12, 15)),  # combining and zero-width: one unit each
        ("\u202eשלום 👩‍💻 WHATEVER!!!", OffsetUnit.UTF16, (20, 23)),  # RTL override, ZWJ sequence
    ],
)
def test_offsets_table_of_tricky_prefixes(
    rules_engine: Engine, text: str, unit: OffsetUnit, expected: tuple[int, int]
) -> None:
    out = to_response(rules_engine.check(text), rules_engine.versions, unit)
    assert [(f.start, f.end) for f in out.findings][-1] == expected
