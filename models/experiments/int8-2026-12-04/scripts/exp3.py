"""int8 dynamic-quantized linears in the packed encoder: agreement with fp32 against bf16's."""
import sys, time, json
import numpy as np, torch, torch.nn.functional as F
from tonecheck.settings import Settings
from tonecheck.engine import build_engine, EmailInput
from tonecheck.detect.classifier.detector import judged_texts
from tonecheck.detect.classifier import packed as P
from tonecheck.detect.classifier.encoder import encoder_dir
from tonecheck.detect.classifier.manifest import read_manifest, TOP_FILE
from tools.evaluation.same_parse import texts_of
from tools.training.data import enron_eval_lines
torch.set_num_threads(1)
P.prepack = lambda w: w
settings = Settings(score_cache_units=0)
eng = build_engine(settings)
units = {}
for name in ("dev", "test", "scored-blind", "enron-eval", "bench"):
    texts = enron_eval_lines()[:3000] if name == "enron-eval" else texts_of(name, settings)
    us = []
    for i in range(0, len(texts), 32):
        us += judged_texts(eng._parse([EmailInput(t) for t in texts[i:i+32]]))
    units[name] = sorted(set(us))
    print(name, len(texts), "emails", len(units[name]), "units", flush=True)
allu = sorted({u for v in units.values() for u in v})
print("all units", len(allu), flush=True)
man = read_manifest(settings.model_dir)
top = settings.model_dir / TOP_FILE
head = eng.classifier.head
thr = np.array(list(man.thresholds.values())); strict = np.array(list(man.sensitivity["strict"].values()))

from tools.training.data import read_split
cal_texts = [r.text for r in read_split("train")]
cal_units = []
for i in range(0, len(cal_texts), 32):
    cal_units += judged_texts(eng._parse([EmailInput(t) for t in cal_texts[i:i+32]]))
cal_units = sorted(set(cal_units))[:6000]
print("calibration units", len(cal_units), flush=True)
STATS = {}
class Cal(P.PackedEncoder):
    def _layer(self, layer, x, chunks):
        i = self.layers.index(layer)
        st = STATS.setdefault(i, {})
        def rec(k, t):
            m = t.float().abs().amax(0)
            st[k] = torch.maximum(st[k], m) if k in st else m
        orig = P._linear
        def spy(inp, w, b, _k=iter(["qkv", "out", "up", "down"])):
            rec(next(_k), inp); return orig(inp, w, b)
        P._linear = spy
        try:
            return super()._layer(layer, x, chunks)
        finally:
            P._linear = orig
cal = Cal(encoder_dir(), top_layers=top, precision="fp32")
cal.embed(cal_units)
ALPHA = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5

def qlin(w, b):
    w = w.float()
    scale = (w.abs().amax(1) / 127).clamp(min=1e-8).double()
    qw = torch.quantize_per_channel(w, scale, torch.zeros(w.shape[0], dtype=torch.long), 0, torch.qint8)
    return torch.ops.quantized.linear_prepack(qw, b.float())

class Q8(P.PackedEncoder):
    def __init__(self, *a, int8_layers=(), kinds=(0,1,2,3), smooth=False, **k):
        super().__init__(*a, precision="bf16", **k)
        self.int8 = set(int8_layers)
        for i, l in enumerate(self.layers):
            l.s = {}
            if i in self.int8 and smooth:
                for j, (n, w) in enumerate((("qkv", l.qkv), ("out", l.out), ("up", l.up), ("down", l.down))):
                    if j in kinds:
                        a = STATS[i][n].clamp(min=1e-5); wm = w.float().abs().amax(0).clamp(min=1e-5)
                        sc = (a ** ALPHA / wm ** (1 - ALPHA)).clamp(min=1e-5)
                        setattr(l, n, (w.float() * sc[None, :]).to(w.dtype)); l.s[j] = 1 / sc
            if i in self.int8:
                l.q = [qlin(w, b) if j in kinds else (w, b) for j, (w, b) in enumerate(((l.qkv, l.qkv_b), (l.out, l.out_b), (l.up, l.up_b), (l.down, l.down_b)))]
    def _layer(self, layer, x, chunks):
        if not hasattr(layer, "q"):
            return super()._layer(layer, x, chunks)
        def lin(x, j):
            p = layer.q[j]
            if isinstance(p, tuple):
                return F.linear(x.bfloat16(), *p).float()
            if j in layer.s:
                x = x * layer.s[j]
            return torch.ops.quantized.linear_dynamic(x, p, False)
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
        up = F.gelu(lin(h, 2))
        y = lin(up, 3) + h
        return F.layer_norm(y, (self.dim,), *layer.ln2, eps=self.eps)

def probs(enc):
    t = time.perf_counter()
    out = head.probabilities(enc.embed(allu))
    return out, time.perf_counter() - t

def logit(p):
    p = np.clip(p, 1e-7, 1 - 1e-7); return np.log(p / (1 - p))

import os
if os.path.exists("/work/int8/ref.npy"):
    ref, tref = np.load("/work/int8/ref.npy"), 0
else:
    ref, tref = probs(P.PackedEncoder(encoder_dir(), top_layers=top, precision="fp32")); np.save("/work/int8/ref.npy", ref)
print("fp32 s", round(tref, 1), flush=True)
idx = {u: i for i, u in enumerate(allu)}
variants = {k: (lambda kk=kk: Q8(encoder_dir(), top_layers=top, int8_layers=range(6), kinds=kk, smooth=True)) for k, kk in
  (("sq-qkv", (0,)), ("sq-up", (2,)), ("sq-qkv-out-up", (0, 1, 2)), ("sq-all", (0, 1, 2, 3)))}
_unused = {"bf16": lambda: P.PackedEncoder(encoder_dir(), top_layers=top, precision="bf16"),
            "int8-all": lambda: Q8(encoder_dir(), top_layers=top, int8_layers=range(6)),
            "int8-bottom4": lambda: Q8(encoder_dir(), top_layers=top, int8_layers=range(4)),
            "int8-bottom2": lambda: Q8(encoder_dir(), top_layers=top, int8_layers=range(2))}
res = {}
for name, mk in variants.items():
    p, s = probs(mk())
    row = {"seconds": round(s, 1), "max_prob_diff": float(np.abs(p - ref).max()),
           "max_logit_diff": float(np.abs(logit(p) - logit(ref)).max())}
    for tname, t in (("default", thr), ("strict", strict)):
        flip = ((p >= t) != (ref >= t)).any(1)
        clear = (np.abs(logit(ref) - logit(t)) >= 0.1).all(1)
        row[f"flips_{tname}"] = int(flip.sum()); row[f"flips_clear_{tname}"] = int((flip & clear).sum())
        row[f"flagged_ref_{tname}"] = int((ref >= t).any(1).sum())
        per = {}
        for setname, us in units.items():
            ii = [idx[u] for u in us]
            per[setname] = int(flip[ii].sum())
        row[f"flips_by_set_{tname}"] = per
    res[name] = row
    print(name, json.dumps(row), flush=True)
json.dump(res, open(f"/work/int8/results-sq-{ALPHA}.json", "w"), indent=1)
