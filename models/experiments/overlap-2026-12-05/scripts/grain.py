"""Encoder cost of a typical email's units in one pass, or in passes of about N tokens (ms, medians, one-off).

    PYTHONPATH=.:service HF_HUB_OFFLINE=1 python models/experiments/overlap-2026-12-05/scripts/grain.py
"""
import statistics
import time

import torch

from tonecheck.detect.classifier.units import units
from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings
from tools.benchmark.corpus import load_emails

torch.set_num_threads(1)
eng = build_engine(Settings(spare_core=False, score_cache_units=0))
enc = eng.classifier.encoder
for e in load_emails()["typical"] + load_emails()["long"]:
    texts = [u.text for u in units(eng._parse([EmailInput(e.text)])[0])]
    ids = enc.token_ids(texts)
    row = []
    for grain in (10_000, 96, 48, 1):
        groups, cur, size = [], [], 0
        for x in ids:
            if cur and size + len(x) > grain:
                groups.append(cur); cur, size = [], 0
            cur.append(x); size += len(x)
        groups.append(cur)
        ts = []
        with torch.inference_mode():
            for _ in range(15):
                t = time.perf_counter()
                for g in groups:
                    enc._pass(g)
                ts.append(time.perf_counter() - t)
        row.append(f"{grain}:{statistics.median(ts)*1000:.1f}({len(groups)})")
    print(e.name, sum(map(len, ids)), "tokens", *row)
