"""Step 2: fit an exit head on layer-2 embeddings, distilled from the shipped model, and measure what it settles.

A unit is settled when the head's probability is under tau x the threshold in force for every category (the
heated threshold being the pair level, 0.6, where that applies). tau is chosen on dev for 99.5% recall of
the units the shipped model flags at that level; the other sets only report.

Usage: python models/experiments/exit2-cascade-2026-12-05/scripts/exits.py DIR [hidden] [epochs]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

LEVELS = {  # the manifest's thresholds; heated at the pair level where the pair rule applies
    "default": [0.60, 0.65, 0.65, 0.60],
    "strict": [0.20, 0.20, 0.30, 0.25],
    "relaxed": [0.80, 0.75, 0.85, 0.99],
}
RECALL = 0.995


def head(dim: int, hidden: int) -> torch.nn.Module:
    """The exit head: layer-2 embedding -> hidden -> one logit per category."""
    return torch.nn.Sequential(torch.nn.Linear(dim, hidden), torch.nn.GELU(), torch.nn.Linear(hidden, 4))


def fit(x: np.ndarray, y: np.ndarray, hidden: int, epochs: int, seed: int = 13) -> torch.nn.Module:
    torch.manual_seed(seed)
    net = head(x.shape[1], hidden)
    xt, yt = torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y.astype(np.float32))
    w = torch.where(yt.max(1).values >= 0.05, 21.0, 1.0)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = epochs * (len(xt) // 512 + 1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(xt), generator=g)
        for lo in range(0, len(xt), 512):
            b = perm[lo:lo + 512]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(xt[b]), yt[b], reduction="none")
            loss = (loss.mean(1) * w[b]).sum() / w[b].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return net.eval()


def main() -> int:
    root = Path(sys.argv[1])
    hidden = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    a = np.load(root / "arrays.npz")
    names = sorted({k.split(".")[0] for k in a.files})
    net = fit(a["distil.l2"], a["distil.full"], hidden, epochs)
    with torch.no_grad():
        stage = {n: torch.sigmoid(net(torch.from_numpy(a[f"{n}.l2"].astype(np.float32)))).numpy() for n in names}
    report = {}
    for level, t in LEVELS.items():
        t = np.array(t)
        ratio = stage["dev"] / t
        flagged = (a["dev.full"] >= t).any(1)
        worst = np.sort(ratio[flagged].max(1))  # a flagged unit settles when its largest ratio is under tau
        tau = min(1.0, float(worst[int(np.floor((1 - RECALL) * len(worst)))]))
        rows = {}
        for n in names:
            full, tok = a[f"{n}.full"], a[f"{n}.tokens"]
            settled = (stage[n] < tau * t).all(1)
            flag = (full >= t).any(1)
            rows[n] = {"units": int(len(full)), "settled": round(float(settled.mean()), 4) if len(full) else 0,
                       "settled_tokens": round(float(tok[settled].sum() / max(1, tok.sum())), 4),
                       "flagged": int(flag.sum()), "missed": int((flag & settled).sum())}
        report[level] = {"tau": round(tau, 4), "sets": rows}
        print(f"== {level}: tau {tau:.4f}")
        for n, r in rows.items():
            rec = 1 - r["missed"] / r["flagged"] if r["flagged"] else float("nan")
            print(f"  {n:28s} units {r['units']:6d} settled {r['settled']:.3f} tokens {r['settled_tokens']:.3f} "
                  f"flagged {r['flagged']:5d} missed {r['missed']:3d} recall {rec:.4f}")
    (root / f"exits-h{hidden}-e{epochs}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    torch.save(net.state_dict(), root / f"exit-h{hidden}-e{epochs}.pt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
