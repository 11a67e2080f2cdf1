"""Check one batch of mail for `tonecheck audit`: shared by the local workers and the Ray actors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tonecheck.cli.audit_io import Mail, Row, error_row
from tonecheck.engine import EmailInput
from tonecheck.errors import TonecheckError
from tonecheck.findings import CATEGORIES

if TYPE_CHECKING:
    from tonecheck.engine import Engine, Report

Levels = tuple[tuple[Any, Any], ...]  # (Category, Sensitivity) pairs, as EmailInput takes them


def report_row(mail: Mail, report: Report, include_text: bool) -> Row:
    """The output row of one checked email: no text unless asked for."""
    found = {f.category for f in report.findings}
    scores = {c.value: round(report.scores.get(c, 0.0), 4) for c in CATEGORIES}
    row: Row = {
        "id": mail.id,
        "date": mail.date,
        "verdict": report.verdict.value,
        "categories": [c.value for c in CATEGORIES if c in found],
        "rule_ids": sorted({f.rule_id for f in report.findings}),
        "scores": scores,
        "max_score": max(scores.values()),
        "findings": len(report.findings),
        "sentences": report.sentences,
        "error": None,
    }
    if include_text:
        row["text"] = report.text
    return row


def check_batch(engine: Engine, mails: Sequence[Mail], include_text: bool, levels: Levels = ()) -> list[Row]:
    """Rows for `mails` in order: one `check_many` call, or one email at a time when one of them is refused."""
    todo = [m for m in mails if m.error is None]
    inputs = [EmailInput(m.text or "", m.content_type, sensitivity=levels) for m in todo]
    results: list[Report | str]
    try:
        results = list(engine.check_many(inputs))
    except TonecheckError:  # one email over a limit refuses the batch: find which, check the others
        results = []
        for one in inputs:
            try:
                results.append(engine.check_many([one])[0])
            except TonecheckError as exc:
                results.append(str(exc))
    checked = iter(results)
    rows = []
    for mail in mails:
        result = next(checked) if mail.error is None else mail.error
        if isinstance(result, str):
            rows.append(error_row(replace(mail, error=result), include_text))
        else:
            rows.append(report_row(mail, result, include_text))
    return rows
