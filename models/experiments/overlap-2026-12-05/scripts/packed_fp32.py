"""fp32 products: F.linear against MKL's and oneDNN's prepacked weights at the encoder's shapes (one-off).

    PYTHONPATH=.:service python models/experiments/overlap-2026-12-05/scripts/packed_fp32.py
"""
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
for out_f, in_f in ((1152, 384), (384, 384), (1536, 384), (384, 1536)):
    w = torch.randn(out_f, in_f) * 0.05
    b = torch.randn(out_f) * 0.05
    for m in (16, 64, 128, 512):
        x = torch.randn(m, in_f)
        mkl_w = torch.ops.mkl._mkl_reorder_linear_weight(w, m)
        dnn_w = torch.ops.mkldnn._reorder_linear_weight(w, m)
        fns = {
            "F.linear": lambda: F.linear(x, w, b),
            "mkl": lambda: torch.ops.mkl._mkl_linear(x, mkl_w, w, b, m),
            "onednn": lambda: torch.ops.mkldnn._linear_pointwise(x, dnn_w, b, "none", [], ""),
        }
        ref = fns["F.linear"]()
        row = []
        for name, fn in fns.items():
            for _ in range(5):
                fn()
            best = 1e9
            for _ in range(7):
                t = time.perf_counter()
                for _ in range(20):
                    y = fn()
                best = min(best, (time.perf_counter() - t) / 20)
            diff = (y - ref).abs().max().item()
            # bit-for-bit by rows: the first row alone equals the first row in the batch?
            row.append(f"{name} {best*1e6:7.1f}us d={diff:.1e}")
        print(f"{out_f}x{in_f} m={m:4}", " | ".join(row))
# does a row's result depend on the other rows? (M=1 vs M=64), each method
w = torch.randn(1536, 384) * 0.05; b = torch.randn(1536) * 0.05; x = torch.randn(64, 384)
mw = torch.ops.mkl._mkl_reorder_linear_weight(w, 128); dw = torch.ops.mkldnn._reorder_linear_weight(w, 128)
for name, fn in {"F.linear": lambda z: F.linear(z, w, b), "mkl": lambda z: torch.ops.mkl._mkl_linear(z, mw, w, b, 128),
                 "onednn": lambda z: torch.ops.mkldnn._linear_pointwise(z, dw, b, "none", [], "")}.items():
    full = fn(x)
    same = all(torch.equal(fn(x[i:j]), full[i:j]) for i, j in ((0, 1), (3, 20), (20, 64), (5, 6)))
    print(name, "row-independent:", same)
