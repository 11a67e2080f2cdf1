"""Step 3: the exit heads of step 2 against the bar a served cascade must meet, the rules' calm veto.

A contextual rule finding stands only where the classifier scores its sentence at least `calm_veto` (0.15)
for its category (`combine`). So a settled unit, which gets no full-model score, keeps every finding the
same only if the full model would have scored it under 0.15 in every category; that bar also covers every
sensitivity level (the strict thresholds are 0.20-0.30). The cut on the head's largest probability is chosen
on dev alone, for 99.5%, 99.9% and 100% recall of dev's units with some full score >= 0.15; the other sets
only report.

Usage: python models/experiments/exit2-cascade-2026-12-05/scripts/veto.py DIR   (DIR as steps 1 and 2 wrote it)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from exits import head

VETO = 0.15
RECALLS = (0.995, 0.999, 1.0)
HEADS = ((256, 12), (512, 30))


def main() -> int:
    root = Path(sys.argv[1])
    a = np.load(root / "arrays.npz")
    names = sorted({k.split(".")[0] for k in a.files})
    report: dict[str, dict] = {}
    for hidden, epochs in HEADS:
        net = head(a["dev.l2"].shape[1], hidden)
        net.load_state_dict(torch.load(root / f"exit-h{hidden}-e{epochs}.pt"))
        with torch.no_grad():
            stage = {n: torch.sigmoid(net.eval()(torch.from_numpy(a[f"{n}.l2"].astype(np.float32)))).numpy().max(1)
                     for n in names}
        full = {n: a[f"{n}.full"].max(1) for n in names}
        worst = np.sort(stage["dev"][full["dev"] >= VETO])
        for recall in RECALLS:
            # the largest cut that settles at most (1 - recall) of dev's units at or over the veto
            cut = float(worst[int(np.floor((1 - recall) * len(worst)))]) if recall < 1 else float(worst[0])
            rows, gate = {}, {"flagged": 0, "missed": 0, "tokens": 0.0, "settled_tokens": 0.0}
            for n in names:
                tok, settled, over = a[f"{n}.tokens"], stage[n] < cut, full[n] >= VETO
                rows[n] = {"settled_tokens": round(float(tok[settled].sum() / max(1, tok.sum())), 4),
                           "over_veto": int(over.sum()), "missed": int((over & settled).sum())}
                if n.startswith("gate"):
                    gate["flagged"] += int(over.sum())
                    gate["missed"] += int((over & settled).sum())
                    gate["tokens"] += float(tok.sum())
                    gate["settled_tokens"] += float(tok[settled].sum())
            key = f"h{hidden}-e{epochs}@{recall}"
            report[key] = {"cut": round(cut, 4), "sets": rows,
                           "gates": {"recall": round(1 - gate["missed"] / gate["flagged"], 4),
                                     "missed": gate["missed"], "over_veto": gate["flagged"],
                                     "settled_tokens": round(gate["settled_tokens"] / gate["tokens"], 4)}}
            g = report[key]["gates"]
            print(f"{key:18s} cut {cut:.4f}  six gates: recall {g['recall']:.4f} ({g['missed']} of {g['over_veto']}), "
                  f"tokens settled {g['settled_tokens']:.3f}  bench {rows['bench']['settled_tokens']:.3f}  "
                  f"dev {rows['dev']['settled_tokens']:.3f} ({rows['dev']['missed']} of {rows['dev']['over_veto']})")
    (root / "veto.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
