"""Batch encoder time with one attention call per sentence against the shipped groups (180 templates, chunks of 32).

Ran at 3356190, whose encoder took an attention layout; the one-call-per-sentence encoder that followed
has none (`git checkout 3356190` to run it again).

    PYTHONPATH=.:service TONECHECK_SCORE_CACHE_UNITS=0 python models/experiments/zen2-speed-2026-12-05/scripts/own_call_batch.py
"""
import tempfile
import time
from pathlib import Path

import torch

import tonecheck.detect.classifier.packed as packed
from tonecheck.detect.classifier.detector import judged_texts
from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings
from tools.benchmark.corpus import load_emails, write_templates

eng = build_engine(Settings(spare_core=False))
enc = eng.classifier.encoder
torch.set_num_threads(1)
with tempfile.TemporaryDirectory() as tmp:
    texts = [p.read_text() for p in write_templates(Path(tmp), 180, load_emails())]
chunks = [judged_texts(eng._parse([EmailInput(t) for t in texts[i:i + 32]])) for i in range(0, len(texts), 32)]
shipped = packed.group_layout
layouts = {"grouped": shipped, "own": lambda lengths: [(1, n) for n in lengths]}
best: dict[str, float] = {}
for _ in range(3):
    for name, layout in layouts.items():
        packed.group_layout = layout
        began = time.perf_counter()
        for sentences in chunks:
            enc.embed(sentences)
        best[name] = min(best.get(name, 1e9), (time.perf_counter() - began) * 1000 / len(texts))
packed.group_layout = shipped
print(" ".join(f"{k} {v:.2f} ms/template" for k, v in best.items()))
