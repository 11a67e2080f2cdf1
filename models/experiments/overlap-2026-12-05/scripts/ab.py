"""A lone check with and without the early start, taking turns (ms, medians of 25 rounds, one-off).

    PYTHONPATH=.:service HF_HUB_OFFLINE=1 python models/experiments/overlap-2026-12-05/scripts/ab.py [switch seconds]
"""
import statistics
import sys
import time

from tonecheck.engine import build_engine
from tonecheck.settings import Settings
from tools.benchmark.corpus import load_emails

if len(sys.argv) > 1:
    sys.setswitchinterval(float(sys.argv[1]))
eng = build_engine(Settings(score_cache_units=0))
late = eng.with_classifier(eng.classifier.with_cache(None))
late.classifier.started = None  # the engine then runs the classifier after the parse, as before
emails = [e for g in load_emails().values() for e in g]
times = {(e.name, k): [] for e in emails for k in ("before", "early")}
for r in range(25):
    for e in emails:
        for k, engine in (("before", late), ("early", eng)) if r % 2 else (("early", eng), ("before", late)):
            t = time.perf_counter(); engine.check(e.text); times[(e.name, k)].append(time.perf_counter() - t)
for e in emails:
    b, a = (statistics.median(times[(e.name, k)]) * 1000 for k in ("before", "early"))
    print(f"{e.name:14} before {b:6.1f} early {a:6.1f}  {a / b:.2f}")
print("ratio learnt", round(eng.classifier.pace.ratio, 3), "switch", sys.getswitchinterval())
