"""Step 2: distil a small full-depth student from the shipped model, choose its exit, and report.

The student is the encoder's own embeddings (frozen) and LAYERS transformer layers started from the
encoder's first ones, all trained, with a small head, to reproduce the shipped model's calibrated
probabilities on the `distil` units. A unit is settled by the student alone when every category's
student probability is under tau x its `strict` threshold; tau is chosen on dev + spent blind units for
RECALL of the units the full model flags at `strict`, capped at 1, then checked on the other sets.

Usage: python .../student.py WORK [--layers 2] [--epochs 2]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from tonecheck.detect.classifier.encoder import MAX_TOKENS, encoder_dir
from tonecheck.detect.classifier.manifest import read_manifest
from tonecheck.engine import policy_from
from tonecheck.findings import CATEGORIES, Sensitivity
from tonecheck.settings import Settings

RECALL = 0.995
SEED = 13


class Student(torch.nn.Module):
    """Frozen embeddings, `layers` BERT layers, mean pooling, L2 norm, an MLP head: four logits."""

    def __init__(self, layers: int, hidden: int = 256) -> None:
        super().__init__()
        from transformers import BertConfig, BertModel

        d = encoder_dir()
        config = BertConfig.from_pretrained(d, local_files_only=True)
        config.num_hidden_layers = layers
        self.bert = BertModel.from_pretrained(d, config=config, local_files_only=True, add_pooling_layer=False)
        for p in self.bert.embeddings.parameters():
            p.requires_grad = False
        self.head = torch.nn.Sequential(torch.nn.Linear(config.hidden_size, hidden), torch.nn.GELU(),
                                        torch.nn.Linear(hidden, len(CATEGORIES)))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(h.dtype)
        pooled = F.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1)
        return self.head(pooled)


def tokenizer():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(encoder_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS)
    return tok


def batches(ids: list[list[int]], size: int, shuffle: bool, rng: random.Random):
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    groups = [order[lo:lo + size] for lo in range(0, len(order), size)]
    if shuffle:
        rng.shuffle(groups)
    for g in groups:
        width = max(len(ids[i]) for i in g)
        t = torch.zeros(len(g), width, dtype=torch.long)
        m = torch.zeros(len(g), width, dtype=torch.long)
        for r, i in enumerate(g):
            t[r, :len(ids[i])] = torch.tensor(ids[i])
            m[r, :len(ids[i])] = 1
        yield g, t, m


def predict(model: Student, ids: list[list[int]]) -> np.ndarray:
    out = np.zeros((len(ids), len(CATEGORIES)), dtype=np.float32)
    model.eval()
    with torch.inference_mode():
        for g, t, m in batches(ids, 256, False, random.Random(0)):
            out[g] = torch.sigmoid(model(t, m)).numpy()
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("work", type=Path)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--tag", default="")
    ap.add_argument("--max-units", type=int, default=0, help="distil units kept: all the full model scores, a sample of the rest (0: all)")
    ap.add_argument("--loss", choices=["bce", "logit"], default="logit")
    args = ap.parse_args()
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = random.Random(SEED)
    began = time.time()
    units = json.loads((args.work / "units.json").read_text(encoding="utf-8"))
    teacher = dict(np.load(args.work / "teacher.npz"))
    tok = tokenizer()
    ids = {k: [e.ids for e in tok.encode_batch(v)] for k, v in units.items()}
    policy = policy_from(read_manifest(Settings().model_dir))
    strict = np.array([policy.level(c, Sensitivity.STRICT) for c in CATEGORIES], dtype=np.float32)
    default = np.array([policy.thresholds[c] for c in CATEGORIES], dtype=np.float32)

    # Keep every unit the full model scores at all, and a seeded sample of the plainly calm rest.
    scored = teacher["distil"].max(axis=1) >= 0.02
    rest = [i for i in range(len(scored)) if not scored[i]]
    rng.shuffle(rest)
    room = len(rest) if not args.max_units else max(0, args.max_units - int(scored.sum()))
    keep = sorted([i for i in range(len(scored)) if scored[i]] + rest[:room])
    ids["distil"] = [ids["distil"][i] for i in keep]
    teacher["distil"] = teacher["distil"][keep]
    print("distil units", len(keep), "scored", int(scored.sum()), flush=True)
    model = Student(args.layers)
    params = [{"params": [p for p in model.bert.parameters() if p.requires_grad], "lr": args.lr},
              {"params": model.head.parameters(), "lr": 1e-3}]
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    y = torch.from_numpy(teacher["distil"])
    n_batches = math.ceil(len(ids["distil"]) / args.batch)
    total = int(n_batches * args.epochs)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / 200) * max(0.05, 1 - s / total))
    step = 0
    while step < total:
        model.train()
        for g, t, m in batches(ids["distil"], args.batch, True, rng):
            target = y[g]
            if args.loss == "logit":
                # The full model's log-odds, clipped: the exit compares log-odds far below the thresholds, so
                # the student must learn how calm a calm unit is, not only that it is under 0.5.
                z = torch.logit(target.clamp(1e-4, 1 - 1e-4)).clamp(-8.0, 8.0)
                loss = F.huber_loss(model(t, m), z)
            else:
                # The units that decide the exit are the ones the full model scores at all: weigh them up.
                weight = 1.0 + 20.0 * (target >= 0.05).float()
                loss = F.binary_cross_entropy_with_logits(model(t, m), target, weight=weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 200 == 0:
                print(f"step {step}/{total} loss {loss.item():.4f} {time.time() - began:.0f} s", flush=True)
            if step >= total:
                break
    tag = args.tag or f"l{args.layers}"
    torch.save(model.state_dict(), args.work / f"student-{tag}.pt")
    preds = {k: predict(model, v) for k, v in ids.items() if k != "distil"}
    np.savez(args.work / f"student-{tag}.npz", **preds)

    ratio = {k: (p / strict).max(axis=1) for k, p in preds.items()}
    tune = ["dev", "spent_blind"]
    flagged_tune = np.concatenate([(teacher[k] >= strict).any(axis=1) for k in tune])
    r_tune = np.concatenate([ratio[k] for k in tune])
    tau = float(min(1.0, np.quantile(r_tune[flagged_tune], 1 - RECALL)))
    report = {"distilled_units": len(keep), "loss": args.loss, "layers": args.layers, "epochs": args.epochs, "tau": round(tau, 4), "seconds": round(time.time() - began),
              "sets": {}}
    for k in preds:
        settled = ratio[k] < tau
        tokens = np.array([len(x) for x in ids[k]])
        fig = {"units": len(settled), "settled": round(float(settled.mean()), 4),
               "settled_tokens": round(float(tokens[settled].sum() / max(1, tokens.sum())), 4)}
        for level, limits in (("strict", strict), ("default", default)):
            flagged = (teacher[k] >= limits).any(axis=1)
            fig[f"flagged_{level}"] = int(flagged.sum())
            fig[f"missed_{level}"] = int((flagged & settled).sum())
        report["sets"][k] = fig
        print(k, json.dumps(fig), flush=True)
    print("tau", tau)
    (args.work / f"report-{tag}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
