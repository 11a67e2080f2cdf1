"""One source of truth: the README's settings table and the version come from the code."""

from __future__ import annotations

import re
from importlib.metadata import version

import tonecheck
from tonecheck.settings import Settings
from tools import REPO_ROOT
from tools.settings_table import block, current


def test_settings_readme_table_is_generated_from_the_descriptions() -> None:
    assert current() == block(), "the README's settings table is stale: run `make docs`"


def test_settings_every_field_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description and field.description.endswith("."), f"{name} needs a one-sentence description"
        assert f"`TONECHECK_{name.upper()}`" in current() or field.validation_alias in current()


def test_settings_version_is_written_once() -> None:
    assert version("tonecheck") == tonecheck.__version__
    assert 'dynamic = ["version"]' in (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    literal = re.compile(re.escape(f'"{tonecheck.__version__}"'))
    runtime = REPO_ROOT / "service" / "tonecheck"
    written = [p for p in runtime.rglob("*.py") if literal.search(p.read_text(encoding="utf-8"))]
    assert written == [runtime / "__init__.py"]
