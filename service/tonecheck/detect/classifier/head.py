"""The trained multi-label head: sentence embedding -> four calibrated category probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file

from tonecheck.detect.classifier.encoder import check_depth
from tonecheck.detect.classifier.packed import linear
from tonecheck.findings import CATEGORIES

# Floats per padded row of logits: two AVX-512 vectors, the most torch's elementwise loops take in one step.
_ROW_FLOATS = 32


class Head(torch.nn.Module):
    """A small MLP over the sentence embedding, one logit per category."""

    def __init__(self, dim: int, hidden: int = 256, dropout: float = 0.2) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Dropout(dropout),
            torch.nn.Linear(dim, hidden),
            torch.nn.GELU(),
            torch.nn.Dropout(dropout),
            torch.nn.Linear(hidden, len(CATEGORIES)),
        )
        # Platt scaling per category, fitted on dev after training: p = sigmoid(a * logit + b).
        self.register_buffer("platt_a", torch.ones(len(CATEGORIES)))
        self.register_buffer("platt_b", torch.zeros(len(CATEGORIES)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw logits, shape (n, categories)."""
        return self.net(x)

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, shape (n, categories): `forward` without dropout, as plain function calls.

        The same operations as the module's in eval mode, without its five submodule calls (a quarter of
        a millisecond of a typical email's check in a one-off timing). Inference never drops out, even on
        a head left in training mode.
        """
        first, last = self.net[1], self.net[4]
        with torch.inference_mode():
            hidden = F.gelu(linear(torch.from_numpy(embeddings), first.weight, first.bias))
            logits = linear(hidden, last.weight, last.bias) * self.platt_a + self.platt_b
            # Each row padded to a whole number of SIMD loop steps: torch computes the last few elements of a
            # tensor in a scalar loop, whose sigmoid rounds differently, so a row's values would depend on
            # how many rows share the call.
            wide = torch.zeros(len(logits), _ROW_FLOATS)
            wide[:, : logits.shape[1]] = logits
            return torch.sigmoid(wide)[:, : logits.shape[1]].numpy()

    def save(self, path: Path, depth: int | None = None) -> None:
        """Write the weights as safetensors, with the encoder depth whose embeddings they were trained on."""
        metadata = {"depth": str(depth)} if depth is not None else None
        save_file({k: v.contiguous() for k, v in self.state_dict().items()}, str(path), metadata=metadata)

    @classmethod
    def load(cls, path: Path, dim: int, hidden: int, depth: int | None = None, full: int = 6) -> Head:
        """Read weights written by `save`; with `depth`, refuse a head trained on another depth's embeddings."""
        with safe_open(str(path), framework="pt") as fh:
            if depth is not None:
                # A head-only model has no top-layer file to carry its depth, so the head carries it too.
                check_depth(fh.metadata() or {}, path, depth, full)
            state = {k: fh.get_tensor(k) for k in fh.keys()}
        head = cls(dim, hidden)
        head.load_state_dict(state)
        return head.eval()
