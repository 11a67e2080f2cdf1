"""Does a helper thread's encoder overlap the main thread's parse + rules? (ms per email, medians, one-off)

    PYTHONPATH=.:service HF_HUB_OFFLINE=1 TONECHECK_SCORE_CACHE_UNITS=0 python models/experiments/overlap-2026-12-05/scripts/gil.py
"""
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import torch

from tonecheck.detect.classifier.units import units
from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings
from tools.benchmark.corpus import load_emails

eng = build_engine(Settings(spare_core=False))
enc = eng.classifier.encoder
emails = [e for group in load_emails().values() for e in group]
pool = ThreadPoolExecutor(1)
import os, sys
sys.setswitchinterval(float(os.environ.get("SWITCH", "0.005")))


def helper(texts):
    torch.set_num_threads(1)
    with torch.inference_mode():
        return enc.embed(texts)


def parse_rules(e):
    parsed = eng._parse([EmailInput(e.text)])
    eng.rules.detect(parsed)
    return parsed


for e in emails:
    texts = [u.text for u in units(parse_rules(e)[0])]
    a_s, b_s, c_s, d_s = [], [], [], []
    for _ in range(15):
        t0 = time.perf_counter(); parse_rules(e); t1 = time.perf_counter()
        helper(texts); t2 = time.perf_counter()
        f = pool.submit(helper, texts); parse_rules(e); t3 = time.perf_counter(); f.result(); t4 = time.perf_counter()
        f = pool.submit(helper, texts); f.result(); t5 = time.perf_counter()
        a_s.append(t1 - t0); b_s.append(t2 - t1); c_s.append((t3 - t2, t4 - t2)); d_s.append(t5 - t4)
    med = lambda xs: round(statistics.median(xs) * 1000, 1)
    print(f"{e.name:10} parse+rules {med(a_s):6} encoder {med(b_s):6} (thread {med(d_s):6}) "
          f"together: parse done {med([c[0] for c in c_s]):6} all done {med([c[1] for c in c_s]):6}")
