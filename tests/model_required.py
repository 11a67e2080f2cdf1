"""The one rule for tests that need the trained model: fail and name the fix; never skip, never run rules-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tonecheck.detect.classifier.manifest import MANIFEST
from tonecheck.settings import Settings


def require_model() -> Path:
    """The trained model's folder, or a test failure that says how to build it."""
    model_dir = Settings().model_dir
    if not (model_dir / MANIFEST).exists():
        pytest.fail(f"{model_dir} has no trained model ({MANIFEST} missing): run `make train`")
    return model_dir
