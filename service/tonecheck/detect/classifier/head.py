"""The trained multi-label head: sentence embedding -> four calibrated category probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from tonecheck.findings import CATEGORIES


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
        """Calibrated probabilities, shape (n, categories)."""
        with torch.inference_mode():
            logits = self.forward(torch.from_numpy(embeddings))
            return torch.sigmoid(logits * self.platt_a + self.platt_b).numpy()

    def save(self, path: Path) -> None:
        """Write the weights as safetensors."""
        save_file({k: v.contiguous() for k, v in self.state_dict().items()}, str(path))

    @classmethod
    def load(cls, path: Path, dim: int, hidden: int) -> Head:
        """Read weights written by `save`."""
        head = cls(dim, hidden)
        head.load_state_dict(load_file(str(path)))
        return head.eval()
