"""Step 3b: train.py's Head + train_head multi-instance recipe on frozen mpnet embeddings of the embedded
training rows; Platt on dev (fit_platt); save head + dev/real-calm-dev probabilities."""
from common import *  # noqa
from common import CACHE, EXP, load_json, np, time, torch
import sys
import tools.training.train as T
from tonecheck.detect.classifier.head import Head

H = int(sys.argv[1]) if len(sys.argv) > 1 else 256


def embedded_train():
    """Embeddings, compact owners and targets of the training rows whose units were all embedded."""
    tr = load_json("train_units.json")
    owners = np.array(tr["owners"])
    emb = np.zeros((len(owners), 768), dtype=np.float32)
    have = np.zeros(len(owners), dtype=bool)
    for p in sorted(CACHE.glob("mpnet_train_chunk*.npz")):
        z = np.load(p)
        emb[z["unit_idx"]] = z["emb"]; have[z["unit_idx"]] = True
    rows = np.unique(owners[have])
    assert all(have[owners == r].all() for r in rows[:50])
    keep = np.isin(owners, rows)
    remap = {r: k for k, r in enumerate(rows)}
    targets = np.array(tr["targets"], dtype=np.float32)[rows]
    return emb[keep], [remap[o] for o in owners[keep]], targets, rows, np.flatnonzero(keep), tr


if __name__ == "__main__":
    emb, owners, targets, rows, unit_idx, tr = embedded_train()
    parts = np.array(tr["part"])[rows]
    print(f"training rows {len(rows)}/{len(tr['targets'])}, units {len(owners)}/{len(tr['owners'])}; by part:",
          {p: int((parts == p).sum()) for p in sorted(set(parts))}, flush=True)
    T.seed_everything(T.SEED)
    T.HIDDEN = H
    t = time.time()
    head = T.train_head(emb, owners, targets, 768)
    print(f"trained head H={H} in {time.time() - t:.0f} s", flush=True)
    d = load_json("dev_units.json")
    d_emb = np.load(CACHE / "mpnet_emb_dev.npy")
    T.fit_platt(head, d_emb, d["owners"], np.array(d["targets"], dtype=np.float32))
    head.save(EXP / f"mpnet-head-h{H}.safetensors")
    np.save(CACHE / f"mpnet_h{H}_probs_dev.npy", head.probabilities(d_emb))
    np.save(CACHE / f"mpnet_h{H}_probs_real.npy", head.probabilities(np.load(CACHE / "mpnet_emb_real.npy")))
    np.save(CACHE / "mpnet_train_rows_used.npy", rows)
    print("platt a", head.platt_a.tolist(), "b", head.platt_b.tolist())
