"""RSS and per-email latency. Each configuration runs in its own process (python rss_latency.py CONFIG):
  engine:        build_engine(Settings()) (the service: MiniLM packed, bf16 auto) + check one 9-unit dev email
  mpnet:         mpnet alone (fp32 weights, bf16 autocast) embedding that email's units
  engine+mpnet:  both loaded, the service check then mpnet on k routed units
2 threads; median of 20 runs after 3 warm-ups."""
from common import *  # noqa
from common import MpnetEncoder, load_json, np, time, torch, rss_mb, peak_rss_mb
import json, statistics, subprocess, sys


def email_with_units(n=9):
    """A 9-unit email: the first dev (w6) emails with 4+ units, their units joined as paragraphs, cut at n."""
    d = load_json("dev_units.json")
    counts = np.bincount(d["owners"])
    units = []
    for row in range(len(counts)):
        if d["ids"][row].startswith("w6-") and counts[row] >= 4:
            units += [t for t, o in zip(d["texts"], d["owners"]) if o == row]
        if len(units) >= n:
            break
    units = units[:n]
    return "\n\n".join(units), units


def timed(fn, n=20):
    for _ in range(3):
        fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(ts), 1)


if __name__ == "__main__":
    if len(sys.argv) == 1:
        out = {}
        for cfg in ("engine", "mpnet", "engine+mpnet"):
            r = subprocess.run([sys.executable, __file__, cfg], capture_output=True, text=True)
            line = [l for l in r.stdout.splitlines() if l.startswith("{")][-1]
            out[cfg] = json.loads(line); print(cfg, out[cfg], flush=True)
        json.dump(out, open("/work/mpnet-exp/rss_latency.json", "w"), indent=1)
        raise SystemExit
    cfg = sys.argv[1]
    torch.set_num_threads(2)
    text, units = email_with_units(9)
    res = {"baseline_rss_mb": round(rss_mb())}
    if "engine" in cfg:
        from tonecheck.engine import build_engine
        from tonecheck.settings import Settings
        s = Settings()
        engine = build_engine(s)
        torch.set_num_threads(2)
        res["engine_check_ms"] = timed(lambda: engine.check(text))
        res["engine_units"] = engine.check(text).sentences
        res["rss_after_engine_mb"] = round(rss_mb())
    if "mpnet" in cfg:
        enc = MpnetEncoder(64, bf16=True)
        for k in (1, 2, 3, 9):
            res[f"mpnet_{k}_units_ms"] = timed(lambda: enc.embed(units[:k]))
        res["rss_after_mpnet_mb"] = round(rss_mb())
    res["peak_rss_mb"] = round(peak_rss_mb())
    res["units"] = len(units)
    print(json.dumps(res))
