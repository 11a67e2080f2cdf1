"""Import torch without its compiler's meta registrations and `torch.export`: ~0.5 s of every cold start.

torch's `__init__` imports `torch._meta_registrations` (which pulls in `torch._decomp`) and `torch.export`.
They serve torch.compile, fake tensors and export, which the service never runs: it runs eager CPU
kernels only, and those do not change. While torch's own `__init__` runs, the two are stand-ins; they are
removed as soon as it finishes, so a later `import torch.export` or `import torch._meta_registrations`
imports the real one. Only the command line installs this (`tonecheck.cli.main`), so training, evaluation
and tests import torch whole.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any

DEFERRED = ("torch._meta_registrations", "torch.export")


class _Lean(importlib.abc.Loader):
    """Runs torch's real loader with stand-ins for the deferred modules in place."""

    def __init__(self, real: importlib.abc.Loader) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        """The real loader's module."""
        return self.real.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        """torch's `__init__`, then the stand-ins go."""
        stand_ins = {name: types.ModuleType(name) for name in DEFERRED}
        for stand_in in stand_ins.values():
            stand_in.__path__ = []  # packages, so a submodule import inside torch's init fails loudly
        sys.modules.update(stand_ins)
        try:
            self.real.exec_module(module)
        finally:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
                attr = name.rsplit(".", 1)[1]
                if getattr(module, attr, None) is stand_in:
                    delattr(module, attr)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds `torch` once, the normal way, and wraps its loader."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        """Only `torch` itself; every other import is left to the normal finders."""
        if name != "torch":
            return None
        uninstall()
        spec = importlib.util.find_spec("torch")
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _Lean(spec.loader)
        return spec


_FINDER = _Finder()


def install() -> None:
    """Defer torch's compiler registrations, unless torch is already imported."""
    if "torch" not in sys.modules and _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    """Stop intercepting (done on the first `import torch`)."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
