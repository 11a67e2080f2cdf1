# Needs prototype.patch applied and /tmp/cascade-pooled.npz from tools/training/cascade.py --cache; run with PYTHONPATH=. from the repo root.
import numpy as np, torch, json, sys
from tonecheck.settings import Settings
from tonecheck.detect.classifier.head import Head
from tonecheck.detect.classifier.manifest import read_manifest, HEAD_FILE
from tonecheck.engine import policy_from
from tonecheck.findings import CATEGORIES, Sensitivity
torch.set_num_threads(2)
s = Settings(); man = read_manifest(s.model_dir); pol = policy_from(man)
head = Head.load(s.model_dir / HEAD_FILE, 384, man.hidden)
strict = np.array([pol.level(c, Sensitivity.STRICT) for c in CATEGORIES], dtype=np.float32)
default = np.array([pol.thresholds[c] for c in CATEGORIES], dtype=np.float32)
d = np.load("/tmp/cascade-pooled.npz")
names = list(d.keys())
P = {n: d[n] for n in names}
full = {n: head.probabilities(P[n][-1]) for n in names}
def feats(n, layers): return np.concatenate([P[n][l-1] for l in layers], axis=1)
def fit(x, y, hidden, epochs=400, wpos=20.0):
    torch.manual_seed(13)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    if hidden: m = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.GELU(), torch.nn.Linear(hidden, 4))
    else: m = torch.nn.Linear(x.shape[1], 4)
    opt = torch.optim.Adam(m.parameters(), lr=0.003 if hidden else 0.01, weight_decay=0)
    w = 1.0 + wpos * (yt >= 0.05).float()
    for e in range(epochs):
        opt.zero_grad(); loss = torch.nn.functional.binary_cross_entropy_with_logits(m(xt), yt, weight=w); loss.backward(); opt.step()
    return m
def ratio(m, x, lim):
    with torch.inference_mode(): p = torch.sigmoid(m(torch.from_numpy(x))).numpy()
    return (p/lim).max(1)
for layers, hidden, base in [((2,), 0, "default"), ((2,), 128, "default"), ((1,2), 128, "default"), ((3,), 128, "default"), ((2,),128,"strict"), ((1,),128,"default")]:
    lim = default if base=="default" else strict
    m = fit(feats("train", layers), full["train"], hidden)
    rd = ratio(m, feats("dev", layers), lim); fl = (full["dev"] >= lim).any(1)
    tau = float(min(1.0, np.quantile(rd[fl], 1-0.995)))
    out = {}
    for n in names:
        if n == "train": continue
        r = ratio(m, feats(n, layers), lim); st = r < tau
        fs = (full[n] >= strict).any(1); fd = (full[n] >= default).any(1)
        out[n] = f"settled {st.mean():.3f} recall_def {1-(fd&st).sum()/max(1,fd.sum()):.4f} ({(fd&st).sum()}/{fd.sum()}) recall_strict {1-(fs&st).sum()/max(1,fs.sum()):.4f}"
    print(layers, hidden, base, f"tau {tau:.3f}")
    for k,v in out.items(): print("   ", k, v)
    sys.stdout.flush()
