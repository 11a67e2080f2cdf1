"""Peak RSS after checking 800 emails (dev and test emails, three times over) of many sizes, with oneDNN's prepacked fp32 products or plain ones (one-off).

    PYTHONPATH=.:service HF_HUB_OFFLINE=1 python models/experiments/overlap-2026-12-05/scripts/rss.py [plain]
"""
import json
import resource
import sys
from pathlib import Path

from tonecheck.detect.classifier import packed as packed_module

if "plain" in sys.argv:
    packed_module.prepack = lambda w: w
from tonecheck.engine import build_engine  # noqa: E402
from tonecheck.settings import Settings  # noqa: E402

def rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

eng = build_engine(Settings(score_cache_units=0))
print("loaded", round(rss(), 1), "MB")
rows = [json.loads(x) for f in ("dev", "test") for x in Path(f"models/data/{f}.jsonl").read_text().splitlines()]
texts = [r["text"] for r in rows if r["kind"] != "sentence"]
texts = (texts * 3)[:800]  # 288 emails of many sizes, three times over
for i, t in enumerate(texts):
    eng.check(t)
    if i + 1 in (10, 100, 200, 400, 800):
        print(i + 1, "checks", round(rss(), 1), "MB")
