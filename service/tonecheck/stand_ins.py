"""Import a package with some of its submodules stood in for while its `__init__` runs.

Start-up cost the service never uses (spaCy's command line, torch's compiler registrations) is imported
by those packages' `__init__`. A `Deferral` finds the package once, the normal way, and runs its real
loader with stand-in modules in `sys.modules`. They are removed as soon as `__init__` finishes, so a
later import of the real submodule imports it. Nothing else about the package changes.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Callable
from typing import Any

StandIns = Callable[[], dict[str, types.ModuleType]]


class _Loader(importlib.abc.Loader):
    """Runs the package's real loader with the stand-ins in place, then removes them."""

    def __init__(self, real: importlib.abc.Loader, stand_ins: StandIns) -> None:
        self.real = real
        self.stand_ins = stand_ins

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        """The real loader's module."""
        return self.real.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        """The package's `__init__`, then the stand-ins go, from `sys.modules` and as its attributes."""
        stand_ins = self.stand_ins()
        sys.modules.update(stand_ins)
        try:
            self.real.exec_module(module)
        finally:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
                attr = name.removeprefix(module.__name__ + ".")
                if "." not in attr and getattr(module, attr, None) is stand_in:
                    delattr(module, attr)


class Deferral(importlib.abc.MetaPathFinder):
    """Intercepts the first import of `package` only; every other import is left to the normal finders."""

    def __init__(self, package: str, stand_ins: StandIns) -> None:
        self.package = package
        self.stand_ins = stand_ins

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        """The package's own spec with its loader wrapped; None for every other name."""
        if name != self.package:
            return None
        self.uninstall()
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _Loader(spec.loader, self.stand_ins)
        return spec

    def install(self) -> None:
        """Intercept the package's first import, unless it is already imported."""
        if self.package not in sys.modules and self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def uninstall(self) -> None:
        """Stop intercepting (done on the first import)."""
        if self in sys.meta_path:
            sys.meta_path.remove(self)
