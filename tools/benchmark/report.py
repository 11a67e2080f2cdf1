"""Figures, the machine they were measured on, the targets they are held to, and the printed table."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

# Issue 12's targets, each as the issue states it: (key in `targets`, description, limit, "max" or "min", unit).
# A "×" target is a ratio to the naive stack measured in the same run (`target_values` forms every figure).
TARGETS: list[tuple[str, str, float, str, str]] = [
    ("typical_ratio", "in-process typical email p50 / naive p50", 0.30, "max", "×"),
    ("long_ratio", "in-process long email p50 / naive p50", 0.30, "max", "×"),
    ("http_c4_p95_ratio", "HTTP p95 at concurrency 4 / naive p50 (the naive stack's in-process p50, typical "
     "emails)", 1.0, "max", "×"),
    ("batch_rate_ratio", "batch `tonecheck check` emails/s / naive rate (the naive stack over the same templates "
     "one at a time)", 4.0, "min", "×"),
    ("cold_start_s", "cold start to /readyz 200", 3.0, "max", " s"),
    ("peak_rss_mb", "peak RSS per worker (server worker or `tonecheck check`)", 500.0, "max", " MB"),
    # Kept from issue 6: the API's default request timeout; a hostile input slower than this would answer 503.
    ("hostile_worst_s", "slowest hostile input", 10.0, "max", " s"),
]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank (no interpolation: every figure is a measured value)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def summary(values: list[float], points: tuple[int, ...] = (50, 95, 99)) -> dict[str, float]:
    """n, mean and percentiles of latencies in ms, rounded for the report."""
    out: dict[str, float] = {"n": len(values)}
    if values:
        out["mean"] = round(sum(values) / len(values), 2)
    for p in points:
        out[f"p{p}"] = round(percentile(values, p), 2)
    return out


def linear_fit(points: list[tuple[float, float]]) -> dict[str, float]:
    """Least-squares ms = intercept + slope * words, and R², over (words, ms) points."""
    n = len(points)
    if n < 2:
        return {}
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    slope = sxy / sxx if sxx else 0.0
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for _, y in points)
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in points)
    r2 = 1 - ss_res / ss_tot if ss_tot else 1.0
    return {"intercept_ms": round(intercept, 2), "ms_per_100_words": round(slope * 100, 2), "r2": round(r2, 4)}


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory and load average, from /proc where there is one."""
    model = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 2**20, 1)
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return {"cpu_model": model, "cores": usable, "cpu_count": os.cpu_count(), "memory_gb": mem,
            "python": platform.python_version(), "platform": platform.platform()}


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator to 3 decimals (the figure a ratio target is judged on), None without both."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def naive_p50(inproc: dict[str, Any], size: str) -> tuple[str, float] | None:
    """The naive stack's fastest configuration (thread count) on `size` emails and its p50 ms, None if not run."""
    naive = inproc.get("naive") or {}
    best = min(naive, key=lambda name: naive[name][size]["p50"], default=None)
    return None if best is None else (best, naive[best][size]["p50"])


def p50_ratio(inproc: dict[str, Any], size: str) -> tuple[float | None, str | None]:
    """tonecheck's in-process p50 over the naive stack's fastest p50 on `size` emails, and how it was formed."""
    ref, mine = naive_p50(inproc, size), ((inproc.get("tonecheck") or {}).get(size) or {}).get("p50")
    if ref is None or mine is None:
        return None, None
    return ratio(mine, ref[1]), f"{mine} ms / naive ({ref[0]}) {ref[1]} ms"


def median_pair(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median `ratio` (the lower middle of an even count; runs without a ratio rank last)."""
    ranked = sorted(runs, key=lambda r: (r["ratio"] is None, r["ratio"] or 0.0))
    return ranked[(len(ranked) - 1) // 2]


def target_values(result: dict[str, Any]) -> tuple[dict[str, float | None], dict[str, str]]:
    """The figure each target is judged on, and how it was formed, from the figures of one run.

    Ratios are taken against the naive stack of the same run, at its fastest thread count: the in-process
    latency and the HTTP p95 against its in-process p50, the batch rate against its rate over the same templates.
    """
    inproc = result.get("in_process") or {}
    http, batch = result.get("http"), result.get("batch")
    values: dict[str, float | None] = {}
    details: dict[str, str] = {}
    for size in ("typical", "long"):
        values[f"{size}_ratio"], how = p50_ratio(inproc, size)
        if how:
            details[f"{size}_ratio"] = how
    # Paired when run.py measured the naive p50 again just before each concurrency-4 run (the median
    # pair is kept); else against the in-process phase's naive p50.
    ref = naive_p50(inproc, "typical")
    paired = http.get("c4_naive") if http else None
    if paired:
        ref = (paired["naive"], paired["p50"])
    c4 = next((r for r in http["runs"] if r["concurrency"] == 4), None) if http else None
    values["http_c4_p95_ratio"] = ratio(c4 and c4["p95"], ref and ref[1])
    if ref and c4:
        pairs = (http.get("c4_pairs") or []) if paired else []
        ratios = ", ".join(f"{p['ratio']}×" for p in pairs)
        spread = f"; median of {len(pairs)} pairs: {ratios}" if len(pairs) > 1 else ""
        how = ", measured just before" if paired else ""
        details["http_c4_p95_ratio"] = f"{c4['p95']} ms / naive ({ref[0]}) {ref[1]} ms{how}{spread}"
    # The pair with the median ratio (run.py pairs each `tonecheck check` with a naive rate just before it).
    naive_batch = batch.get("naive") if batch else None
    ours_rate = batch["default"]["emails_per_s"] if batch else None
    values["batch_rate_ratio"] = ratio(ours_rate, naive_batch and naive_batch["emails_per_s"])
    if naive_batch and ours_rate is not None:
        pairs = batch.get("pairs") or []
        ratios = ", ".join(f"{p['ratio']}×" for p in pairs)
        spread = f"; median of {len(pairs)} pairs: {ratios}" if len(pairs) > 1 else ""
        details["batch_rate_ratio"] = (f"{ours_rate} emails/s / naive ({naive_batch['naive']}) "
                                       f"{naive_batch['emails_per_s']} emails/s, measured just before{spread}")
    values["cold_start_s"] = http["cold_start_s"] if http else None
    rss = {name: x for name, x in (("server", http and http["peak_rss_mb"]),
                                   ("`tonecheck check`", batch and batch["default"]["peak_rss_mb"])) if x}
    values["peak_rss_mb"] = max(rss.values()) if rss else None
    if rss:
        details["peak_rss_mb"] = ", ".join(f"{name} {x} MB" for name, x in rss.items())
    hostile = inproc.get("hostile_s") or {}
    values["hostile_worst_s"] = max(hostile.values()) if hostile else None
    if hostile:
        details["hostile_worst_s"] = f"slowest: {max(hostile, key=hostile.__getitem__)}"
    return values, details


def typical_budget(result: dict[str, Any]) -> dict[str, float] | None:
    """Where the typical target's time goes: its budget, what the stages before the classifier take, what is left.

    The classifier is the one stage a model change can shrink, so `classifier_over` says how many times cheaper
    it must get, with the other stages as measured, for the typical email to meet its target (None there: the
    other stages alone exceed the budget; None for the whole: not measured).
    """
    inproc = result.get("in_process") or {}
    ref, stages = naive_p50(inproc, "typical"), inproc.get("stages_typical_p50_ms")
    limit = next(limit for key, _, limit, _, _ in TARGETS if key == "typical_ratio")
    if ref is None or not stages or "classifier" not in stages:
        return None
    budget = limit * ref[1]
    before = sum(ms for name, ms in stages.items() if name != "classifier")
    left = budget - before
    return {"budget_ms": round(budget, 2), "before_classifier_ms": round(before, 2),
            "before_classifier_ratio": round(before / ref[1], 3), "classifier_ms": stages["classifier"],
            "classifier_left_ms": round(left, 2),
            "classifier_over": round(stages["classifier"] / left, 2) if left > 0 else None}


def judge(values: dict[str, float | None], details: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Each target with its measured value, whether it is met (None: not measured), and by what factor it is off."""
    out = []
    for key, what, limit, kind, unit in TARGETS:
        value = values.get(key)
        entry: dict[str, Any] = {"key": key, "target": what, "limit": limit, "kind": kind, "unit": unit,
                                 "value": value, "met": None}
        if value is not None:
            entry["met"] = value <= limit if kind == "max" else value >= limit
            entry["factor"] = round(value / limit if kind == "max" else limit / value if value else float("inf"), 2)
        if details and key in details:
            entry["detail"] = details[key]
        out.append(entry)
    return out


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(result: dict[str, Any]) -> str:
    """The human-readable report: machine, latency by size, the naive stack, HTTP, batch, start, targets."""
    m = result["machine"]
    lines = [
        f"tonecheck benchmark: {m['cores']} cores, {m['cpu_model']}, load average "
        f"{result['load_average']['start']} -> {result['load_average']['end']}",
        f"settings: {result['settings']}",
        "",
        f"{'in-process, one email at a time':38s} {'short':>9s} {'typical':>9s} {'long':>9s}",
    ]
    inproc = result.get("in_process")
    if inproc:
        sizes = ("short", "typical", "long")
        rows = [("words (mean)", lambda s: inproc["words"][s], 0)]
        for p in ("p50", "p95", "p99"):
            rows.append((f"tonecheck {p} ms", lambda s, p=p: inproc["tonecheck"][s][p], 1))
        for name in inproc["naive"]:
            rows.append((f"naive ({name}) p50 ms", lambda s, n=name: inproc["naive"][n][s]["p50"], 1))
        rows.append(("tonecheck / naive (p50)", lambda s: p50_ratio(inproc, s)[0], 2))
        rows.append(("tonecheck ms per 100 words (p50)", lambda s: inproc["ms_per_100_words"][s], 1))
        for label, get, digits in rows:
            lines.append(f"{label:38s} " + " ".join(f"{_fmt(get(s), digits):>9s}" for s in sizes))
        fit = inproc.get("linear_fit", {})
        if fit:
            lines.append(f"{'linear fit over the emails':38s} {fit['intercept_ms']} ms + "
                         f"{fit['ms_per_100_words']} ms per 100 words, R² {fit['r2']}")
        if inproc.get("stages_typical_p50_ms"):
            st = inproc["stages_typical_p50_ms"]
            lines.append(f"{'typical email by stage (p50 ms)':38s} " + ", ".join(f"{k} {v}" for k, v in st.items()))
        if inproc.get("recheck_typical"):
            rc = inproc["recheck_typical"]
            lines.append(f"{'re-check after a one-word edit (p50)':38s} {rc['uncached']['p50']} ms without the "
                         f"score cache, {rc['cached']['p50']} ms with it (the other figures run without it)")
        if inproc.get("worst_case"):
            wc = inproc["worst_case"]
            lines.append(f"{'largest accepted email':38s} {wc['words']} words ({wc['bytes']} bytes): "
                         f"{_fmt(wc['ms']['p50'], 0)} ms")
    http = result.get("http")
    if http:
        lines += ["", f"HTTP POST /v1/check, typical emails, `tonecheck serve --workers {http['workers']}`"]
        for run in http["runs"]:
            moved, merged = run.get("rebalanced"), run.get("merged")
            closed = f", {moved} connections closed to rebalance" if moved is not None else ""
            closed += f", {merged} checks merged" if merged is not None else ""
            lines.append(f"  concurrency {run['concurrency']}: p50 {run['p50']} ms, p95 {run['p95']} ms, "
                         f"{run['n']} requests, {run['errors']} errors, {run['per_s']} requests/s{closed}")
        if len(http.get("c4_pairs") or []) > 1:
            lines.append("  concurrency-4 pairs (naive p50 ms just before, then p95 ms, ratio): " + "; ".join(
                f"{p['naive_p50_ms']}, {p['p95_ms']}, {p['ratio']}×" for p in http["c4_pairs"]))
        lines.append(f"  cold start to /readyz 200: {http['cold_start_s']} s (median of "
                     f"{len(http['cold_starts_s'])}: {http['cold_starts_s']})")
        lines.append(f"  peak RSS per worker: {http['peak_rss_mb']} MB")
    batch = result.get("batch")
    if batch:
        lines += ["", f"batch over a folder of templates (start-up, one file: {batch['startup_s']} s)"]
        for key in ("default", "jobs"):
            if key in batch:
                b = batch[key]
                lines.append(f"  `{b['command']}`: {b['files']} files in {b['seconds']} s, {b['emails_per_s']} "
                             f"emails/s after start-up ({b['emails_per_s_wall']} with it), "
                             f"peak RSS {b['peak_rss_mb']} MB (largest process)")
    naive_batch = batch.get("naive") if batch else None
    if naive_batch:
        lines.append(f"  naive stack ({naive_batch['naive']}), in-process, one template at a time: "
                     f"{naive_batch['templates']} templates in {naive_batch['seconds']} s, "
                     f"{naive_batch['emails_per_s']} emails/s (models loaded beforehand)")
        if len(batch.get("pairs") or []) > 1:
            lines.append("  pairs (naive emails/s, then `tonecheck check` emails/s, ratio): " + "; ".join(
                f"{p['naive_emails_per_s']}, {p['emails_per_s']}, {p['ratio']}×" for p in batch["pairs"]))
    lines += ["", "targets (issue 12; × is a ratio to the naive stack measured in this run):"]
    for t in result["targets"]:
        lines.append("  " + _target_line(t))
    budget = result.get("typical_budget")
    if budget:
        over = budget["classifier_over"]
        need = ("cannot fit: the stages before it exceed the budget" if over is None else "fits" if over <= 1
                else f"must be {_fmt(over, 2)}× cheaper")
        lines.append(f"  typical target's budget {budget['budget_ms']} ms: cleanup, parse and rules take "
                     f"{budget['before_classifier_ms']} ms ({budget['before_classifier_ratio']}× naive), leaving "
                     f"{budget['classifier_left_ms']} ms for the classifier's {budget['classifier_ms']} ms, "
                     f"which {need}")
    return "\n".join(lines)


def _target_line(t: dict[str, Any]) -> str:
    """`met`/`MISSED`/`n/a`, the target, what was measured, the limit, by how much it is missed, how it was formed."""
    mark = "n/a" if t["met"] is None else "met" if t["met"] else "MISSED"
    unit = t.get("unit", "")
    sign = "<=" if t.get("kind", "max") == "max" else ">="
    measured = "not measured" if t["value"] is None else f"measured {_fmt(t['value'], 2)}{unit}"
    line = f"{mark:6s} {t['target']}: {measured}, target {sign} {t['limit']:g}{unit}"
    if t["met"] is False and t.get("factor") is not None:
        line += f", missed by {_fmt(t['factor'], 2)}×"
    if t.get("detail"):
        line += f" ({t['detail']})"
    return line
