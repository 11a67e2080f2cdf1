"""int8 dynamic-quantized products in the packed encoder: label agreement with fp32, against bf16's.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python models/experiments/int8-2026-12-04/scripts/int8.py GROUP [--alpha 0.5]

GROUP is `layers` (bf16, int8 on all / the bottom four / the bottom two layers), `per-matrix` (int8 on one
kind of matrix in every layer) or `smoothed` (SmoothQuant-style smoothing, calibrated on training units).
Units: every judged unit of the sets `tools.evaluation.judgments` reads (never the unread blind set).
Writes results/<GROUP>.json; the fp32 probabilities are cached in /work/int8/ref.npy.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from tonecheck.detect.classifier import packed as P
from tonecheck.detect.classifier.detector import judged_texts
from tonecheck.detect.classifier.encoder import encoder_dir
from tonecheck.detect.classifier.manifest import TOP_FILE, read_manifest
from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings
from tools.evaluation.same_parse import texts_of
from tools.training.data import enron_eval_lines, read_split

CACHE = Path("/work/int8")
RESULTS = Path(__file__).resolve().parent.parent / "results"
KINDS = ("qkv", "out", "up", "down")  # the four products of a layer, in `_layer`'s order
MARGIN = 0.1  # log-odds, as tests/test_classifier_packed.py


def judged_units(engine, texts: list[str]) -> list[str]:
    """The unique judged units of `texts`, as the classifier embeds them."""
    units: list[str] = []
    for i in range(0, len(texts), 32):
        units += judged_texts(engine._parse([EmailInput(t) for t in texts[i : i + 32]]))
    return sorted(set(units))


def quantized(w: torch.Tensor, b: torch.Tensor):
    """An int8 weight, one scale per output row, packed with its bias for `linear_dynamic`."""
    w = w.float()
    scale = (w.abs().amax(1) / 127).clamp(min=1e-8).double()
    qw = torch.quantize_per_channel(w, scale, torch.zeros(w.shape[0], dtype=torch.long), 0, torch.qint8)
    return torch.ops.quantized.linear_prepack(qw, b.float())


class Int8Encoder(P.PackedEncoder):
    """The packed encoder with int8 products for `kinds` in `layers`, optionally smoothed by `stats`."""

    def __init__(self, top: Path, layers, kinds, stats=None, alpha: float = 0.5) -> None:
        super().__init__(encoder_dir(), top_layers=top, precision="bf16")
        for i, layer in enumerate(self.layers):
            if i not in layers:
                continue
            layer.q, layer.s = [], {}
            for j, name in enumerate(KINDS):
                w, b = getattr(layer, name), getattr(layer, f"{name}_b")
                if j in kinds and stats is not None:
                    # x / s into the int8 product, w * s into its weight: the same product in exact arithmetic.
                    a, wm = stats[i][name].clamp(min=1e-5), w.float().abs().amax(0).clamp(min=1e-5)
                    s = (a**alpha / wm ** (1 - alpha)).clamp(min=1e-5)
                    w, layer.s[j] = (w.float() * s[None, :]).to(w.dtype), 1 / s
                layer.q.append(quantized(w, b) if j in kinds else (w, b))

    def _layer(self, layer, x, chunks):
        if not hasattr(layer, "q"):
            return super()._layer(layer, x, chunks)

        def lin(x: torch.Tensor, j: int) -> torch.Tensor:
            p = layer.q[j]
            if isinstance(p, tuple):
                return F.linear(x.bfloat16(), *p).float()
            return torch.ops.quantized.linear_dynamic(x * layer.s[j] if j in layer.s else x, p, False)

        qkv = lin(x, 0)
        context = torch.empty(x.shape[0], self.dim)
        hd = self.dim // self.heads
        for c in chunks:
            part = qkv[c.rows] if c.gather is None else qkv[c.rows].index_select(0, c.gather)
            q, k, v = part.view(c.count, c.width, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
            att = F.scaled_dot_product_attention(q, k, v, attn_mask=c.bias)
            att = att.transpose(1, 2).reshape(c.count * c.width, self.dim)
            context[c.rows] = att if c.scatter is None else att.index_select(0, c.scatter)
        h = F.layer_norm(lin(context, 1) + x, (self.dim,), *layer.ln1, eps=self.eps)
        y = lin(F.gelu(lin(h, 2)), 3) + h
        return F.layer_norm(y, (self.dim,), *layer.ln2, eps=self.eps)


def input_stats(top: Path, units: list[str]) -> dict[int, dict[str, torch.Tensor]]:
    """Per layer and product, the largest |input| of each channel over `units` (fp32 encoder)."""
    stats: dict[int, dict[str, torch.Tensor]] = {}
    enc = P.PackedEncoder(encoder_dir(), top_layers=top, precision="fp32")
    plain, layer_fn, where = P._linear, enc._layer, [0, 0]  # (layer, product) being run

    def spy(x, w, b):
        i, name = where[0], KINDS[where[1]]
        where[1] += 1
        m, old = x.float().abs().amax(0), stats.setdefault(i, {}).get(name)
        stats[i][name] = m if old is None else torch.maximum(old, m)
        return plain(x, w, b)

    def traced(layer, x, chunks):
        where[:] = [enc.layers.index(layer), 0]
        return layer_fn(layer, x, chunks)

    P._linear, enc._layer = spy, traced
    try:
        enc.embed(units)
    finally:
        P._linear = plain
    return stats


def main() -> None:
    """Run one group of variants and write its results."""
    parser = argparse.ArgumentParser()
    parser.add_argument("group", choices=["layers", "per-matrix", "smoothed"])
    parser.add_argument("--alpha", type=float, default=0.5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    P.prepack = lambda w: w  # plain bf16 weights: this script reads and scales them
    settings = Settings(score_cache_units=0)
    engine = build_engine(settings)
    sets = {name: judged_units(engine, enron_eval_lines()[:3000] if name == "enron-eval" else texts_of(name, settings))
            for name in ("dev", "test", "scored-blind", "enron-eval", "bench")}
    units = sorted({u for us in sets.values() for u in us})
    print("units", {k: len(v) for k, v in sets.items()}, "all", len(units), flush=True)
    manifest = read_manifest(settings.model_dir)
    top, head = settings.model_dir / TOP_FILE, engine.classifier.head
    thresholds = {"default": np.array(list(manifest.thresholds.values())),
                  "strict": np.array(list(manifest.sensitivity["strict"].values()))}

    def probs(enc) -> tuple[np.ndarray, float]:
        began = time.perf_counter()
        return head.probabilities(enc.embed(units)), time.perf_counter() - began

    CACHE.mkdir(exist_ok=True)
    if (CACHE / "ref.npy").exists():
        ref = np.load(CACHE / "ref.npy")
    else:
        ref = probs(P.PackedEncoder(encoder_dir(), top_layers=top, precision="fp32"))[0]
        np.save(CACHE / "ref.npy", ref)
    every = range(6)
    if args.group == "layers":
        variants = {"bf16": lambda: P.PackedEncoder(encoder_dir(), top_layers=top, precision="bf16"),
                    "int8-all": lambda: Int8Encoder(top, every, range(4)),
                    "int8-bottom4": lambda: Int8Encoder(top, range(4), range(4)),
                    "int8-bottom2": lambda: Int8Encoder(top, range(2), range(4))}
    elif args.group == "per-matrix":
        variants = {name: (lambda j=j: Int8Encoder(top, every, (j,))) for j, name in enumerate(KINDS)}
    else:
        train = judged_units(engine, [r.text for r in read_split("train")])[:6000]
        print("calibration units", len(train), flush=True)
        stats = input_stats(top, train)
        variants = {name: (lambda kinds=kinds: Int8Encoder(top, every, kinds, stats, args.alpha))
                    for name, kinds in (("sq-qkv", (0,)), ("sq-up", (2,)), ("sq-qkv-out-up", (0, 1, 2)),
                                        ("sq-all", (0, 1, 2, 3)))}

    def logit(p: np.ndarray) -> np.ndarray:
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return np.log(p / (1 - p))

    index = {u: i for i, u in enumerate(units)}
    results = {}
    for name, make in variants.items():
        p, seconds = probs(make())
        row = {"seconds": round(seconds, 1), "max_prob_diff": float(np.abs(p - ref).max()),
               "max_logit_diff": float(np.abs(logit(p) - logit(ref)).max())}
        for level, t in thresholds.items():
            flip = ((p >= t) != (ref >= t)).any(1)
            clear = (np.abs(logit(ref) - logit(t)) >= MARGIN).all(1)
            row[f"flips_{level}"] = int(flip.sum())
            row[f"flips_clear_{level}"] = int((flip & clear).sum())
            row[f"flagged_ref_{level}"] = int((ref >= t).any(1).sum())
            row[f"flips_by_set_{level}"] = {s: int(flip[[index[u] for u in us]].sum()) for s, us in sets.items()}
        results[name] = row
        print(name, json.dumps(row), flush=True)
    (RESULTS / f"{args.group}.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
