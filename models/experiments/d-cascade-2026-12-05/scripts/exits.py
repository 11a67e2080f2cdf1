"""Step 2 of the D-cascade experiment: for each exit level tau, the units D settles and the full model's flags it would miss.

A unit is settled when D's probability is under tau x the shipped `strict` threshold in every category.
A flag is the full (shipped) model's score at or over a threshold: `strict`, or `default` (the shipped
thresholds, and heat >= 0.6, the level at which two sentences hold a draft together). Units are weighed
by characters for the share of encoder work they stand for.

Usage: python models/experiments/d-cascade-2026-12-05/scripts/exits.py OUT [tau ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

STRICT = np.array([0.25, 0.20, 0.30, 0.25])
DEFAULT = np.array([0.70, 0.65, 0.75, 0.60])  # heated: the heat-pair level 0.6, under the 0.98 hold level
TUNING = ("dev", "spent_blind")


def main() -> int:
    out = Path(sys.argv[1])
    taus = [float(t) for t in sys.argv[2:]] or [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0]
    units = json.loads((out / "units.json").read_text(encoding="utf-8"))
    scores = np.load(out / "scores.npz")
    print(f"{'set':22s} {'units':>6s} {'tau':>5s} {'settled':>8s} {'chars':>6s} {'miss strict':>13s} {'miss default':>13s}")
    for name, texts in units.items():
        full, first = scores[f"{name}.full"], scores[f"{name}.first"]
        chars = np.array([len(t) for t in texts], dtype=float)
        strict, default = (full >= STRICT).any(axis=1), (full >= DEFAULT).any(axis=1)
        for tau in taus:
            settled = (first < tau * STRICT).all(axis=1)
            print(f"{name:22s} {len(texts):6d} {tau:5.2f} {settled.mean():8.1%} {chars[settled].sum() / chars.sum():6.1%} "
                  f"{(settled & strict).sum():4d} of {strict.sum():5d} {(settled & default).sum():4d} of {default.sum():5d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
