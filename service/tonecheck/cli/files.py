"""Find the files to check under the given paths, and read each one as the engine should see it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tonecheck.cli.config import Config, ConfigFinder
from tonecheck.cli.globs import DEFAULT_EXCLUDE, DEFAULT_INCLUDE, matches
from tonecheck.errors import InputError


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file to check, the path to show for it, and the config that applies to it."""

    file: Path | None  # None for stdin
    shown: str
    config: Config


@dataclass
class Discovery:
    """The files found, and how many were left out by exclude globs (so "nothing to check" can say why)."""

    files: list[Candidate] = field(default_factory=list)
    excluded: int = 0


def shown_path(path: Path, cwd: Path) -> str:
    """The path as CI annotations and SARIF want it: relative to the working folder, with `/`."""
    absolute = path.absolute()
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        return absolute.as_posix()


def _relative(path: Path, base: Path | None, cwd: Path) -> PurePosixPath:
    """`path` relative to `base` (a config's folder) or else to `cwd`; its bare name when outside both."""
    absolute = path.absolute()
    for root in (base, cwd):
        if root is not None:
            try:
                return PurePosixPath(absolute.relative_to(root.absolute()).as_posix())
            except ValueError:
                pass
    return PurePosixPath(path.name)


class Walker:
    """Walks folders with include/exclude globs from the command line and from each folder's config."""

    def __init__(
        self, finder: ConfigFinder, include: Sequence[str], exclude: Sequence[str], cwd: Path
    ) -> None:
        self.finder, self.include, self.exclude, self.cwd = finder, list(include), list(exclude), cwd

    def _excluded(self, path: Path, config: Config, folder: bool = False) -> bool:
        """Excluded by a default, the command line (relative to the working folder) or the config's globs."""
        if matches(_relative(path, None, self.cwd), (*DEFAULT_EXCLUDE, *self.exclude), folder):
            return True
        return matches(_relative(path, config.base, self.cwd), config.model.exclude, folder)

    def _included(self, path: Path, config: Config) -> bool:
        """Matched by `--include`, else the config's `include`, else the default email-template globs."""
        if self.include:
            return matches(_relative(path, None, self.cwd), self.include)
        patterns = config.model.include if config.model.include is not None else DEFAULT_INCLUDE
        return matches(_relative(path, config.base, self.cwd), patterns)

    def discover(self, paths: Iterable[str]) -> Discovery:
        """Every file to check, sorted, without duplicates; a path that does not exist is an `InputError`."""
        found = Discovery()
        seen: set[Path] = set()

        def add(file: Path, config: Config) -> None:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                found.files.append(Candidate(file, shown_path(file, self.cwd), config))

        for raw in paths:
            if raw == "-":
                found.files.append(Candidate(None, "<stdin>", self.finder.for_dir(self.cwd)))
                continue
            path = Path(raw)
            if path.is_file():
                config = self.finder.for_dir(path.parent)
                # A file named on the command line (as pre-commit does) is checked whatever its
                # extension, but a project's exclude globs still apply to it.
                if self._excluded(path, config):
                    found.excluded += 1
                else:
                    add(path, config)
            elif path.is_dir():
                self._walk(path, add, found)
            else:
                raise InputError(f"{raw}: no such file or folder; check the path")
        return found

    def _walk(self, top: Path, add: Callable[[Path, Config], None], found: Discovery) -> None:
        for dirpath, dirnames, filenames in os.walk(top):
            here = Path(dirpath)
            config = self.finder.for_dir(here)
            kept = []
            for d in sorted(dirnames):
                if self._excluded(here / d, config, folder=True):
                    found.excluded += 1
                else:
                    kept.append(d)
            dirnames[:] = kept
            for name in sorted(filenames):
                file = here / name
                if not self._included(file, config):
                    continue
                if self._excluded(file, config):
                    found.excluded += 1
                else:
                    add(file, config)
