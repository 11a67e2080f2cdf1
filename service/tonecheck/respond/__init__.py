"""Response: shape a `Report` for callers (JSON model, plain-text report), in their offset unit."""

from __future__ import annotations

from tonecheck.engine import Report, Versions
from tonecheck.offsets import OffsetMap, OffsetUnit
from tonecheck.respond.schemas import CheckResponse, FindingOut, HoldOut, IgnoredOut, VersionsOut


def to_response(report: Report, versions: Versions, unit: OffsetUnit = OffsetUnit.CODEPOINT) -> CheckResponse:
    """The documented JSON shape of one result."""
    offsets = OffsetMap(report.text)
    conv = offsets.to_unit
    return CheckResponse(
        verdict=report.verdict,
        findings=[
            FindingOut(
                category=f.category, rule_id=f.rule_id, source=f.source, severity=f.severity,
                score=round(f.score, 4), start=conv(f.start, unit), end=conv(f.end, unit),
                text=report.text[f.start : f.end], message=f.message, suggestions=list(f.suggestions),
                explanation=f.explanation,
            )
            for f in report.findings
        ],
        hold=HoldOut(minutes=report.hold.minutes, until=report.hold.until, reason=report.hold.reason)
        if report.hold
        else None,
        ignored=[IgnoredOut(start=conv(r.start, unit), end=conv(r.end, unit), kind=r.kind) for r in report.ignored],
        scores={c: round(s, 4) for c, s in report.scores.items()},
        offset_unit=unit,
        text=report.text if report.rendered else None,
        sentences=report.sentences,
        versions=VersionsOut(service=versions.service, rules=versions.rules, model=versions.model),
    )


def text_report(report: Report, name: str = "<draft>") -> str:
    """A short human-readable report: one line per finding with line:col, then the verdict."""
    offsets = OffsetMap(report.text)
    lines = []
    for f in report.findings:
        line, col = offsets.line_col(f.start)
        hint = f" (try: {f.suggestions[0]})" if f.suggestions else ""
        lines.append(f"{name}:{line}:{col}: {f.category.value} {f.rule_id} “{report.text[f.start:f.end]}”: "
                     f"{f.message}{hint}")
    summary = f"verdict: {report.verdict.value}"
    if report.hold:
        summary += f" (hold {report.hold.minutes} min, until {report.hold.until:%Y-%m-%dT%H:%M:%SZ})"
    lines.append(summary)
    return "\n".join(lines) + "\n"
