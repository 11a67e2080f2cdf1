"""Package data: built-in rules, the shipped model and the add-in pages, found with importlib.resources."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from tonecheck.errors import ConfigError


def _folder(package: str) -> Path:
    """The folder of a data package; pyproject.toml maps each to its folder in the repository."""
    folder = files(package)
    if not isinstance(folder, Path):  # a zipped install has no folder that spaCy or safetensors can open
        raise ConfigError(f"{package} is not a folder on disk: install tonecheck from its wheel, not a zip")
    return folder


def rules_dir() -> Path:
    """The built-in rule files (the repository's `rules/`)."""
    return _folder("tonecheck.data.rules")


def model_dir() -> Path:
    """The shipped classifier head (the repository's `models/tone-head/`)."""
    return _folder("tonecheck.data.model")


def addin_dir() -> Path:
    """The Outlook add-in's pages (the repository's `add-ins/outlook/src/`)."""
    return _folder("tonecheck.data.addin")
