"""F's heat floor: held and any-finding counts on the six SPENT real calm gates only, never the G3 ones.

    TONECHECK_MODEL_DIR=DIR python models/experiments/depth2-2026-12-05/scripts/spent_gates.py OUT.json

The spent gates are the four old ones and the two added on 5 Dec (20,921 texts): the first and second Enron
P_9 samples, the Stanford top and second quarters, and the two Taskmaster gates. G3 (the third Enron
sample and the Stanford third quarter) is not built here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tonecheck.engine import build_engine
from tonecheck.settings import Settings
from tools.evaluation.__main__ import (
    enron_gates,
    gate_table,
    public_gates,
    stanford_quarters,
    stanford_second_quarter,
)
from tools.training.data import PUBLIC_DIR, SHARED_DIR


def main() -> int:
    """Score the six spent gates with the model TONECHECK_MODEL_DIR names, and write their counts."""
    engine = build_engine(Settings())
    top, _ = stanford_quarters(SHARED_DIR)
    enron = enron_gates(SHARED_DIR)
    gates = {"enron_p9_heldout": enron["enron_p9_heldout"], "enron_p9_heldout_b": enron["enron_p9_heldout_b"],
             "stanford_top_quarter": top, "stanford_second_quarter": stanford_second_quarter(SHARED_DIR),
             **public_gates(PUBLIC_DIR)}
    out: dict = {"model_version": engine.versions.model, "gates": gate_table(engine, gates)}
    for total, key in (("held", "held_n"), ("any", "any_n"), ("n", "n")):
        out[total] = sum(g[key] for g in out["gates"].values())
    Path(sys.argv[1]).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(out["model_version"], f"held {out['held']} any {out['any']} of {out['n']}",
          {k: (g["held_n"], g["any_n"], g["meets_target"]) for k, g in out["gates"].items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
