"""The add-in's pages, shipped as package data `tonecheck.data.addin` (mapped in pyproject.toml)."""
