"""Shared helpers for the mpnet experiment. Imports the tonecheck repo read-only."""
from __future__ import annotations

import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# Pinned, read-only snapshot of /work/main at a523017 (the repo moved while this ran: acddc97 changed greetings).
SNAP = "/work/mpnet-exp/snap-a523017"
sys.path.insert(0, SNAP)
sys.path.insert(0, SNAP + "/service")

import json
import time
from pathlib import Path

import numpy as np
import torch

EXP = Path("/work/mpnet-exp")
CACHE = EXP / "cache"
MPNET_DIR = EXP / "all-mpnet-base-v2"
SHIPPED = Path(SNAP) / "models" / "tone-head"
MAX_TOKENS = 128  # same truncation as the service's MiniLM


class MpnetEncoder:
    """Frozen all-mpnet-base-v2: mean-pooled, L2-normalised, length-sorted batches (like tonecheck's Encoder)."""

    def __init__(self, batch_size: int = 64, bf16: bool = False) -> None:
        from transformers import AutoModel, AutoTokenizer
        self.tokenizer = AutoTokenizer.from_pretrained(MPNET_DIR, local_files_only=True)
        self.model = AutoModel.from_pretrained(MPNET_DIR, local_files_only=True).eval()
        self.batch_size = batch_size
        self.bf16 = bf16
        self.dim = 768

    def embed(self, texts: list[str], log_every: int = 0) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        began = time.time()
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            for n, lo in enumerate(range(0, len(order), self.batch_size)):
                idx = order[lo: lo + self.batch_size]
                enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                     max_length=MAX_TOKENS, return_tensors="pt")
                hidden = self.model(**enc).last_hidden_state.float()
                mask = enc["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[idx] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
                if log_every and n % log_every == 0:
                    print(f"    {lo + len(idx)}/{len(texts)} in {time.time() - began:.0f} s", flush=True)
        return out


def save_json(name: str, obj) -> None:
    (CACHE / name).write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")


def load_json(name: str):
    return json.loads((CACHE / name).read_text(encoding="utf-8"))


def rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0
