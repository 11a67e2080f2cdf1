"""The transformer tone classifier: MiniLM sentence embeddings, top layers fine-tuned, and a multi-label head."""

from __future__ import annotations

from pathlib import Path

import torch

from tonecheck.cores import Cores
from tonecheck.detect.classifier.cache import ScoreCache
from tonecheck.detect.classifier.detector import ClassifierDetector
from tonecheck.detect.classifier.encoder import encoder_dir, encoder_version, weights_sha256
from tonecheck.detect.classifier.head import Head
from tonecheck.detect.classifier.manifest import HEAD_FILE, TOP_FILE, Manifest, read_manifest
from tonecheck.detect.classifier.packed import PackedEncoder, resolve_precision
from tonecheck.errors import ConfigError


def load_classifier(
    model_dir: Path, threads: int = 0, precision: str = "fp32", cache_units: int = 0, cores: Cores | None = None
) -> tuple[ClassifierDetector, Manifest]:
    """Load the encoder and head once, after checking the manifest against the installed encoder.

    `precision` is the encoder's matrix arithmetic: `fp32`, `bf16`, or `auto` (bf16 where the CPU has it);
    `cache_units` bounds the cache of unit scores (0: no cache); `cores` lends the encoder a spare core.
    """
    manifest = read_manifest(model_dir)
    enc_dir = encoder_dir()
    if encoder_version() != manifest.encoder.version:
        raise ConfigError(f"the model was trained with {manifest.encoder.package} {manifest.encoder.version} "
                          f"but {encoder_version()} is installed: reinstall with `make install`")
    if weights_sha256(enc_dir) != manifest.encoder.weights_sha256:
        raise ConfigError(f"the encoder weights in {enc_dir} differ from the ones the model was trained on")
    if threads:
        torch.set_num_threads(threads)
    top = model_dir / TOP_FILE if manifest.encoder.fine_tuned_layers else None
    encoder = PackedEncoder(enc_dir, top_layers=top, precision=resolve_precision(precision),
                            depth=manifest.encoder.depth, cores=cores)
    head = Head.load(model_dir / HEAD_FILE, encoder.dim, manifest.hidden, depth=encoder.depth, full=encoder.full)
    cache = ScoreCache(cache_units) if cache_units else None
    return ClassifierDetector(encoder, head, cache), manifest
