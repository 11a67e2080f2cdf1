"""The `tonecheck` command line (see `main.py`), and the exit codes every command returns."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """Linter-style exit codes."""

    CLEAN = 0
    FINDINGS = 1  # something at or above --fail-on
    ERROR = 2  # usage, config or input error
