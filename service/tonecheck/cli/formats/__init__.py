"""Report formats for `tonecheck check`: each module renders a `Run` (every file's placed findings)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from tonecheck.findings import Finding, Verdict

if TYPE_CHECKING:  # the engine pulls in spaCy; `tonecheck --help` should not wait for it
    from tonecheck.engine import Report, Versions

Level = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Item:
    """A finding placed in the file as written: 1-based lines and columns (code points), end exclusive."""

    finding: Finding
    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    level: Level
    reason: str | None = None  # why an inline comment suppressed it ("" when the comment gave none)


@dataclass(frozen=True, slots=True)
class FileResult:
    """One checked file: the path to show, the engine's report, its findings placed, and the gate's answer."""

    path: str
    report: Report
    items: tuple[Item, ...]
    suppressed: tuple[Item, ...]
    failed: bool
    exact: bool = True  # False when an .eml body is encoded and lines only approximate the file's


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What SARIF and JUnit say about a rule: a one-line description, the full one, and how to fix it."""

    id: str
    category: str
    short: str
    full: str
    help: str


@dataclass(frozen=True, slots=True)
class Run:
    """Everything a format needs: the files in order, the rules that can fire, versions and the gate."""

    files: tuple[FileResult, ...]
    rules: dict[str, RuleInfo]
    versions: Versions
    fail_on: str
    failed: bool


def summary(run: Run) -> str:
    """One line: files per verdict, findings, suppressed findings, and whether the gate failed."""
    verdicts = Counter(f.report.verdict for f in run.files)
    findings = sum(len(f.items) for f in run.files)
    suppressed = sum(len(f.suppressed) for f in run.files)
    n = len(run.files)
    per_verdict = ", ".join(f"{verdicts[v]} {v.value}" for v in Verdict)
    gate = f"failing (fail-on {run.fail_on})" if run.failed else f"passing (fail-on {run.fail_on})"
    return (f"tonecheck: {n} file{'s' if n != 1 else ''} checked ({per_verdict}); "
            f"{findings} finding{'s' if findings != 1 else ''}, {suppressed} suppressed; {gate}")


def first_suggestion(f: Finding) -> str:
    """The first suggested rewording, or an empty string."""
    return f.suggestions[0] if f.suggestions else ""


def formatter(name: str) -> Callable[[Run], str]:
    """The render function of format `name` (text, json, github, sarif, junit)."""
    from tonecheck.cli.formats import github, json_, junit, sarif, text

    return {"text": text.render, "json": json_.render, "github": github.render, "sarif": sarif.render,
            "junit": junit.render}[name]


FORMAT_NAMES = ("text", "json", "github", "sarif", "junit")
