"""Import spaCy without its command line, which the service never runs: ~0.4 s of a ~3.5 s cold start.

spaCy's `__init__` imports `spacy.cli.info` only to re-export `spacy.info`, and `spacy.cli` pulls in
typer, requests, weasel and the training loop. While spaCy's own `__init__` runs, `spacy.cli` and
`spacy.cli.info` are stand-ins; they are removed as soon as it finishes, so a later `import spacy.cli`
imports the real one, and `spacy.info` imports it on first call. Nothing else about spaCy changes.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any


def _info(*args: Any, **kwargs: Any) -> Any:
    """`spacy.info`, importing spaCy's command line on first call."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


class _WithoutCli(importlib.abc.Loader):
    """Runs spaCy's real loader with stand-ins for `spacy.cli` and `spacy.cli.info` in place."""

    def __init__(self, real: importlib.abc.Loader) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        """The real loader's module."""
        return self.real.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        """spaCy's `__init__`, then the stand-ins go."""
        cli = types.ModuleType("spacy.cli")
        cli.__path__ = []  # a package, so `spacy.cli.info` resolves as its submodule
        info = types.ModuleType("spacy.cli.info")
        info.info = _info  # type: ignore[attr-defined]
        stand_ins = {"spacy.cli": cli, "spacy.cli.info": info}
        sys.modules.update(stand_ins)
        try:
            self.real.exec_module(module)
        finally:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
            if getattr(module, "cli", None) is cli:
                del module.cli


class _Finder(importlib.abc.MetaPathFinder):
    """Finds `spacy` once, the normal way, and wraps its loader."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        """Only `spacy` itself; every other import is left to the normal finders."""
        if name != "spacy":
            return None
        uninstall()
        spec = importlib.util.find_spec("spacy")
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _WithoutCli(spec.loader)
        return spec


_FINDER = _Finder()


def install() -> None:
    """Defer spaCy's command line, unless spaCy is already imported."""
    if "spacy" not in sys.modules and _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    """Stop intercepting (done on the first `import spacy`)."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
