"""GitHub Actions workflow commands: one `::warning`/`::error` annotation per finding, then the summary."""

from __future__ import annotations

from tonecheck.cli.formats import Item, Run, first_suggestion, summary
from tonecheck.findings import Verdict


def escape_data(text: str) -> str:
    """Escape a message as GitHub requires: `%`, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (file, title): the message escapes plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(path: str, item: Item) -> str:
    f = item.finding
    props = [f"file={escape_property(path)}", f"line={item.line}", f"endLine={item.end_line}"]
    if item.end_line == item.line:  # GitHub reads columns only on one-line annotations
        props += [f"col={item.column}", f"endColumn={item.end_column}"]
    props.append(f"title={escape_property(f'tonecheck {f.rule_id} ({f.category.value})')}")
    message = f"“{item.text}”: {f.message}"
    if f.suggestions:
        message += f" Try: {first_suggestion(f)}"
    return f"::{item.level} {','.join(props)}::{escape_data(message)}"


def render(run: Run) -> str:
    """Annotations for every finding; a held file with no heated finding gets one file-level error."""
    lines = []
    for file in run.files:
        lines += [_annotation(file.path, item) for item in file.items]
        r = file.report
        if r.verdict is Verdict.HOLD and r.hold and not any(i.level == "error" for i in file.items):
            lines.append(f"::error file={escape_property(file.path)},line=1,"
                         f"title={escape_property('tonecheck hold')}::{escape_data(r.hold.reason)}")
    lines.append(summary(run))
    return "\n".join(lines) + "\n"
