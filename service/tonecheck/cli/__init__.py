"""The `tonecheck` command line (see `main.py`), the exit codes every command returns, shared argument types."""

from __future__ import annotations

import argparse
from enum import IntEnum

# What `tonecheck audit --input-format` accepts (read in cli/audit_io.py); here so `--help` stays light.
INPUT_FORMATS = ("mbox", "eml", "csv", "jsonl", "parquet")


class Exit(IntEnum):
    """Linter-style exit codes."""

    CLEAN = 0
    FINDINGS = 1  # something at or above --fail-on
    ERROR = 2  # usage, config or input error


def sensitivity_arg(value: str) -> dict[str, str]:
    """`--sensitivity` of `check` and `audit`: one level for all categories, or CATEGORY=LEVEL pairs."""
    from tonecheck.findings import parse_sensitivity

    try:
        return parse_sensitivity(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
