"""spaCy's matrix products through torch, on CPUs where the BLIS that thinc ships runs its generic kernel.

thinc's `NumpyOps.gemm` calls cython-blis, whose wheel picks a sub-configuration by CPU (`BLIS_ARCH_DEBUG=1`
prints it). On the Zen 4 VMs it picks 'generic': in a one-off timing on 4 Dec at the tok2vec's shapes (163 x
288 x 864) that ran at 33 GFLOP/s on one core, torch's fp32 `mm` at 90. There the service, which loads torch
for the classifier anyway and keeps it to its thread budget, runs the parse's products in torch (`make
bench`: a typical email's parse 12.3 -> 8.7 ms together with the attribute table); `python -m
tools.evaluation.same_parse` shows the parse unchanged. On a Zen 2 VM BLIS picks 'zen2', and its tok2vec
beat torch's: 3.27 against 3.82 ms an email on the benchmark's emails (5 Dec, one-off), so BLIS keeps the
products wherever it has a kernel for the CPU. The parser's own Cython loop calls BLAS directly and keeps BLIS.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
from spacy.language import Language
from thinc.api import NumpyOps


class TorchGemmOps(NumpyOps):
    """NumpyOps whose `gemm` runs in torch for 2-D float32 arrays (anything else: thinc's own)."""

    def gemm(self, x: Any, y: Any, out: Any = None, trans1: bool = False, trans2: bool = False) -> Any:
        """x @ y (each transposed when asked), into `out` when given, as thinc's gemm does."""
        import torch  # already imported by the classifier: this ops object is only used with it

        if not (x.ndim == y.ndim == 2 and x.dtype == y.dtype == np.float32
                and (out is None or (out.dtype == np.float32 and out.flags.c_contiguous))):
            return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)
        a, b = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(y))
        a, b = (a.T if trans1 else a), (b.T if trans2 else b)
        if out is None:
            return torch.mm(a, b).numpy()
        torch.mm(a, b, out=torch.from_numpy(out))
        return out


def use_torch_gemm(nlp: Language) -> None:
    """Give every model node of `nlp`'s components the torch-backed ops (their weights stay where they are)."""
    ops = TorchGemmOps()
    for _, component in nlp.components:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops


def use_fastest_gemm(nlp: Language) -> None:
    """Move `nlp`'s products to torch where BLIS would run its generic kernel; elsewhere leave them to BLIS."""
    if torch_gemm_pays(blis_arch()):
        use_torch_gemm(nlp)


def blis_arch() -> str | None:
    """The sub-configuration cython-blis runs on this CPU ('zen2', 'haswell', 'generic', ...), None if unknown."""
    try:
        import blis.cy

        lib = ctypes.CDLL(blis.cy.__file__)  # already loaded by thinc: the same handle, nothing runs again
        lib.bli_arch_query_id.restype = ctypes.c_int
        lib.bli_arch_string.argtypes = [ctypes.c_int]
        lib.bli_arch_string.restype = ctypes.c_char_p
        return lib.bli_arch_string(lib.bli_arch_query_id()).decode()
    except (ImportError, OSError, AttributeError, UnicodeDecodeError):  # another BLIS build: keep torch's products
        return None


def torch_gemm_pays(arch: str | None) -> bool:
    """Whether the parse's products should run in torch: where BLIS has only its generic kernel, or may."""
    return arch in (None, "generic")
