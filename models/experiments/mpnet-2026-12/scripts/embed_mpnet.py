"""Embed units with frozen all-mpnet-base-v2 (bf16 autocast, 2 threads; mean pool, L2 norm; max 128 tokens).
dev and real calm dev: all units. train: rows in a fixed random order (seed 13), in chunks of ~2,000 rows,
each chunk saved as it finishes; stops starting new chunks after BUDGET seconds (then the embedded rows are
a uniform random subsample of the training rows)."""
from common import *  # noqa
from common import CACHE, MpnetEncoder, load_json, np, time, torch
import os, sys

BUDGET = float(sys.argv[1]) if len(sys.argv) > 1 else 33 * 60
torch.set_num_threads(2)
enc = MpnetEncoder(64, bf16=True)
enc.embed(["warm up the kernels."] * 64)
for name in ("dev", "real"):
    if (CACHE / f"mpnet_emb_{name}.npy").exists():
        continue
    t = time.time()
    emb = enc.embed(load_json(f"{name}_units.json")["texts"])
    np.save(CACHE / f"mpnet_emb_{name}.npy", emb)
    print(f"{name}: {len(emb)} units in {time.time() - t:.0f} s (load {os.getloadavg()[0]:.1f})", flush=True)

tr = load_json("train_units.json")
owners = np.array(tr["owners"])
n_rows = len(tr["targets"])
perm = np.random.default_rng(13).permutation(n_rows)
np.save(CACHE / "train_row_order.npy", perm)
CHUNK = 2000
began = time.time()
done_units = 0
for k, lo in enumerate(range(0, n_rows, CHUNK)):
    path = CACHE / f"mpnet_train_chunk{k:02d}.npz"
    if path.exists():
        continue
    if time.time() - began > BUDGET:
        print(f"budget reached: stopping before chunk {k}", flush=True)
        break
    rows = np.sort(perm[lo: lo + CHUNK])
    unit_idx = np.flatnonzero(np.isin(owners, rows))
    t = time.time()
    emb = enc.embed([tr["texts"][i] for i in unit_idx])
    np.savez(path, unit_idx=unit_idx, emb=emb)
    done_units += len(unit_idx)
    print(f"chunk {k}: {len(rows)} rows, {len(unit_idx)} units in {time.time() - t:.0f} s; "
          f"total {done_units} units, {time.time() - began:.0f} s (load {os.getloadavg()[0]:.1f})", flush=True)
print("done", flush=True)
