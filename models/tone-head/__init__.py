"""The shipped classifier head, package data `tonecheck.data.model` (mapped in pyproject.toml)."""
