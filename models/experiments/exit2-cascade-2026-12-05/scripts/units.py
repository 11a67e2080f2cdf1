"""Step 1 of the layer-2 exit experiment: judged units, their layer-2 embeddings and the shipped model's scores.

The shipped model runs MiniLM's first four layers and fine-tunes layers 3-4, so the states after layer 2 are
the same whether or not a unit goes on: a first stage there costs half the encoder and loses nothing.
`distil` is what `make train` learns from plus public text it does not (GoEmotions train comments, ParaDetox's
toxic side); every check set drops units that occur in it. The unread blind sets and `enron_p9_heldout_c`
are never read. Writes OUT/units.json and OUT/arrays.npz (`<set>.l2`: layer-2 embeddings, `<set>.full`:
the shipped model's probabilities, `<set>.tokens`: word pieces per unit).

Usage: python models/experiments/exit2-cascade-2026-12-05/scripts/units.py OUT
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from tonecheck.cleanup import clean
from tonecheck.detect.classifier import load_classifier
from tonecheck.detect.classifier.detector import judged_texts
from tonecheck.detect.classifier.packed import PackedEncoder
from tonecheck.parse import load_pipeline, parse_many
from tonecheck.settings import Settings
from tools.benchmark.corpus import EMAILS_DIR
from tools.evaluation.__main__ import enron_gates, public_gates, stanford_quarters, stanford_second_quarter
from tools.training.data import (
    PUBLIC_DIR, SHARED_DIR, enron_dev_rows, enron_train_rows, extra_train_rows, public_calm_rows, read_split,
    spent_blind_rows, trained_blind_rows, writer_rows,
)

MIRRORS = Path("/work/.mirror")
EXIT = 2


def git_show(repo: str, path: str) -> str:
    git_dir = MIRRORS / repo.replace("/", "+") / "repo"
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def goemotions_train() -> list[str]:
    rows = git_show("monologg/GoEmotions-pytorch", "data/original/train.tsv").splitlines()
    return [r.split("\t")[0] for r in rows if r.strip()]


def paradetox_toxic() -> list[str]:
    reader = csv.reader(io.StringIO(git_show("s-nlp/paradetox", "paradetox/paradetox.tsv")), delimiter="\t")
    next(reader)
    return sorted({r[0] for r in reader if r and r[0].strip()})


def pooled(enc: PackedEncoder, ids: list[list[int]], x: torch.Tensor) -> torch.Tensor:
    lengths = [len(i) for i in ids]
    owner = torch.repeat_interleave(torch.arange(len(lengths)), torch.tensor(lengths))
    out = torch.zeros(len(lengths), enc.dim).index_add_(0, owner, x)
    return F.normalize(out / torch.tensor(lengths, dtype=torch.float32)[:, None], dim=-1)


def staged(enc: PackedEncoder, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Layer-EXIT and final embeddings of `texts`, as PackedEncoder._pass computes them."""
    ids = enc.token_ids(texts)
    order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
    ids = [ids[i] for i in order]
    lengths = [len(i) for i in ids]
    flat = torch.tensor([t for x in ids for t in x], dtype=torch.long)
    positions = torch.cat([torch.arange(n) for n in lengths])
    x = F.layer_norm(enc.word[flat] + enc.position[positions] + enc.token_type, (enc.dim,), *enc.ln0, eps=enc.eps)
    # One attention call per sentence, as PackedEncoder has since 5 Dec 19:40 (the run recorded in
    # ../results used the like-width padded chunks of that time; the two agree to ~1e-7 in fp32).
    ends = np.cumsum(lengths).tolist()
    chunks = [slice(end - n, end) for n, end in zip(lengths, ends, strict=True)]
    mid = None
    for k, layer in enumerate(enc.layers, 1):
        x = enc._layer(layer, x, chunks)
        if k == EXIT:
            mid = pooled(enc, ids, x)
    final = pooled(enc, ids, x)
    back = np.argsort(order)
    return mid.numpy()[back], final.numpy()[back]


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    began = time.time()
    settings = Settings()
    torch.set_num_threads(2)
    nlp = load_pipeline(settings.spacy_model)
    detector, _ = load_classifier(settings.model_dir, 2, "auto")
    enc: PackedEncoder = detector.encoder
    enron = enron_gates(SHARED_DIR)
    top, _ = stanford_quarters(SHARED_DIR)
    sets = {
        "distil": [r.text for r in read_split("train") + extra_train_rows() + writer_rows(dev=False)
                   + enron_train_rows() + public_calm_rows(dev=False) + trained_blind_rows()]
                  + goemotions_train() + paradetox_toxic(),
        "dev": [r.text for r in read_split("dev") + writer_rows(dev=True) + enron_dev_rows()
                + public_calm_rows(dev=True)],
        "spent_blind": [r.text for r in spent_blind_rows()],
        "test": [r.text for r in read_split("test")],
        "gate_enron_a": enron["enron_p9_heldout"],
        "gate_enron_b": enron["enron_p9_heldout_b"],
        "gate_stanford_top": top,
        "gate_stanford_second": stanford_second_quarter(SHARED_DIR),
        **{f"gate_{k}": v for k, v in public_gates(PUBLIC_DIR).items()},
        "bench": [p.read_text(encoding="utf-8") for p in sorted(EMAILS_DIR.glob("*.txt"))],
    }
    units: dict[str, list[str]] = {}
    arrays: dict[str, np.ndarray] = {}
    seen: set[str] = set()
    with torch.inference_mode():
        for name, texts in sets.items():
            got: list[str] = []
            for lo in range(0, len(texts), 512):
                for parsed in parse_many(nlp, [clean(t) for t in texts[lo:lo + 512]], settings.max_sentences):
                    got += judged_texts([parsed])
            uniq = sorted(set(got))
            if name == "distil":
                seen = set(uniq)
            else:
                uniq = [u for u in uniq if u not in seen]
            units[name] = uniq
            mids, finals = [], []
            for lo in range(0, len(uniq), 256):
                m, f = staged(enc, uniq[lo:lo + 256])
                mids.append(m)
                finals.append(f)
            mid = np.concatenate(mids) if mids else np.zeros((0, enc.dim), np.float32)
            fin = np.concatenate(finals) if finals else np.zeros((0, enc.dim), np.float32)
            arrays[f"{name}.l2"] = mid.astype(np.float16)
            arrays[f"{name}.full"] = detector.head.probabilities(fin) if len(fin) else np.zeros((0, 4), np.float32)
            arrays[f"{name}.tokens"] = np.array([len(i) for i in enc.token_ids(uniq)] if uniq else [], np.int32)
            print(name, len(texts), "texts", len(uniq), "units", f"{time.time() - began:.0f} s", flush=True)
    (out / "units.json").write_text(json.dumps(units), encoding="utf-8")
    np.savez(out / "arrays.npz", **arrays)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
