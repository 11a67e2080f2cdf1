"""Offset units: Python counts code points, JavaScript counts UTF-16 code units; editors count lines."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

_NEWLINE = re.compile("\n")


class OffsetUnit(StrEnum):
    """The unit `start`/`end` are given in."""

    CODEPOINT = "codepoint"
    UTF16 = "utf16"


class LineIndex:
    """The lines of one text (each ends at a `\\n`): the line an offset is on, and where a line starts."""

    def __init__(self, text: str) -> None:
        self._length = len(text)
        self._starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    def line_of(self, offset: int) -> int:
        """1-based line of code-point `offset`."""
        return bisect_right(self._starts, offset)

    def start_of(self, line: int) -> int:
        """Offset where 1-based `line` starts; one past the last line starts at the end of the text."""
        return self._starts[line - 1] if line <= len(self._starts) else self._length

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in code points) of `offset`."""
        line = self.line_of(offset)
        return line, offset - self._starts[line - 1] + 1


class OffsetMap:
    """Converts code-point offsets of one text to UTF-16 offsets and to 1-based line/column."""

    def __init__(self, text: str) -> None:
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        self._lines = LineIndex(text)

    def to_unit(self, offset: int, unit: OffsetUnit) -> int:
        """`offset` (code points) in `unit`: each character beyond the BMP is two UTF-16 units."""
        if unit is OffsetUnit.CODEPOINT:
            return offset
        return offset + bisect_right(self._astral, offset - 1)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in code points) of `offset`."""
        return self._lines.line_col(offset)


def deepest_line(lines: Mapping[tuple[Any, ...], int], loc: Sequence[Any], default: int = 1) -> int:
    """The line of the deepest part of `loc` in `lines` (a config or rule file's path-to-line map), else `default`."""
    for depth in range(len(loc), -1, -1):
        found = lines.get(tuple(loc[:depth]))
        if found is not None:
            return found
    return default
