"""Import torch without its compiler's meta registrations and `torch.export`: ~0.5 s of every cold start.

torch's `__init__` imports `torch._meta_registrations` (which pulls in `torch._decomp`) and `torch.export`.
They serve torch.compile, fake tensors and export, which the service never runs: it runs eager CPU
kernels only, and those do not change. While torch's own `__init__` runs, the two are stand-ins
(`stand_ins.py`), so a later `import torch.export` or `import torch._meta_registrations` imports the real
one. Only the command line installs this (`tonecheck.cli.main`), so training, evaluation and tests import
torch whole.
"""

from __future__ import annotations

import types

from tonecheck.stand_ins import Deferral

DEFERRED = ("torch._meta_registrations", "torch.export")


def _stand_ins() -> dict[str, types.ModuleType]:
    out = {name: types.ModuleType(name) for name in DEFERRED}
    for stand_in in out.values():
        stand_in.__path__ = []  # packages, so a submodule import inside torch's init fails loudly
    return out


_DEFERRAL = Deferral("torch", _stand_ins)
install = _DEFERRAL.install
uninstall = _DEFERRAL.uninstall
