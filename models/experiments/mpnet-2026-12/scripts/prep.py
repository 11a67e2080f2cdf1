"""Parse train / dev / real-calm-dev rows exactly as train.py does; cache unit texts, bag owners and targets;
cache the shipped MiniLM (fine-tuned top layers, stock transformers fp32 path as train.py) embeddings and
probabilities for dev and real calm dev units."""
from common import *  # noqa: F401,F403
from common import CACHE, SHIPPED, save_json, np, time, torch

from tonecheck.detect.classifier.encoder import Encoder, encoder_dir
from tonecheck.detect.classifier.head import Head
from tonecheck.parse import load_pipeline
from tonecheck.settings import Settings
from tools.training.data import (enron_dev_rows, enron_train_rows, extra_train_rows, public_calm_rows,
                                 read_split, writer_rows)
from tools.training.train import bag_sentences, parse_rows, seed_everything, SEED

torch.set_num_threads(2)
seed_everything(SEED)
settings = Settings(use_classifier=False)
nlp = load_pipeline(settings.spacy_model)
parts = {
    "corpus_train": read_split("train"),
    "corpus_train_extra": extra_train_rows(),
    "writers": writer_rows(dev=False),
    "enron_calm": enron_train_rows(),
    "public_calm": public_calm_rows(dev=False),
}
print({k: len(v) for k, v in parts.items()})
dev_rows = read_split("dev") + writer_rows(dev=True)
real_rows = enron_dev_rows() + public_calm_rows(dev=True)
print("dev", len(dev_rows), "real", len(real_rows))

for name, rows, part_of in [
    ("dev", dev_rows, None), ("real", real_rows, None),
    ("train", [r for v in parts.values() for r in v], [k for k, v in parts.items() for _ in v]),
]:
    t = time.time()
    parsed = parse_rows(nlp, rows, settings.max_sentences)
    texts, owners = bag_sentences(parsed)
    save_json(f"{name}_units.json", {"texts": texts, "owners": owners,
                                      "targets": [r.targets() for r in rows], "ids": [r.id for r in rows],
                                      "part": part_of})
    print(f"{name}: {len(rows)} rows, {len(texts)} units, parsed in {time.time() - t:.0f} s", flush=True)
    if name in ("dev", "real"):
        t = time.time()
        enc = Encoder(encoder_dir(), top_layers=SHIPPED / "encoder-top.safetensors")
        head = Head.load(SHIPPED / "head.safetensors", enc.dim, 256)
        emb = enc.embed(texts)
        np.save(CACHE / f"minilm_ft_emb_{name}.npy", emb)
        np.save(CACHE / f"minilm_probs_{name}.npy", head.probabilities(emb))
        print(f"  MiniLM embedded in {time.time() - t:.0f} s", flush=True)
