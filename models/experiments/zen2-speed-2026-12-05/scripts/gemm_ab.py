"""The shipped parse with torch's products against thinc's BLIS, per component, interleaved.

    PYTHONPATH=.:service python models/experiments/zen2-speed-2026-12-05/scripts/gemm_ab.py
"""
import torch
from tonecheck.parse import load_pipeline
from tonecheck.parse.gemm import use_torch_gemm
from tonecheck.settings import Settings
from tools.evaluation.parse_time import component_ms, texts_of
torch.set_num_threads(1)
s = Settings()
a = load_pipeline(s.spacy_model); use_torch_gemm(a)
b = load_pipeline(s.spacy_model)
texts = texts_of("bench") * 44
best = {"torch": {}, "blis": {}}
for r in range(5):
    for name, nlp in (("torch", a), ("blis", b)):
        ms = component_ms(nlp, texts, batch_size=8)
        for k, v in ms.items():
            best[name][k] = min(best[name].get(k, 1e9), v / len(texts))
for name, d in best.items():
    print(name, f"total {sum(d.values()):.2f}", " ".join(f"{k} {v:.2f}" for k, v in d.items()))
