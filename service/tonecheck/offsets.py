"""Offset units: Python counts code points, JavaScript counts UTF-16 code units; editors count lines."""

from __future__ import annotations

from bisect import bisect_right
from enum import StrEnum


class OffsetUnit(StrEnum):
    """The unit `start`/`end` are given in."""

    CODEPOINT = "codepoint"
    UTF16 = "utf16"


class OffsetMap:
    """Converts code-point offsets of one text to UTF-16 offsets and to 1-based line/column."""

    def __init__(self, text: str) -> None:
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        self._lines = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def to_unit(self, offset: int, unit: OffsetUnit) -> int:
        """`offset` (code points) in `unit`: each character beyond the BMP is two UTF-16 units."""
        if unit is OffsetUnit.CODEPOINT:
            return offset
        return offset + bisect_right(self._astral, offset - 1)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in code points) of `offset`."""
        line = bisect_right(self._lines, offset) - 1
        return line + 1, offset - self._lines[line] + 1
