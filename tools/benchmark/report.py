"""Figures, the machine they were measured on, the targets they are held to, and the printed table."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

# Issue 6's budget on 2 cores: (key in `targets`, description, limit, "max" or "min").
TARGETS: list[tuple[str, str, float, str]] = [
    ("typical_ratio", "in-process typical email / naive stack (p50)", 0.35, "max"),
    ("typical_p50_ms", "in-process typical email p50 (ms)", 25.0, "max"),
    ("http_c4_p95_ms", "HTTP p95 at concurrency 4 (ms)", 60.0, "max"),
    ("batch_emails_per_s", "batch `tonecheck check` (emails/s)", 60.0, "min"),
    ("cold_start_s", "cold start to /readyz 200 (s)", 5.0, "max"),
    ("peak_rss_mb", "peak RSS per worker (MB)", 700.0, "max"),
    # The API's default request timeout: a hostile input slower than this would answer 503, not hang.
    ("hostile_worst_s", "slowest hostile input (s)", 10.0, "max"),
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


def judge(targets: dict[str, float | None]) -> list[dict[str, Any]]:
    """Each target with its measured value, whether it is met, and by what factor it is missed."""
    out = []
    for key, what, limit, kind in TARGETS:
        value = targets.get(key)
        if value is None:
            out.append({"key": key, "target": what, "limit": limit, "value": None, "met": None})
            continue
        met = value <= limit if kind == "max" else value >= limit
        off = value / limit if kind == "max" else limit / value if value else float("inf")
        out.append({"key": key, "target": what, "limit": limit, "kind": kind, "value": value, "met": met,
                    "factor": round(off, 2)})
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
        rows.append(("tonecheck / naive (p50)", lambda s: inproc["ratio_p50"][s], 2))
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
        if inproc.get("worst_case"):
            wc = inproc["worst_case"]
            lines.append(f"{'largest accepted email':38s} {wc['words']} words ({wc['bytes']} bytes): "
                         f"{_fmt(wc['ms']['p50'], 0)} ms")
    http = result.get("http")
    if http:
        lines += ["", f"HTTP POST /v1/check, typical emails, `tonecheck serve --workers {http['workers']}`"]
        for run in http["runs"]:
            lines.append(f"  concurrency {run['concurrency']}: p50 {run['p50']} ms, p95 {run['p95']} ms, "
                         f"{run['n']} requests, {run['errors']} errors, {run['per_s']} requests/s")
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
    lines += ["", "targets (2 cores):"]
    for t in result["targets"]:
        mark = "n/a" if t["met"] is None else "met" if t["met"] else "MISSED"
        sign = "<=" if t.get("kind", "max") == "max" else ">="
        lines.append(f"  {mark:6s} {t['target']}: {_fmt(t['value'], 2)} (target {sign} {t['limit']:g})")
    return "\n".join(lines)
