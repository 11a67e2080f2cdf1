"""Step 3d: does the mpnet head help MiniLM as a teacher?
Student = train.py's Head(384) on frozen embeddings from the shipped MiniLM (its fine-tuned top layers
included; service PackedEncoder bf16 for training units, cached fp32 Encoder embeddings for dev as in prep).
  student_hard: train_head recipe, hard labels only (the control).
  student_kd:   same + LAMBDA * unit-level BCE to the mpnet head's calibrated probabilities on the public
                calm units and the writers' units (those embedded with mpnet).
Both: Platt on dev; probabilities saved for evaluate_all.py."""
from common import *  # noqa
from common import CACHE, EXP, SHIPPED, load_json, np, time, torch
import sys
import tools.training.train as T
from tonecheck.detect.classifier.encoder import encoder_dir
from tonecheck.detect.classifier.head import Head
from tonecheck.detect.classifier.packed import PackedEncoder

LAMBDA = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
tr = load_json("train_units.json")
owners = tr["owners"]
y_all = np.array(tr["targets"], dtype=np.float32)

path = CACHE / "minilm_ft_emb_train.npy"
if not path.exists():
    torch.set_num_threads(2)
    t = time.time()
    enc = PackedEncoder(encoder_dir(), top_layers=SHIPPED / "encoder-top.safetensors", precision="bf16")
    np.save(path, enc.embed(tr["texts"]))
    d_chk = enc.embed(load_json("dev_units.json")["texts"][:500])
    cos = (d_chk * np.load(CACHE / "minilm_ft_emb_dev.npy")[:500]).sum(1)
    print(f"embedded {len(owners)} train units in {time.time() - t:.0f} s; packed-bf16 vs fp32 cos min {cos.min():.4f}", flush=True)
emb = np.load(path)

# teacher: mpnet head (H=256, Platt on dev) on the mpnet embeddings of the training units it has
teacher = Head.load(EXP / "mpnet-head-h256.safetensors", 768, 256)
soft = np.full((len(owners), 4), np.nan, dtype=np.float32)
for p in sorted(CACHE.glob("mpnet_train_chunk*.npz")):
    z = np.load(p)
    soft[z["unit_idx"]] = teacher.probabilities(z["emb"])
part_of_unit = np.array(tr["part"])[np.array(owners)]
use_soft = ~np.isnan(soft[:, 0]) & np.isin(part_of_unit, ["public_calm", "writers"])
print(f"soft-labelled units: {use_soft.sum()} (public_calm {(use_soft & (part_of_unit == 'public_calm')).sum()}, "
      f"writers {(use_soft & (part_of_unit == 'writers')).sum()})", flush=True)


def train_head_kd(emb, owners, targets, dim, soft, use_soft, lam):
    """train.py's train_head, plus lam * BCE(unit logits, teacher probabilities) on the soft-labelled units."""
    torch.set_num_threads(1)
    head = Head(dim, T.HIDDEN)
    opt = torch.optim.AdamW(head.parameters(), lr=T.LR, weight_decay=1e-3)
    x = torch.from_numpy(emb); y = torch.from_numpy(targets)
    s = torch.from_numpy(np.nan_to_num(soft)); us = torch.from_numpy(use_soft)
    pos = y.sum(0).clamp(min=1)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=((len(y) - pos) / pos).clamp(max=6.0))
    bags_of = [[] for _ in range(len(y))]
    for i, b in enumerate(owners):
        bags_of[b].append(i)
    gen = torch.Generator().manual_seed(T.SEED)
    for _ in range(T.EPOCHS):
        head.train()
        for chunk in torch.randperm(len(y), generator=gen).split(T.BATCH):
            sent_idx = [i for b in chunk.tolist() for i in bags_of[b]]
            local = {b: k for k, b in enumerate(chunk.tolist())}
            sub_own = torch.tensor([local[owners[i]] for i in sent_idx])
            unit_logits = head(x[sent_idx])
            loss = loss_fn(T.bag_max(unit_logits, sub_own, len(chunk)), y[chunk])
            m = us[sent_idx]
            if lam and m.any():
                loss = loss + lam * torch.nn.functional.binary_cross_entropy_with_logits(unit_logits[m], s[sent_idx][m])
            opt.zero_grad(); loss.backward(); opt.step()
    return head.eval()


d = load_json("dev_units.json")
d_emb, r_emb = np.load(CACHE / "minilm_ft_emb_dev.npy"), np.load(CACHE / "minilm_ft_emb_real.npy")
for name, lam in (("student_hard", 0.0), (f"student_kd{LAMBDA:g}", LAMBDA)):
    if (CACHE / f"{name}_probs_dev.npy").exists():
        continue
    T.seed_everything(T.SEED)
    t = time.time()
    head = train_head_kd(emb, owners, y_all, 384, soft, use_soft, lam)
    T.fit_platt(head, d_emb, d["owners"], np.array(d["targets"], dtype=np.float32))
    head.save(EXP / f"{name}-head.safetensors")
    np.save(CACHE / f"{name}_probs_dev.npy", head.probabilities(d_emb))
    np.save(CACHE / f"{name}_probs_real.npy", head.probabilities(r_emb))
    print(f"{name}: trained in {time.time() - t:.0f} s", flush=True)
