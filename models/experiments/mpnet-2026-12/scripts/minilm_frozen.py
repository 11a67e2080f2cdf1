"""Control for 3b/3c: the same frozen-embedding head recipe on stock all-MiniLM-L6-v2 (no fine-tuned layers;
service PackedEncoder bf16) -- a second stage that costs ~1/7 of mpnet. Probabilities saved as 'minilmfrozen'."""
from common import *  # noqa
from common import CACHE, EXP, load_json, np, time, torch
import tools.training.train as T
from tonecheck.detect.classifier.encoder import encoder_dir
from tonecheck.detect.classifier.packed import PackedEncoder

torch.set_num_threads(2)
enc = PackedEncoder(encoder_dir(), precision="bf16")
embs = {}
for split in ("train", "dev", "real"):
    p = CACHE / f"minilm_frozen_emb_{split}.npy"
    if not p.exists():
        t = time.time()
        np.save(p, enc.embed(load_json(f"{split}_units.json")["texts"]))
        print(f"{split} embedded in {time.time() - t:.0f} s", flush=True)
    embs[split] = np.load(p)
tr, d = load_json("train_units.json"), load_json("dev_units.json")
T.seed_everything(T.SEED)
t = time.time()
head = T.train_head(embs["train"], tr["owners"], np.array(tr["targets"], dtype=np.float32), 384)
print(f"head trained in {time.time() - t:.0f} s", flush=True)
T.fit_platt(head, embs["dev"], d["owners"], np.array(d["targets"], dtype=np.float32))
head.save(EXP / "minilmfrozen-head.safetensors")
np.save(CACHE / "minilmfrozen_probs_dev.npy", head.probabilities(embs["dev"]))
np.save(CACHE / "minilmfrozen_probs_real.npy", head.probabilities(embs["real"]))
