"""spaCy's matrix products through torch: the BLIS that thinc ships runs its generic kernel here.

thinc's `NumpyOps.gemm` calls cython-blis, whose wheel selects the 'generic' sub-configuration on this
service's CPUs (`BLIS_ARCH_DEBUG=1`): in a one-off timing on 4 Dec at the tok2vec's shapes (163 x 288 x
864) it ran at 33 GFLOP/s on one core, torch's fp32 `mm` at 90. The service loads torch for the
classifier anyway and keeps it to its thread budget, so the parse's products run there (`make bench`:
a typical email's parse 12.3 -> 8.7 ms together with the attribute table); `python -m
tools.evaluation.same_parse` shows the parse unchanged. The parser's own Cython loop calls BLAS
directly and keeps BLIS.
"""

from __future__ import annotations

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
