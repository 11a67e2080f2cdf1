"""What the engine judges, written down so that two commits can be compared: verdicts, findings, scores.

    python -m tools.evaluation.judgments dump FILE [--sets dev,test,scored-blind,enron-eval,bench]
    python -m tools.evaluation.judgments compare BEFORE AFTER

`dump` runs `Engine.check_many` (the service's path, score cache off) over each set and writes, per email,
the verdict and each finding's rule, category, span and score. Run it at two commits (a checkout of the
other on `PYTHONPATH`) and `compare` prints, per set, the emails whose verdict or findings differ and the
largest score change. A speed-up that is meant to change no judgment is checked with it. It reads the
scored blind sets only, never the unread one, and keeps no text in the file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings
from tools.evaluation.same_parse import texts_of
from tools.training.data import enron_eval_lines

SETS = ("dev", "test", "scored-blind", "enron-eval", "bench")
ENRON_EVAL_LINES = 3_000  # enough calm Enron mail to see a drift, in a few minutes
BATCH = 32


def dump(path: Path, sets: list[str]) -> None:
    """Write each set's judgments (no text) to `path` as JSON."""
    settings = Settings(score_cache_units=0)
    engine = build_engine(settings)
    out: dict[str, list[dict[str, Any]]] = {}
    for name in sets:
        texts = enron_eval_lines()[:ENRON_EVAL_LINES] if name == "enron-eval" else texts_of(name, settings)
        judged = []
        for i in range(0, len(texts), BATCH):
            for report in engine.check_many([EmailInput(t) for t in texts[i : i + BATCH]]):
                judged.append({"verdict": report.verdict, "findings": sorted(
                    [f.rule_id, f.category, f.start, f.end, round(f.score, 4)] for f in report.findings)})
        out[name] = judged
        print(f"{name}: {len(judged)} emails")
    path.write_text(json.dumps(out), encoding="utf-8")


def _largest_move(before: list[list], after: list[list]) -> float:
    """The largest score change among findings at the same rule, category and span in both."""
    scores = {tuple(f[:4]): f[4] for f in after}
    return max((abs(f[4] - scores[tuple(f[:4])]) for f in before if tuple(f[:4]) in scores), default=0.0)


def compare(before: dict[str, list], after: dict[str, list]) -> list[str]:
    """One line per set in both: emails, verdicts and finding sets that differ, the largest score change."""
    lines = []
    for name in [n for n in before if n in after]:
        pairs = list(zip(before[name], after[name], strict=True))
        verdicts = sum(a["verdict"] != b["verdict"] for a, b in pairs)
        spans = sum([f[:4] for f in a["findings"]] != [f[:4] for f in b["findings"]] for a, b in pairs)
        moved = max((_largest_move(a["findings"], b["findings"]) for a, b in pairs), default=0.0)
        lines.append(f"{name}: {len(pairs)} emails; verdicts differ {verdicts}, findings differ {spans}, "
                     f"largest score change {moved:.4f}")
        for a, b in pairs:
            spans_a, spans_b = [f[:4] for f in a["findings"]], [f[:4] for f in b["findings"]]
            if a["verdict"] != b["verdict"] or spans_a != spans_b:
                gone = [f for f in a["findings"] if f[:4] not in spans_b]
                new = [f for f in b["findings"] if f[:4] not in spans_a]
                lines.append(f"  {a['verdict']} -> {b['verdict']}; only before {gone}; only after {new}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """`dump` or `compare`; compare exits 1 if any verdict differs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump", help="write this commit's judgments")
    d.add_argument("file", type=Path)
    d.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)}")
    c = sub.add_parser("compare", help="two dumps, before and after")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        dump(args.file, args.sets.split(","))
        return 0
    before, after = (json.loads(p.read_text(encoding="utf-8")) for p in (args.before, args.after))
    lines = compare(before, after)
    print("\n".join(lines))
    return 1 if any("verdicts differ 0," not in line for line in lines if not line.startswith("  ")) else 0


if __name__ == "__main__":
    raise SystemExit(main())
