"""Plain text, one line per finding: `path:line:col: category rule_id message (try: suggestion)`."""

from __future__ import annotations

from tonecheck.cli.formats import Run, first_suggestion, summary
from tonecheck.findings import Verdict


def render(run: Run) -> str:
    """Findings in file order, a line per file that needs more than a review, and the summary."""
    lines = []
    for file in run.files:
        for item in file.items:
            f = item.finding
            hint = f" (try: {first_suggestion(f)})" if f.suggestions else ""
            lines.append(f"{file.path}:{item.line}:{item.column}: {f.category.value} {f.rule_id} "
                         f"{f.message}{hint}")
        if file.report.verdict is Verdict.HOLD and file.report.hold:
            lines.append(f"{file.path}: hold: {file.report.hold.reason}")
        if not file.exact and file.items:
            lines.append(f"{file.path}: note: the message body is encoded; line numbers are approximate")
    lines.append(summary(run))
    return "\n".join(lines) + "\n"
