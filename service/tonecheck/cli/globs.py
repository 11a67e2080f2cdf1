"""Glob patterns as a .gitignore reads them (pathspec): `*.html` matches a name anywhere, `emails/**/draft-*`
a path, `[ab]*` a character class, and `!pattern` takes back what an earlier pattern matched."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import PurePosixPath

from pathspec import GitIgnoreSpec

DEFAULT_INCLUDE: tuple[str, ...] = tuple(
    f"*.{ext}"
    for ext in "txt md html htm eml j2 jinja jinja2 hbs handlebars mustache liquid mjml".split()
)
# Folders no one keeps customer emails in, and that are large to walk.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache",
)


@lru_cache(maxsize=512)
def _specs(patterns: tuple[str, ...]) -> tuple[GitIgnoreSpec, GitIgnoreSpec]:
    """The patterns for files, and for folders: git tests a folder by its name, so `legacy/` matches `legacy`."""
    lines = [p.strip() for p in patterns]
    folders = [p.rstrip("/") or p for p in lines]
    return GitIgnoreSpec.from_lines(lines), GitIgnoreSpec.from_lines(folders)


def matches(path: PurePosixPath, patterns: Sequence[str], folder: bool = False) -> bool:
    """True when the last of `patterns` that matches `path` (relative) or a parent folder is not a `!` one.

    A pattern without `/` matches any single name (`node_modules`, `*.html`); one with `/` matches from
    the start of the relative path (`emails/legacy/**`); one ending in `/` matches only folders.
    `folder` says `path` is a folder (one that matches is not walked).
    """
    files, folders = _specs(tuple(patterns))
    return (folders if folder else files).match_file(path.as_posix())
