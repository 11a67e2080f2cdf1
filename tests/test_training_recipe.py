"""`make train`'s recipe and the shipped model agree: the Makefile's flags are what built models/tone-head."""

from __future__ import annotations

import re
import shlex

from tonecheck.detect.classifier.manifest import read_manifest
from tonecheck.settings import Settings
from tools import REPO_ROOT
from tools.training.data import distil_targets


def _recipe() -> dict[str, str]:
    text = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    line = re.search(r"^TRAIN_RECIPE\s*=\s*(.*)$", text, re.MULTILINE)
    assert line, "the Makefile names make train's flags in TRAIN_RECIPE"
    words = shlex.split(line.group(1))
    return dict(zip(words[::2], words[1::2], strict=True))


def test_make_train_runs_the_recipe_the_shipped_manifest_records() -> None:
    recipe = _recipe()
    manifest = read_manifest(Settings().model_dir)
    assert int(recipe["--depth"]) == manifest.encoder.depth
    texts, _ = distil_targets(REPO_ROOT / recipe["--distil"])
    assert manifest.training_rows["distil_units"] == len(texts)
    # The search keeps heat at or above the floor, so the shipped hold threshold cannot sit under it.
    assert manifest.heat_threshold >= float(recipe["--min-heat"])
    assert "$(TRAIN_RECIPE)" in (REPO_ROOT / "Makefile").read_text(encoding="utf-8").split("\ntrain:", 1)[1]
