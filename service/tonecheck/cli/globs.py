"""Glob patterns as linters use them: `*.html` matches a name anywhere, `emails/**/draft-*` a path."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePosixPath

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
def _compile(pattern: str) -> re.Pattern[str]:
    """A glob as a regex over a `/`-separated relative path: `**` spans folders, `*` and `?` do not."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def matches(path: PurePosixPath, pattern: str) -> bool:
    """True when `path` (relative) or one of its parent folders matches `pattern`.

    A pattern without `/` matches any single name (`node_modules`, `*.html`), as in .gitignore; one
    with `/` matches from the start of the relative path (`emails/legacy/**`).
    """
    pattern = pattern.strip()
    if pattern.endswith("/"):
        pattern = pattern.rstrip("/")
    if "/" not in pattern:
        regex = _compile(pattern)
        return any(regex.match(part) for part in path.parts)
    regex = _compile(pattern.lstrip("/"))
    parts = path.parts
    return any(regex.match("/".join(parts[:n])) for n in range(1, len(parts) + 1))
