"""Step 1 of the D-cascade experiment: every check set's judged units, scored by the shipped model and by D.

The sets are the student-cascade experiment's check sets (dev, the spent blind sets, blind-2026-12t, the old
test split, the four real calm gates) plus the benchmark's emails. The unread default blind set is never
read. Writes OUT/units.json and OUT/scores.npz (`<set>.full` and `<set>.first` arrays, one row per unit).

Usage: python models/experiments/d-cascade-2026-12-05/scripts/units.py OUT D_MODEL_DIR FULL_MODEL_DIR

FULL_MODEL_DIR is the six-layer model `tone-head-0.1.0-df6da558-ta251`. Since the four-layer release it is
no longer in models/tone-head; restore it from git history, e.g. for f in encoder-top.safetensors
head.safetensors manifest.json; do git show 756251d:models/tone-head/$f > /tmp/ta251/$f; done.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from tonecheck.cleanup import clean
from tonecheck.detect.classifier import load_classifier
from tonecheck.detect.classifier.detector import judged_texts
from tonecheck.parse import load_pipeline, parse_many
from tonecheck.settings import Settings
from tools.benchmark.corpus import EMAILS_DIR
from tools.evaluation.__main__ import enron_gates, public_gates, stanford_quarters
from tools.training.data import (
    BLIND_DIR, PUBLIC_DIR, SHARED_DIR, enron_dev_rows, public_calm_rows, read_rows, read_split,
    spent_blind_rows, writer_rows,
)


def main() -> int:
    out, first_dir, full_dir = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    began = time.time()
    settings = Settings()
    nlp = load_pipeline(settings.spacy_model)
    full, _ = load_classifier(full_dir, 2, "auto")
    first, _ = load_classifier(first_dir, 2, "auto")
    top, _ = stanford_quarters(SHARED_DIR)
    sets = {
        "dev": [r.text for r in read_split("dev") + writer_rows(dev=True) + enron_dev_rows()
                + public_calm_rows(dev=True)],
        "spent_blind": [r.text for r in spent_blind_rows()],
        "blind_12t": [r.text for r in read_rows(BLIND_DIR / "blind-2026-12t.jsonl")],
        "test": [r.text for r in read_split("test")],
        "gate_enron": enron_gates(SHARED_DIR)["enron_p9_heldout"],  # the gates of that day: not `_b`
        "gate_stanford": top,
        **{f"gate_{k}": v for k, v in public_gates(PUBLIC_DIR).items()},
        "bench": [p.read_text(encoding="utf-8") for p in sorted(EMAILS_DIR.glob("*.txt"))],
    }
    units: dict[str, list[str]] = {}
    scores: dict[str, np.ndarray] = {}
    for name, texts in sets.items():
        got: list[str] = []
        for lo in range(0, len(texts), 512):
            for parsed in parse_many(nlp, [clean(t) for t in texts[lo:lo + 512]], settings.max_sentences):
                got += judged_texts([parsed])
        units[name] = u = sorted(set(got))
        for tag, det in (("full", full), ("first", first)):
            scores[f"{name}.{tag}"] = np.concatenate(
                [det.score(u[lo:lo + 256]) for lo in range(0, len(u), 256)] or [np.zeros((0, 4))])
        print(name, len(texts), "texts", len(u), "units", f"{time.time() - began:.0f} s", flush=True)
    (out / "units.json").write_text(json.dumps(units), encoding="utf-8")
    np.savez(out / "scores.npz", **scores)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
