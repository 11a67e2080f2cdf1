"""Batch stage times (ms per email) over 180 of the benchmark's templates, chunks of 32, one process, one core.

    PYTHONPATH=.:service TONECHECK_SCORE_CACHE_UNITS=0 python models/experiments/zen2-speed-2026-12-05/scripts/stages.py
"""
import tempfile
import time
from pathlib import Path
import torch
from tonecheck.settings import Settings
from tonecheck.engine import build_engine, EmailInput
eng = build_engine(Settings(spare_core=False))
from tools.benchmark.corpus import load_emails, write_templates
with tempfile.TemporaryDirectory() as tmp:
    texts = [p.read_text() for p in write_templates(Path(tmp), 180, load_emails())]
emails = [EmailInput(t) for t in texts]
best = {}
for r in range(3):
    t = {"parse": 0.0, "rules": 0.0, "classifier": 0.0}
    for i in range(0, len(emails), 32):
        chunk = emails[i:i + 32]
        a = time.perf_counter(); parsed = eng._parse(chunk)
        b = time.perf_counter(); rh = eng.rules.detect(parsed)
        c = time.perf_counter(); mh = eng.classifier.detect(parsed)
        d = time.perf_counter()
        t["parse"] += b - a; t["rules"] += c - b; t["classifier"] += d - c
    for k, v in t.items():
        best[k] = min(best.get(k, 1e9), v * 1000 / len(emails))
print({k: round(v, 2) for k, v in best.items()})
