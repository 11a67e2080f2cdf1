"""Write mpnet_emb_train.npy (57,457 x 768, unit order of train_units.json) from the chunk files, and the
per-email routing rates of the [0.2, 0.8] band."""
from common import *  # noqa
from common import CACHE, load_json, np
tr = load_json("train_units.json")
emb = np.zeros((len(tr["owners"]), 768), dtype=np.float32); have = np.zeros(len(tr["owners"]), bool)
for p in sorted(CACHE.glob("mpnet_train_chunk*.npz")):
    z = np.load(p); emb[z["unit_idx"]] = z["emb"]; have[z["unit_idx"]] = True
assert have.all(); np.save(CACHE / "mpnet_emb_train.npy", emb)
for band in ((0.1, 0.9), (0.2, 0.8), (0.3, 0.7)):
    for split in ("dev", "real"):
        m = np.load(CACHE / f"minilm_probs_{split}.npy"); own = np.array(load_json(f"{split}_units.json")["owners"])
        route = ((m >= band[0]) & (m <= band[1])).any(1)
        rows_any = np.bincount(own, weights=route).astype(bool).mean()
        q = route.mean()
        print(f"band {band} {split}: units {q:.3f}; rows with >=1 routed unit {rows_any:.3f}; "
              f"9-unit email (independent units): P(any) {1 - (1 - q) ** 9:.3f}, E[units] {9 * q:.2f}")
