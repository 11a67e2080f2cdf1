"""The built-in rules, shipped as package data `tonecheck.data.rules` (mapped in pyproject.toml)."""
