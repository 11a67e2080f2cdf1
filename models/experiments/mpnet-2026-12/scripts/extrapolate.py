"""Embed 1,000 random training units with mpnet (bf16 autocast and fp32 on 200) to extrapolate the full cost
and check that bf16 embeddings agree with fp32."""
from common import *  # noqa
from common import MpnetEncoder, load_json, np, time, torch
import os, random
torch.set_num_threads(2)
texts = load_json("train_units.json")["texts"]
random.seed(1)
s = random.sample(texts, 1000)
enc = MpnetEncoder(64, bf16=True)
t = time.perf_counter(); e16 = enc.embed(s); dt = time.perf_counter() - t
print(f"bf16: 1000 units in {dt:.1f} s -> all {len(texts)} units ~{dt * len(texts) / 1000 / 60:.1f} min  (load {os.getloadavg()[0]:.1f})")
enc.bf16 = False
t = time.perf_counter(); e32 = enc.embed(s[:200]); dt = time.perf_counter() - t
print(f"fp32: 200 units in {dt:.1f} s -> all ~{dt * len(texts) / 200 / 60:.1f} min")
cos = (e16[:200] * e32).sum(1)
print(f"cos(bf16, fp32): min {cos.min():.4f} mean {cos.mean():.4f}")
