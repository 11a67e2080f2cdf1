"""Step 1: verify the mpnet weights load offline and behave like a sentence encoder."""
import os, sys, json, hashlib
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
import torch
torch.set_num_threads(2)
from transformers import AutoModel, AutoTokenizer, AutoConfig

D = "/work/mpnet-exp/all-mpnet-base-v2"
h = hashlib.sha256(open(f"{D}/model.safetensors", "rb").read()).hexdigest()
print("sha256", h, h == "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658")
cfg = AutoConfig.from_pretrained(D, local_files_only=True)
print("config", cfg.model_type, cfg.hidden_size, cfg.num_hidden_layers)
tok = AutoTokenizer.from_pretrained(D, local_files_only=True)
print("tokenizer", type(tok).__name__, tok("The cat sits on the mat.")["input_ids"])
model = AutoModel.from_pretrained(D, local_files_only=True).eval()
print("model", type(model).__name__, sum(p.numel() for p in model.parameters()))
s = ["The cat sits on the mat.", "A cat is sitting on a mat.", "Quarterly revenue rose 5%."]
enc = tok(s, padding=True, return_tensors="pt")
with torch.inference_mode():
    hdn = model(**enc).last_hidden_state
m = enc["attention_mask"].unsqueeze(-1).float()
e = torch.nn.functional.normalize((hdn * m).sum(1) / m.sum(1), dim=-1)
print("cos(cat, cat')", float(e[0] @ e[1]), "cos(cat, revenue)", float(e[0] @ e[2]))
