"""The model manifest: what the head was trained with, and the checks the service runs before it starts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from tonecheck.errors import ConfigError
from tonecheck.findings import CATEGORIES

MANIFEST = "manifest.json"
HEAD_FILE = "head.safetensors"
TOP_FILE = "encoder-top.safetensors"


class EncoderInfo(BaseModel):
    """Which encoder the head expects."""

    package: str
    version: str
    weights_sha256: str
    pooling: str
    max_tokens: int
    fine_tuned_layers: int = 0
    fine_tuned_sha256: str | None = None
    depth: int | None = None  # transformer layers run (None: all of the encoder's)


class Manifest(BaseModel):
    """Everything needed to reproduce and verify the trained model."""

    model_config = ConfigDict(extra="forbid")

    version: str
    encoder: EncoderInfo
    labels: list[str]
    hidden: int
    head_sha256: str
    thresholds: dict[str, float]
    sensitivity: dict[str, dict[str, float]] = {}  # "strict"/"relaxed" -> category -> threshold
    calm_veto: float
    heat_threshold: float
    seed: int
    training_data_sha256: str
    training_rows: dict[str, int]
    metrics: dict[str, Any]


def file_sha256(path: Path) -> str:
    """sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def policy_digest(thresholds: dict[str, float], calm_veto: float, heat_threshold: float) -> str:
    """Four hex digits naming the chosen thresholds; the model version carries them after `-t`."""
    chosen = {"thresholds": thresholds, "calm_veto": calm_veto, "heat_threshold": heat_threshold}
    return hashlib.sha256(json.dumps(chosen, sort_keys=True).encode("utf-8")).hexdigest()[:4]


def version_tail(head_sha256: str, thresholds: dict[str, float], calm_veto: float, heat_threshold: float) -> str:
    """The part of a version the files and thresholds determine: `-<head sha256[:8]>-t<policy digest>`."""
    return f"-{head_sha256[:8]}-t{policy_digest(thresholds, calm_veto, heat_threshold)}"


def version_suffix(manifest: Manifest) -> str:
    """The tail a manifest's version must end in, given its head file and thresholds."""
    return version_tail(manifest.head_sha256, manifest.thresholds, manifest.calm_veto, manifest.heat_threshold)


def read_manifest(model_dir: Path) -> Manifest:
    """Load and check the manifest against the files next to it; refuse clearly when they disagree."""
    path = model_dir / MANIFEST
    if not path.exists():
        raise ConfigError(f"no trained model at {model_dir} ({MANIFEST} missing): run `make train`, "
                          "or set TONECHECK_USE_CLASSIFIER=false to run rules only")
    try:
        manifest = Manifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid manifest: {exc}") from exc
    if manifest.labels != [c.value for c in CATEGORIES]:
        raise ConfigError(f"{path}: labels {manifest.labels} do not match the service's categories")
    head = model_dir / HEAD_FILE
    if not head.exists() or file_sha256(head) != manifest.head_sha256:
        raise ConfigError(f"{head} does not match {path} (sha256 differs or file missing): run `make train`")
    if manifest.encoder.fine_tuned_layers:
        top = model_dir / TOP_FILE
        if not top.exists() or file_sha256(top) != manifest.encoder.fine_tuned_sha256:
            raise ConfigError(f"{top} does not match {path} (sha256 differs or file missing): run `make train`")
    # Responses and eval results name the model by its version, so a hand-edited threshold must not keep
    # the old name: the thresholds are part of what the version promises.
    if not manifest.version.endswith(suffix := version_suffix(manifest)):
        raise ConfigError(f"{path}: version {manifest.version!r} does not name these weights and thresholds "
                          f"(expected it to end in {suffix!r}); re-run `make train --policy-only` to re-choose "
                          "thresholds, or move them per request with `sensitivity`")
    return manifest
