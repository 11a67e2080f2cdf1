"""The shipped engine's misses on a scored blind set: calm emails it flags, heated ones it does not hold.

    PYTHONPATH=.:service python models/experiments/blind-12v-errors-2026-12-05/scripts/errors.py [SET]

Reads a spent set only (refuses one not in SCORED_BLIND), and prints each miss's verdict, document scores
and the findings behind it.
"""

from __future__ import annotations

import json
import sys

from tonecheck.engine import build_engine
from tonecheck.settings import Settings
from tools.training.data import BLIND_DIR, SCORED_BLIND

MODEL_SHOWN = 0.3  # model findings below this score are left out of the listing


def main(name: str = "blind-2026-12v") -> None:
    """Print every calm email flagged and every heated email not held in `name`."""
    if name not in SCORED_BLIND:
        sys.exit(f"{name} is not a scored blind set: its errors may not be read")
    rows = [json.loads(line) for line in (BLIND_DIR / f"{name}.jsonl").open(encoding="utf-8")]
    engine = build_engine(Settings(score_cache_units=0))
    for row in rows:
        report = engine.check(row["text"])
        calm_flagged = not row["labels"] and report.verdict.value != "send"
        heat_missed = row["hold"] and report.verdict.value != "hold"
        if not (calm_flagged or heat_missed):
            continue
        scores = {k.value: round(v, 3) for k, v in report.scores.items()}
        print(f"{row['id']} gold {sorted(row['labels'])} hold={row['hold']} verdict={report.verdict.value} {scores}")
        for f in report.findings:
            if f.source.value != "model" or (f.score or 0) >= MODEL_SHOWN:
                print(f"    {f.source.value} {f.rule_id} {f.score:.3f} {report.text[f.start:f.end][:140]!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
