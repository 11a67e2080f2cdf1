"""What one attention call per sentence costs against the shipped like-width groups, one thread, interleaved.

Ran at 3356190, whose encoder took an attention layout; the one-call-per-sentence encoder that followed
has none (`git checkout 3356190` to run it again).

    PYTHONPATH=.:service python models/experiments/zen2-speed-2026-12-05/scripts/own_call_cost.py
"""
import statistics
import time
from pathlib import Path

import torch

from tonecheck.detect.classifier.detector import judged_texts
from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings

eng = build_engine(Settings(spare_core=False))
enc = eng.classifier.encoder
torch.set_num_threads(1)
with torch.inference_mode():
    for p in sorted(Path("tools/benchmark/emails").glob("*.txt")):
        ids = sorted(enc.token_ids(judged_texts(eng._parse([EmailInput(p.read_text())]))), key=len)
        own = [(1, len(x)) for x in ids]
        times: dict[str, list[float]] = {"grouped": [], "own": []}
        for _ in range(25):
            for name, layout in (("grouped", None), ("own", own)):
                began = time.perf_counter()
                enc._pass(ids, layout)
                times[name].append((time.perf_counter() - began) * 1000)
        print(f"{p.name:14s} {len(ids):2d} units, groups {len(enc and __import__('tonecheck.detect.classifier.packed', fromlist=['x']).group_layout([len(x) for x in ids]))}:",
              " ".join(f"{k} {statistics.median(v):6.2f} ms" for k, v in times.items()))
