"""Offsets: code points (Python) vs UTF-16 code units (JavaScript), and 1-based line/column."""

from __future__ import annotations

import pytest

from tonecheck.engine import Engine
from tonecheck.offsets import OffsetMap, OffsetUnit
from tonecheck.respond import to_response

TEXTS = [
    pytest.param("Plain ASCII text.", id="ascii"),
    pytest.param("Café — 10 € refund, naïve señor.", id="bmp-accents-dash-euro"),
    pytest.param("😀 You failed to attach the form.", id="emoji-first"),
    pytest.param("Thanks 🙏🙏 for waiting 👍", id="emoji-runs"),
    pytest.param("Team 👩‍💻 (woman technologist: three code points, five UTF-16 units).", id="zwj-sequence"),
    pytest.param("𝒜 mathematical script, 🇬🇧 flag = two regional indicators.", id="astral-letters-and-flag"),
    pytest.param("Line one 😀\nLine two 𝄞\r\nLine three", id="astral-across-lines"),
    pytest.param("", id="empty"),
]


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


@pytest.mark.parametrize("text", TEXTS)
def test_offsets_utf16_matches_javascript_for_every_offset(text: str) -> None:
    offsets = OffsetMap(text)
    for i in range(len(text) + 1):
        assert offsets.to_unit(i, OffsetUnit.UTF16) == utf16_len(text[:i])
        assert offsets.to_unit(i, OffsetUnit.CODEPOINT) == i


@pytest.mark.parametrize(
    ("text", "offset", "utf16"),
    [
        ("😀 hi", 0, 0),  # before the emoji
        ("😀 hi", 1, 2),  # just after it: the emoji is two units
        ("😀 hi", 4, 5),
        ("a😀b😀c", 3, 4),
        ("a😀b😀c", 5, 7),
        ("€", 1, 1),  # BMP characters are one unit
    ],
)
def test_offsets_utf16_table(text: str, offset: int, utf16: int) -> None:
    assert OffsetMap(text).to_unit(offset, OffsetUnit.UTF16) == utf16


@pytest.mark.parametrize(
    ("text", "offset", "line_col"),
    [
        ("abc", 0, (1, 1)),
        ("abc", 3, (1, 4)),
        ("ab\ncd", 2, (1, 3)),  # the newline itself belongs to line 1
        ("ab\ncd", 3, (2, 1)),
        ("ab\ncd", 5, (2, 3)),
        ("a\n\n\nb", 4, (4, 1)),  # blank lines count
        ("😀😀\nx😀y", 5, (2, 3)),  # columns count code points, not UTF-16 units
        ("ab\r\ncd", 4, (2, 1)),  # CRLF: the line starts after the \n
        ("ab\r\ncd", 2, (1, 3)),
    ],
)
def test_offsets_line_col(text: str, offset: int, line_col: tuple[int, int]) -> None:
    assert OffsetMap(text).line_col(offset) == line_col


@pytest.mark.parametrize("unit", [OffsetUnit.CODEPOINT, OffsetUnit.UTF16])
def test_offsets_response_cuts_out_the_flagged_words_in_either_unit(
    rules_engine: Engine, unit: OffsetUnit
) -> None:
    text = "Hi 👋🏽 Dana 😀,\nAs I said in my last email, you failed to attach the form. 📎 Thanks!"
    report = rules_engine.check(text)
    out = to_response(report, rules_engine.versions, unit)
    assert out.offset_unit is unit
    assert [f.text for f in out.findings] == ["As I said in my last email", "you failed to attach the form"]
    if unit is OffsetUnit.UTF16:
        units = text.encode("utf-16-le")
        for f in out.findings:
            assert units[2 * f.start : 2 * f.end].decode("utf-16-le") == f.text
    else:
        for f in out.findings:
            assert text[f.start : f.end] == f.text
