"""fp32 products on MKL (plain weights, F.linear) against oneDNN (prepacked), taking turns (ms, medians, one-off).

Encoder: one email's judged units in one pass, one thread. Check: `engine.check` as served (spare core,
early start). 25 rounds each.

    PYTHONPATH=.:service HF_HUB_OFFLINE=1 python models/experiments/overlap-2026-12-05/scripts/prepack_ab.py
"""
import statistics
import time

import torch

from tonecheck.detect.classifier import packed as packed_module
from tonecheck.detect.classifier.detector import ClassifierDetector
from tonecheck.detect.classifier.head import Head
from tonecheck.detect.classifier.units import units
from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings
from tools.benchmark.corpus import load_emails

settings = Settings(score_cache_units=0)
onednn = build_engine(settings)
assert onednn.classifier.encoder.layers[0].up.is_mkldnn
real = packed_module.prepack
packed_module.prepack = lambda w: w
plain_encoder = packed_module.PackedEncoder.__new__(packed_module.PackedEncoder)
enc = onednn.classifier.encoder
plain_encoder.__dict__.update(enc.__dict__)
plain_encoder.layers = []
for layer in enc.layers:  # the same weights, plain
    copy = packed_module._Layer.__new__(packed_module._Layer)
    copy.__dict__.update(layer.__dict__)
    for name in ("qkv", "out", "up", "down"):
        w = getattr(layer, name)
        setattr(copy, name, w.to_dense() if w.is_mkldnn else w)
    plain_encoder.layers.append(copy)
head = onednn.classifier.head
plain_head = Head(enc.dim, head.net[1].out_features)
plain_head.load_state_dict(head.state_dict())
plain_head.eval()
plain = onednn.with_classifier(ClassifierDetector(plain_encoder, plain_head, None))
emails = [e for g in load_emails().values() for e in g]
ids = {e.name: enc.token_ids([u.text for u in units(onednn._parse([EmailInput(e.text)])[0])]) for e in emails}
t = {(e.name, k, s): [] for e in emails for k in ("plain", "onednn") for s in ("encoder", "check")}
torch.set_num_threads(1)
for r in range(25):
    for e in emails:
        order = (("plain", plain), ("onednn", onednn)) if r % 2 else (("onednn", onednn), ("plain", plain))
        for k, engine in order:
            with torch.inference_mode():
                a = time.perf_counter(); engine.classifier.encoder._pass(ids[e.name]); b = time.perf_counter()
            engine.check(e.text); c = time.perf_counter()
            t[(e.name, k, "encoder")].append(b - a); t[(e.name, k, "check")].append(c - b)
m = lambda xs: statistics.median(xs) * 1000
for e in emails:
    pe, oe, pc, oc = (m(t[(e.name, k, s)]) for s in ("encoder", "check") for k in ("plain", "onednn"))
    print(f"{e.name:14} encoder {pe:6.1f} -> {oe:6.1f} ({oe / pe:.2f})   check {pc:6.1f} -> {oc:6.1f} ({oc / pc:.2f})")
