"""JUnit XML: one testsuite per file, one testcase per finding (suppressed ones skipped)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tonecheck.cli.formats import FileResult, Item, Run, first_suggestion


def _case(suite: ET.Element, file: FileResult, item: Item) -> None:
    f = item.finding
    case = ET.SubElement(suite, "testcase", name=f"{f.rule_id} at {item.line}:{item.column}",
                         classname=file.path, file=file.path, line=str(item.line))
    if item.reason is not None:
        ET.SubElement(case, "skipped", message=f"suppressed: {item.reason}" if item.reason else "suppressed")
        return
    failure = ET.SubElement(case, "failure", message=f.message, type=f.category.value)
    hint = f"\nTry: {first_suggestion(f)}" if f.suggestions else ""
    failure.text = f"{file.path}:{item.line}:{item.column}: “{item.text}”: {f.message}{hint}"


def render(run: Run) -> str:
    """The run as JUnit XML; a file without findings is one passing testcase, so it still shows up."""
    root = ET.Element("testsuites", name="tonecheck")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for file in run.files:
        counts = {"tests": max(1, len(file.items) + len(file.suppressed)), "failures": len(file.items),
                  "skipped": len(file.suppressed)}
        suite = ET.SubElement(root, "testsuite", name=file.path, errors="0",
                              **{k: str(v) for k, v in counts.items()})
        for item in (*file.items, *file.suppressed):
            _case(suite, file, item)
        if not file.items and not file.suppressed:
            case = ET.SubElement(suite, "testcase", name=f"verdict {file.report.verdict.value}",
                                 classname=file.path, file=file.path)
            if file.failed and file.report.hold:  # held on the classifier's heat score alone
                ET.SubElement(case, "failure", message=file.report.hold.reason, type="hold")
                counts["failures"] = 1
                suite.set("failures", "1")
        for k, v in counts.items():
            totals[k] += v
    root.attrib.update({k: str(v) for k, v in totals.items()})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
