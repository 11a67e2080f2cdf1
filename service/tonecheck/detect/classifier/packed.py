"""Serving-time MiniLM: transformers' BertModel forward, run on packed tokens, without importing transformers.

Two costs of the stock path are gone (measured in docs/performance.md): padding every sentence of an email
to its longest one (a typical email is ~50% padding), and importing transformers' model code, which pulls in
torch._dynamo and torch.distributed (~2.5 s of every cold start). The weights, tokenizer and arithmetic are
the same; `tests/test_classifier_packed.py` checks the embeddings against `Encoder`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file
from tokenizers import Tokenizer

from tonecheck.cores import Cores
from tonecheck.detect.classifier.encoder import MAX_TOKENS, check_depth, layers_run
from tonecheck.errors import ConfigError

Precision = Literal["fp32", "bf16"]
T = TypeVar("T")
R = TypeVar("R")
# Tokens per forward pass: a typical email is ~130, a long one ~550, so one pass each. For batches it bounds
# the activations: 500 templates through `tonecheck check` peaked at 725 MB RSS with 8192, 686 with 4096,
# 637 with 2048, at the same speed (docs/performance.md). With two workers, 1024 peaked at 463 MB per
# worker against 501 MB with 2048, in the same time (19.2 and 18.7 s, interleaved runs).
PASS_TOKENS = 1024
# The row count oneDNN picks its blocked weight layout for: about one typical email's tokens. Any row count
# multiplies correctly with it; the products equal F.linear's bit for bit (tests/test_classifier_packed.py).
PACK_ROWS = 128
# Rows a plain product is padded to: MKL rounded calls of 1 to 3 rows differently from larger ones on the Zen 2
# VM; 16 leaves room for other CPUs' small-call kernels at the cost of a few zero rows in rare tiny calls.
MIN_ROWS = 16
# Tokens a pass needs before part of it goes to a spare core, where the thread hand-off pays (one-off timing
# of two-sentence passes, 5 Dec 2026: 16 tokens 0.2 ms slower split, 32 tokens 0.15 ms faster, 44 tokens 0.6).
SPLIT_TOKENS = 32


class _Layer:
    """One transformer layer's weights, matrices in the compute dtype, norms and biases in fp32."""

    def __init__(self, w: dict[str, torch.Tensor], dtype: torch.dtype) -> None:
        def mat(name: str) -> torch.Tensor:
            return w[f"{name}.weight"].to(dtype).contiguous()

        def vec(name: str) -> torch.Tensor:
            return w[name].to(torch.float32)

        # q, k and v as one matrix: one pass over the activations instead of three.
        self.qkv = prepack(torch.cat([mat("attention.self.query"), mat("attention.self.key"),
                                      mat("attention.self.value")]).contiguous())
        self.qkv_b = torch.cat([vec("attention.self.query.bias"), vec("attention.self.key.bias"),
                                vec("attention.self.value.bias")]).to(dtype)
        self.out, self.out_b = prepack(mat("attention.output.dense")), vec("attention.output.dense.bias").to(dtype)
        self.ln1 = (vec("attention.output.LayerNorm.weight"), vec("attention.output.LayerNorm.bias"))
        self.up, self.up_b = prepack(mat("intermediate.dense")), vec("intermediate.dense.bias").to(dtype)
        self.down, self.down_b = prepack(mat("output.dense")), vec("output.dense.bias").to(dtype)
        self.ln2 = (vec("output.LayerNorm.weight"), vec("output.LayerNorm.bias"))


class PackedEncoder:
    """Mean-pooled, L2-normalised sentence embeddings, equal to `Encoder.embed` up to float rounding."""

    def __init__(
        self, model_dir: Path, top_layers: Path | None = None, precision: Precision = "fp32",
        depth: int | None = None, cores: Cores | None = None,
    ) -> None:
        """`cores` lends a pass's second half a spare core while no other check runs (None: one thread)."""
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        absolute = config.get("position_embedding_type", "absolute") == "absolute"
        if config.get("hidden_act") != "gelu" or not absolute:
            raise ConfigError(f"{model_dir}: PackedEncoder runs BERT with gelu and absolute positions only")
        self.dim = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.precision = precision
        self.cores = cores
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        weights = load_file(str(model_dir / "model.safetensors"))
        full = int(config["num_hidden_layers"])
        # A shallower model runs the encoder's first `depth` layers and fine-tunes the last of those.
        count = layers_run(depth, full)
        self.depth, self.full = count, full
        if top_layers is not None:
            _apply_top_layers(weights, top_layers, count, full)
        self.word = weights["embeddings.word_embeddings.weight"].float()
        self.position = weights["embeddings.position_embeddings.weight"].float()
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0].float()
        self.ln0 = (weights["embeddings.LayerNorm.weight"].float(),
                    weights["embeddings.LayerNorm.bias"].float())
        self.layers = [
            _Layer({k.split(".", 3)[3]: v for k, v in weights.items() if k.startswith(f"encoder.layer.{i}.")},
                   dtype)
            for i in range(count)
        ]
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()  # the file asks for fixed 128-token padding: exactly what is avoided here
        self.tokenizer.enable_truncation(MAX_TOKENS)

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """Word-piece ids with [CLS] and [SEP], truncated to MAX_TOKENS, as transformers' tokenizer gives.

        `encode_batch`, not one `encode` per text: the loop was as fast for the tokenizer alone, but a long
        email's whole check took ~25 ms longer with it (one-off paired runs, 5 Dec 2026; cause not found).
        """
        return [e.ids for e in self.tokenizer.encode_batch(texts)]

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text, in input order; all texts in as few forward passes as PASS_TOKENS allows."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = self.token_ids(texts)
        batch: list[int] = []
        size = 0
        with torch.inference_mode():
            for i in range(len(texts)):
                if batch and size + len(ids[i]) > PASS_TOKENS:
                    out[batch] = self._run([ids[j] for j in batch]).numpy()
                    batch, size = [], 0
                batch.append(i)
                size += len(ids[i])
            out[batch] = self._run([ids[j] for j in batch]).numpy()
        return out

    def _run(self, ids: list[list[int]]) -> torch.Tensor:
        """One pass, its sentences cut in two runs of even tokens, the second run on a spare core when one is free.

        Each sentence is computed alone in its attention call and row by row elsewhere, so either side gives
        what the single pass gives, bit for bit (tests/test_spare_core.py).
        """
        if self.cores is None or len(ids) < 2 or sum(len(x) for x in ids) < SPLIT_TOKENS:
            return self._pass(ids)
        cut = even_cut([len(x) for x in ids])
        with self.cores.spare() as helper:
            if helper is None:
                return self._pass(ids)
            other = helper.submit(on_helper, self._pass, ids[cut:])
            try:
                out = torch.empty(len(ids), self.dim)
                out[:cut] = self._pass(ids[:cut])
            finally:
                done = other.result()  # waited for even if this half failed: the core is handed back idle
            out[cut:] = done
            return out

    def _pass(self, ids: list[list[int]]) -> torch.Tensor:
        """Embeddings of sentences as one packed (tokens, dim) forward pass."""
        lengths = [len(x) for x in ids]
        flat = torch.tensor([t for x in ids for t in x], dtype=torch.long)
        positions = torch.cat([torch.arange(n) for n in lengths])
        x = F.layer_norm(self.word[flat] + self.position[positions] + self.token_type, (self.dim,), *self.ln0,
                         eps=self.eps)
        ends = np.cumsum(lengths).tolist()
        rows = [slice(end - n, end) for n, end in zip(lengths, ends, strict=True)]
        for layer in self.layers:
            x = self._layer(layer, x, rows)
        owner = torch.repeat_interleave(torch.arange(len(lengths)), torch.tensor(lengths))
        pooled = torch.zeros(len(lengths), self.dim).index_add_(0, owner, x)
        pooled /= torch.tensor(lengths, dtype=torch.float32)[:, None]
        return F.normalize(pooled, dim=-1)

    def _layer(self, layer: _Layer, x: torch.Tensor, rows: list[slice]) -> torch.Tensor:
        """BertLayer (post-norm): attention per sentence, feed-forward on every token at once.

        One attention call per sentence, with no padding, and products that work row by row: a sentence's
        result does not depend on the other sentences of its pass, so an email scores the same alone, in a
        batch or split over two cores, bit for bit (tests/test_classifier_packed.py checks it on the CPU it
        runs on). It was as fast as like-width padded chunks on the benchmark's emails and templates
        (docs/performance.md).
        """
        dtype = layer.qkv.dtype
        qkv = linear(x.to(dtype), layer.qkv, layer.qkv_b)
        context = torch.empty(x.shape[0], self.dim, dtype=dtype)
        head_dim = self.dim // self.heads
        for r in rows:
            # fp32 attention: bf16 softmax is slow on CPU
            q, k, v = qkv[r].float().view(1, -1, 3, self.heads, head_dim).permute(2, 0, 3, 1, 4)
            att = F.scaled_dot_product_attention(q, k, v)
            context[r] = att.transpose(1, 2).reshape(-1, self.dim)
        h = linear(context, layer.out, layer.out_b).float() + x
        h = F.layer_norm(h, (self.dim,), *layer.ln1, eps=self.eps)
        up = F.gelu(linear(h.to(dtype), layer.up, layer.up_b))
        y = linear(up, layer.down, layer.down_b).float() + h
        return F.layer_norm(y, (self.dim,), *layer.ln2, eps=self.eps)


def on_helper(work: Callable[[T], R], arg: T) -> R:
    """`work(arg)` on the spare core's thread, which needs its own inference mode and torch thread count."""
    torch.set_num_threads(torch.get_num_threads())  # OpenMP's count is per thread; a new one has the default
    with torch.inference_mode():
        return work(arg)


def prepack(w: torch.Tensor) -> torch.Tensor:
    """A bf16 weight matrix in oneDNN's blocked layout, reordered once at load instead of at every product.

    Where oneDNN runs bf16 products, F.linear reorders the plain matrix on every call: ~6% of the encoder's
    time on the benchmark's emails (one-off paired timing, docs/performance.md). Elsewhere, and in fp32
    (MKL runs it), the matrix stays plain. oneDNN's fp32 products were 9-15% faster on the Zen 2 VM, but its
    cache of a compiled kernel per row count grew a worker by ~140 MB (docs/performance.md).
    """
    if w.dtype != torch.bfloat16 or not bf16_by_onednn():
        return w
    return torch.ops.mkldnn._reorder_linear_weight(w, PACK_ROWS)


def bf16_by_onednn() -> bool:
    """True when torch sends bf16 matrix products to oneDNN, as F.linear does on CPUs with AVX-512."""
    try:
        return torch.backends.mkldnn.is_available() and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without the op: keep the plain matrix
        return False


def linear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """x @ w.T + b, with a prepacked weight when `prepack` made one; each row's result whatever rows share the call."""
    if w.is_mkldnn:
        return torch.ops.mkldnn._linear_pointwise(x, w, b, "none", [], "")
    if len(x) < MIN_ROWS:
        # MKL multiplies a call of 1 to 3 rows with other kernels, which round differently: padded, a
        # sentence or a unit scores the same alone as among others (tests/test_classifier_packed.py).
        return F.linear(F.pad(x, (0, 0, 0, MIN_ROWS - len(x))), w, b)[: len(x)]
    return F.linear(x, w, b)


def even_cut(lengths: list[int]) -> int:
    """Where to cut a pass's sentences in two runs of tokens as even as whole sentences allow (1 to len - 1)."""
    total, cut, first = sum(lengths), 1, lengths[0]
    while cut < len(lengths) - 1 and abs(total - 2 * (first + lengths[cut])) <= abs(total - 2 * first):
        first += lengths[cut]
        cut += 1
    return cut


def native_bf16() -> bool:
    """True when the CPU multiplies bf16 natively (AVX512-BF16 or AMX); elsewhere bf16 is emulated, slower."""
    cpu = getattr(torch, "cpu", None)
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(cpu, name, lambda: False)() for name in checks)


def resolve_precision(setting: str) -> Precision:
    """The precision to run: `auto` is bf16 on CPUs that have it natively, else fp32."""
    if setting == "auto":
        return "bf16" if native_bf16() else "fp32"
    if setting not in ("fp32", "bf16"):
        raise ConfigError(f"unknown encoder precision '{setting}': use auto, fp32 or bf16")
    return setting  # type: ignore[return-value]


def _apply_top_layers(weights: dict[str, torch.Tensor], path: Path, count: int, full: int) -> None:
    """Overwrite the last of `count` layers with fine-tuned ones (fp16 on disk, as `save_top_layers` writes them)."""
    with safe_open(str(path), framework="pt") as fh:
        check_depth(fh.metadata(), path, count, full)
        tuned = int(fh.metadata()["layers"])
        for key in fh.keys():
            i, name = key.split(".", 1)
            target = f"encoder.layer.{count - tuned + int(i)}.{name}"
            if target not in weights:
                raise ConfigError(f"{path}: {key} has no counterpart in the encoder")
            weights[target] = fh.get_tensor(key).to(torch.float32)
