"""torch's int8 products against fp32 at the encoder's shapes, one thread.

    python models/experiments/zen2-speed-2026-12-05/scripts/int8mm.py
"""
import time, torch, torch.nn.functional as F
torch.set_num_threads(1)
def t(fn, n=200):
    for _ in range(10): fn()
    s = time.perf_counter()
    for _ in range(n): fn()
    return (time.perf_counter() - s) / n * 1000
for M, K, N in ((128, 384, 1152), (128, 384, 1536), (128, 1536, 384)):
    x = torch.randn(M, K); w = torch.randn(N, K); b = torch.randn(N)
    xi = torch.randint(-127, 127, (M, K), dtype=torch.int8); wi = torch.randint(-127, 127, (K, N), dtype=torch.int8)
    f = t(lambda: F.linear(x, w, b))
    try:
        i = t(lambda: torch._int_mm(xi, wi))
    except Exception as e:
        i = float("nan"); print(e)
    wq = torch.quantize_per_channel(w, torch.rand(N) / 50 + 0.01, torch.zeros(N, dtype=torch.long), 0, torch.qint8)
    packed = torch.ops.quantized.linear_prepack(wq, b)
    d = t(lambda: torch.ops.quantized.linear_dynamic(x, packed, True))
    print(M, K, N, f"fp32 {f:.3f} int_mm {i:.3f} dyn {d:.3f}")
