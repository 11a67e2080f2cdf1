"""Step 1 of the student-cascade experiment: every set's judged units, and the shipped model's scores on them.

Distillation text (`distil`) is what `make train` learns from plus unlabelled public text it does not use
(the rest of the public train files, all GoEmotions train rows, ParaDetox's toxic side). The checks
(`dev`, `test`, the spent blind sets, the real calm gates) are never distilled from. The unread default
blind set is never read. Writes OUT/units.json and OUT/teacher.npz.

Usage: python models/experiments/student-cascade-2026-12-04/scripts/units.py OUT
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from tonecheck.cleanup import clean
from tonecheck.detect.classifier import load_classifier
from tonecheck.detect.classifier.detector import judged_texts
from tonecheck.parse import load_pipeline, parse_many
from tonecheck.settings import Settings
from tools.evaluation.__main__ import ENRON_SAMPLE, public_gates, stanford_quarters
from tools.training.data import (
    BLIND_DIR, PUBLIC_DEV_PER_SOURCE, PUBLIC_DIR, PUBLIC_TRAIN_PER_SOURCE, SHARED_DIR, SPENT_BLIND,
    enron_dev_rows, enron_eval_lines, enron_train_rows, extra_train_rows, public_calm_rows, read_rows, read_split,
    trained_blind_rows, writer_rows,
)

MIRRORS = Path("/work/.mirror")


def git_show(repo: str, path: str) -> str:
    git_dir = MIRRORS / repo.replace("/", "+") / "repo"
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def public_unused() -> list[str]:
    """Public train-file lines that make train neither trains on nor picks for dev (past both slices)."""
    out = []
    for path in sorted((PUBLIC_DIR / "train").glob("*.txt")):
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        order = sorted(range(len(lines)), key=lambda i: hashlib.sha256(f"{path.stem}:{i}".encode()).digest())
        out += [lines[i] for i in order[PUBLIC_TRAIN_PER_SOURCE + PUBLIC_DEV_PER_SOURCE:]]
    return out


def goemotions_train() -> list[str]:
    rows = git_show("monologg/GoEmotions-pytorch", "data/original/train.tsv").splitlines()
    return [r.split("\t")[0] for r in rows if r.strip()]


def paradetox_toxic() -> list[str]:
    text = git_show("s-nlp/paradetox", "paradetox/paradetox.tsv")
    reader = csv.reader(io.StringIO(text), delimiter="\t")
    next(reader)
    return sorted({r[0] for r in reader if r and r[0].strip()})


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    began = time.time()
    settings = Settings()
    torch.set_num_threads(2)
    nlp = load_pipeline(settings.spacy_model)
    detector, _ = load_classifier(settings.model_dir, 2, "fp32")
    enron = enron_eval_lines(SHARED_DIR)
    top, _ = stanford_quarters(SHARED_DIR)
    sets = {
        "distil": [r.text for r in read_split("train") + extra_train_rows() + writer_rows(dev=False)
                   + enron_train_rows() + public_calm_rows(dev=False) + trained_blind_rows()]
                  + public_unused() + goemotions_train() + paradetox_toxic(),
        "dev": [r.text for r in read_split("dev") + writer_rows(dev=True) + enron_dev_rows()
                + public_calm_rows(dev=True)],
        "spent_blind": [r.text for name in SPENT_BLIND for r in read_rows(BLIND_DIR / f"{name}.jsonl")],
        "blind_12t": [r.text for r in read_rows(BLIND_DIR / "blind-2026-12t.jsonl")],
        "test": [r.text for r in read_split("test")],
        "gate_enron": enron[:: max(1, len(enron) // ENRON_SAMPLE)][:ENRON_SAMPLE],
        "gate_stanford": top,
        **{f"gate_{k}": v for k, v in public_gates(PUBLIC_DIR).items()},
    }
    units: dict[str, list[str]] = {}
    seen: set[str] = set()
    for name, texts in sets.items():
        got: list[str] = []
        for lo in range(0, len(texts), 512):
            for parsed in parse_many(nlp, [clean(t) for t in texts[lo:lo + 512]], settings.max_sentences):
                got += judged_texts([parsed])
        uniq = sorted(set(got))
        if name == "distil":
            seen = set(uniq)
        else:
            uniq = [u for u in uniq if u not in seen]  # a check unit never trained on
        units[name] = uniq
        print(name, len(texts), "texts", len(uniq), "units", f"{time.time() - began:.0f} s", flush=True)
    (out / "units.json").write_text(json.dumps(units), encoding="utf-8")
    scores = {}
    for name, u in units.items():
        scores[name] = np.concatenate([detector.score(u[lo:lo + 2048]) for lo in range(0, len(u), 2048)])
        print("scored", name, f"{time.time() - began:.0f} s", flush=True)
    np.savez(out / "teacher.npz", **scores)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
