"""Step 1 of the D-cascade experiment: every check set's judged units, scored by the shipped model and by D.

The sets are the student-cascade experiment's check sets (dev, the spent blind sets, blind-2026-12t, the old
test split, the four real calm gates) plus the benchmark's emails. The unread default blind set is never
read. Writes OUT/units.json and OUT/scores.npz (`<set>.full` and `<set>.first` arrays, one row per unit).

Usage: python models/experiments/d-cascade-2026-12-05/scripts/units.py OUT D_MODEL_DIR
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
from tools.evaluation.__main__ import ENRON_SAMPLE, public_gates, stanford_quarters
from tools.training.data import (
    BLIND_DIR, PUBLIC_DIR, SHARED_DIR, SPENT_BLIND, enron_dev_rows, enron_eval_lines, public_calm_rows,
    read_rows, read_split, writer_rows,
)


def main() -> int:
    out, first_dir = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    began = time.time()
    settings = Settings()
    nlp = load_pipeline(settings.spacy_model)
    full, _ = load_classifier(settings.model_dir, 2, "auto")
    first, _ = load_classifier(first_dir, 2, "auto")
    enron = enron_eval_lines(SHARED_DIR)
    top, _ = stanford_quarters(SHARED_DIR)
    sets = {
        "dev": [r.text for r in read_split("dev") + writer_rows(dev=True) + enron_dev_rows()
                + public_calm_rows(dev=True)],
        "spent_blind": [r.text for name in SPENT_BLIND for r in read_rows(BLIND_DIR / f"{name}.jsonl")],
        "blind_12t": [r.text for r in read_rows(BLIND_DIR / "blind-2026-12t.jsonl")],
        "test": [r.text for r in read_split("test")],
        "gate_enron": enron[:: max(1, len(enron) // ENRON_SAMPLE)][:ENRON_SAMPLE],
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
