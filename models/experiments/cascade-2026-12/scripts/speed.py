# Needs prototype.patch applied and /tmp/cascade-pooled.npz from tools/training/cascade.py --cache; run with PYTHONPATH=. from the repo root.
import numpy as np, torch, time
from tonecheck.settings import Settings
from tonecheck.engine import build_engine, EmailInput
from tonecheck.findings import CATEGORIES, Sensitivity
from tonecheck.detect.classifier.cascade import Cascade
from tools.training.cascade import fit_stage, ratios
import tools.benchmark.corpus as corpus
eng = build_engine(Settings(cascade=False))
det = eng.classifier
pol = eng.policy
strict = np.array([pol.level(c, Sensitivity.STRICT) for c in CATEGORIES], dtype=np.float32)
d = np.load("/tmp/cascade-pooled.npz")
full_train = det.head.probabilities(d["train"][-1]); full_dev = det.head.probabilities(d["dev"][-1])
flag_dev = (full_dev >= strict).any(1)
emails = corpus.load_emails()
def timeit(size, rounds=15):
    texts = [e.text for e in emails[size]]
    for t in texts: eng.check(t)
    ts = []
    for _ in range(rounds):
        for t in texts:
            a = time.perf_counter(); eng.check(t); ts.append((time.perf_counter()-a)*1000)
    return np.median(ts)
base = {s: timeit(s) for s in ("typical", "long")}
print("off", base, flush=True)
for layer in (1, 2, 3):
    w, b = fit_stage(d["train"][layer-1], full_train)
    r = ratios(d["dev"][layer-1], w, b, strict)
    tau = float(min(1.0, np.quantile(r[flag_dev], 0.005)))
    det.cascade = Cascade(layer, w, b, torch.from_numpy(strict * tau))
    # settled share on bench emails
    from tonecheck.cleanup import clean
    from tonecheck.parse import parse_many
    from tonecheck.detect.classifier.detector import judged_texts
    units = [u for e in emails["typical"] + emails["long"] for u in judged_texts(parse_many(eng.nlp, [clean(e.text)], 2000))]
    st = det.encoder.embed_staged(units, layer, lambda idx, p: det.cascade.settles(p))
    print(layer, f"tau {tau:.3f} bench units settled {st.settled.mean():.2f}", {s: timeit(s) for s in ("typical", "long")}, flush=True)
