"""JSON: every file with its verdict, placed findings and suppressed findings, and a summary."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tonecheck.cli.formats import FileResult, Item, Run
from tonecheck.findings import Verdict

SCHEMA_VERSION = 1


def _item(item: Item) -> dict[str, Any]:
    f = item.finding
    out: dict[str, Any] = {
        "rule_id": f.rule_id, "category": f.category.value, "severity": f.severity.value,
        "source": f.source.value, "score": round(f.score, 4), "level": item.level,
        "line": item.line, "column": item.column, "end_line": item.end_line, "end_column": item.end_column,
        "text": item.text, "message": f.message, "suggestions": list(f.suggestions),
    }
    if item.reason is not None:
        out["reason"] = item.reason
    return out


def _file(file: FileResult) -> dict[str, Any]:
    r = file.report
    return {
        "path": file.path,
        "verdict": r.verdict.value,
        "failed": file.failed,
        "exact_lines": file.exact,
        "hold": {"minutes": r.hold.minutes, "reason": r.hold.reason} if r.hold else None,
        "scores": {c.value: round(s, 4) for c, s in r.scores.items()},
        "findings": [_item(i) for i in file.items],
        "suppressed": [_item(i) for i in file.suppressed],
    }


def render(run: Run) -> str:
    """The whole run as one JSON document (`schema_version` changes only on breaking changes)."""
    verdicts = Counter(f.report.verdict for f in run.files)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "tonecheck", "version": run.versions.service, "rules": run.versions.rules,
                 "model": run.versions.model},
        "summary": {
            "files": len(run.files),
            "verdicts": {v.value: verdicts[v] for v in Verdict},
            "findings": sum(len(f.items) for f in run.files),
            "suppressed": sum(len(f.suppressed) for f in run.files),
            "fail_on": run.fail_on,
            "failed": run.failed,
        },
        "files": [_file(f) for f in run.files],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
