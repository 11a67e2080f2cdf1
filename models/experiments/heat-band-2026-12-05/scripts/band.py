"""How many texts a heated `review` band below the hold threshold would flag: real calm gates and scored sets.

For each text: the shipped engine's verdict and its document heat score. A band at level L would add a
heated finding (no hold) to every email that is now `send` or `review` with heat in [L, hold threshold).
Counts, per set, the calm texts it would newly flag and the heated emails it would newly show.
The third Enron gate (`enron_p9_heldout_c`) and the unread blind sets are not read.

Usage: PYTHONPATH=.:service python models/experiments/heat-band-2026-12-05/scripts/band.py OUT.json
"""

from __future__ import annotations

import json
import sys

from tonecheck.engine import EmailInput, build_engine
from tonecheck.findings import Category
from tonecheck.settings import Settings
from tools.evaluation.__main__ import enron_gates, public_gates, stanford_quarters, stanford_second_quarter
from tools.training.data import BLIND_DIR, PUBLIC_DIR, SCORED_BLIND, SHARED_DIR, TRAINED_BLIND, read_rows

LEVELS = (0.80, 0.85, 0.90, 0.94)


def main(out: str) -> None:
    engine = build_engine(Settings(score_cache_units=0))
    g = enron_gates(SHARED_DIR)
    top, _ = stanford_quarters(SHARED_DIR)
    sets: dict[str, list[tuple[str, bool, bool]]] = {  # text, calm, heated
        "gate_enron_a": [(t, True, False) for t in g["enron_p9_heldout"]],
        "gate_enron_b": [(t, True, False) for t in g["enron_p9_heldout_b"]],
        "gate_stanford_top": [(t, True, False) for t in top],
        "gate_stanford_second": [(t, True, False) for t in stanford_second_quarter(SHARED_DIR)],
        **{f"gate_{k}": [(t, True, False) for t in v] for k, v in public_gates(PUBLIC_DIR).items()},
        # The sets training learned from apart: the model has seen their heated emails.
        "scored_blind_untrained": [(r.text, not r.labels, "heated" in r.labels) for n in SCORED_BLIND
                                   if n not in TRAINED_BLIND for r in read_rows(BLIND_DIR / f"{n}.jsonl")],
        "scored_blind_trained": [(r.text, not r.labels, "heated" in r.labels) for n in TRAINED_BLIND
                                 for r in read_rows(BLIND_DIR / f"{n}.jsonl")],
    }
    hold = engine.policy.heat_threshold
    result = {}
    for name, rows in sets.items():
        per = {"n": len(rows), "calm": sum(c for _, c, _ in rows), "heated": sum(h for _, _, h in rows)}
        got = []
        for lo in range(0, len(rows), 64):
            chunk = rows[lo:lo + 64]
            for (_, calm, heated), rep in zip(chunk, engine.check_many([EmailInput(t) for t, _, _ in chunk]),
                                              strict=True):
                got.append((calm, heated, rep.verdict.value, rep.scores[Category.HEATED]))
        for level in LEVELS:
            band = [(c, h, v) for c, h, v, s in got if v != "hold" and level <= s < hold]
            per[f"{level:.2f}"] = {
                "calm_newly_flagged": sum(1 for c, _, v in band if c and v == "send"),
                "calm_in_band": sum(1 for c, _, _ in band if c),
                "heated_newly_shown": sum(1 for _, h, v in band if h and v == "send"),
                "heated_in_band": sum(1 for _, h, _ in band if h),
            }
        per["heated_not_held"] = sum(1 for _, h, v, _ in got if h and v != "hold")
        per["calm_flagged_now"] = sum(1 for c, _, v, _ in got if c and v != "send")
        result[name] = per
        print(name, json.dumps(per), flush=True)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
