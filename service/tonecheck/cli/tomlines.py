"""Find the line of a key in TOML text: `tomllib` gives no positions, and a config error must name a line."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tonecheck.offsets import deepest_line

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_NAME = r"(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
_KEY = re.compile(rf"^\s*({_NAME}(?:\s*\.\s*{_NAME})*)\s*=")

Path_ = tuple[str | int, ...]


def _parts(dotted: str) -> list[str]:
    """`a."b.c".d` -> ["a", "b.c", "d"]."""
    return [p.strip().strip("\"'") for p in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", dotted)]


def key_lines(text: str) -> dict[Path_, int]:
    """Every table header and key in `text`, by full path (array-of-tables elements by index), to its line."""
    lines: dict[Path_, int] = {}
    arrays: dict[tuple[str, ...], int] = {}  # array-of-tables path -> index of its current element
    current: Path_ = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            names = tuple(_parts(header[2]))
            if header[1] == "[[":
                arrays[names] = arrays.get(names, -1) + 1
            full: list[str | int] = []
            for i, name in enumerate(names):
                full.append(name)
                if names[: i + 1] in arrays:
                    full.append(arrays[names[: i + 1]])
            current = tuple(full)
            lines.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*current, *_parts(key[1])), number)
    return lines


def toml_line(text: str, loc: Sequence[str | int], value: str | None = None) -> int:
    """The line of the deepest part of `loc` that `text` spells out (else 1); `value` picks a list item."""
    found = deepest_line(key_lines(text), loc, default=0)
    if not found:
        return 1
    return _value_line(text, found, value) if value is not None else found


def _value_line(text: str, start: int, value: str) -> int:
    """The first line from `start` on that holds `value` as a quoted string (for an item of a long list)."""
    quoted = re.compile(rf"[\"']{re.escape(value)}[\"']")
    for number, line in enumerate(text.splitlines()[start - 1 :], start=start):
        if quoted.search(line):
            return number
    return start
