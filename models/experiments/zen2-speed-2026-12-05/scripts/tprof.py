"""torch op profile of the typical emails' encoder passes on one thread (fp32).

    PYTHONPATH=.:service python models/experiments/zen2-speed-2026-12-05/scripts/tprof.py
"""
from pathlib import Path
import torch
from torch.profiler import profile, ProfilerActivity
from tonecheck.settings import Settings
from tonecheck.engine import build_engine, EmailInput
from tonecheck.detect.classifier.detector import judged_texts
torch.set_num_threads(1)
eng = build_engine(Settings())
enc = eng.classifier.encoder
ids = []
for p in sorted(Path("tools/benchmark/emails").glob("typical-*.txt")):
    s = judged_texts(eng._parse([EmailInput(p.read_text())]))
    ids.append(sorted(enc.token_ids(s), key=len))
with torch.inference_mode():
    for _ in range(5):
        for x in ids: enc._pass(x)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(20):
            for x in ids: enc._pass(x)
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
