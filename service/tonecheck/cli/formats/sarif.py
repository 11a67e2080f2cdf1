"""SARIF 2.1.0 for GitHub code scanning: a rule per rule id, a result per finding (suppressed ones marked)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from tonecheck.cli.formats import Item, RuleInfo, Run

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule(info: RuleInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": info.id.replace(".", "/"),
        "shortDescription": {"text": info.short},
        "fullDescription": {"text": info.full},
        "help": {"text": info.help, "markdown": info.help},
        "defaultConfiguration": {"level": "error" if info.category == "heated" else "warning"},
        "properties": {"tags": ["tone", info.category], "precision": "medium"},
    }


def _uri(path: str) -> str:
    """A relative URI for a path under the checkout (what code scanning matches), else a file: URI."""
    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(path)


def _result(path: str, item: Item, index: dict[str, int]) -> dict[str, Any]:
    f = item.finding
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "level": item.level,
        "message": {"text": f"“{item.text}”: {f.message}"},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(path)},
                "region": {"startLine": item.line, "startColumn": item.column,
                           "endLine": item.end_line, "endColumn": item.end_column,
                           "snippet": {"text": item.text}},
            }
        }],
        "properties": {"category": f.category.value, "severity": f.severity.value, "source": f.source.value,
                       "score": round(f.score, 4)},
    }
    if f.rule_id in index:
        result["ruleIndex"] = index[f.rule_id]
    if f.suggestions:
        result["message"]["text"] += f" Try: {f.suggestions[0]}"
    if item.reason is not None:
        suppression: dict[str, Any] = {"kind": "inSource"}
        if item.reason:
            suppression["justification"] = item.reason
        result["suppressions"] = [suppression]
    return result


def render(run: Run) -> str:
    """The run as a SARIF 2.1.0 log with a single run."""
    used = sorted({i.finding.rule_id for f in run.files for i in (*f.items, *f.suppressed)} | set(run.rules))
    rules = [run.rules[r] for r in used if r in run.rules]
    index = {info.id: n for n, info in enumerate(rules)}
    results = [_result(f.path, i, index) for f in run.files for i in (*f.items, *f.suppressed)]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tonecheck",
                "version": run.versions.service,
                "semanticVersion": run.versions.service,
                "rules": [_rule(r) for r in rules],
                "properties": {"rulesVersion": run.versions.rules, "modelVersion": run.versions.model},
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{"executionSuccessful": True}],
            "properties": {"verdicts": {f.path: f.report.verdict.value for f in run.files}},
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
