"""Shared fixtures: the real spaCy pipeline and engine load once per test session."""

from __future__ import annotations

import pytest

from service.engine import Engine, build_engine
from service.parse import load_pipeline
from service.settings import REPO_ROOT, Settings

MODEL_READY = (REPO_ROOT / "models" / "tone-head" / "manifest.json").exists()


@pytest.fixture(scope="session")
def nlp():
    """The real spaCy pipeline, as the engine loads it."""
    return load_pipeline(Settings().spacy_model)


@pytest.fixture(scope="session")
def rules_engine() -> Engine:
    """An engine with the real spaCy pipeline and rules, without the classifier (rules-only behaviour)."""
    return build_engine(Settings(use_classifier=False))


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The full engine as the service builds it: real spaCy pipeline, rules and trained classifier."""
    if not MODEL_READY:
        pytest.fail("models/tone-head is missing: run `make train`")
    return build_engine(Settings())
