"""`make bench`: every figure of the performance budget in one bounded run, the naive stack alongside.

Order: in-process latency (tonecheck and the naive stack interleaved round by round, so both see the
same machine load) and the naive stack's rate over the first templates, one at a time; a real
`tonecheck serve` on loopback (cold start, HTTP latency at concurrency 1, 4 and 8, peak RSS), then
`tonecheck check` over a folder of templates. The concurrency-4 and batch figures are each paired with the
naive stack measured again just before them, a few times, and the median pair is judged. The servers and
checks it starts inherit the caller's TONECHECK_* settings. Prints a table, writes JSON
(bench-results/latest.json; with --publish also docs/bench-latest.json, the copy the README quotes).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tonecheck.cli.batches import cores
from tonecheck.settings import get_settings
from tools import REPO_ROOT
from tools.benchmark.corpus import EMAILS_DIR, SIZES, capped_email, load_emails, write_templates
from tools.benchmark.report import (
    judge,
    linear_fit,
    load_average,
    machine,
    median_pair,
    naive_p50,
    ratio,
    summary,
    table,
    target_values,
    typical_budget,
)

RESULTS = REPO_ROOT / "bench-results" / "latest.json"
PUBLISHED = REPO_ROOT / "docs" / "bench-latest.json"
HTTP_WARMUP = 20
# A third HTTP run, beyond the targets' two: four checks in flight per worker, where queued drafts merge.
LOADED_CONCURRENCY = 8
# The figures measure the checking itself: the benchmark repeats its emails, so the score cache, which
# would answer those repeats, is off everywhere except the re-check figure, which is about the cache.
NO_CACHE = {"TONECHECK_SCORE_CACHE_UNITS": "0"}
# Templates the naive stack checks for the naive batch rate: the first of the batch folder, enough for a stable rate.
NAIVE_BATCH_TEMPLATES = 100
# Measures the naive stack's rate over those templates, once per call.
NaiveRate = Callable[[], dict[str, Any]]
# Rounds over the typical emails when the naive p50 is measured again just before a concurrency-4 run.
NAIVE_HTTP_ROUNDS = 10


@dataclass(frozen=True)
class NaiveProbes:
    """The naive stack measured again on demand, so a later phase pairs its figure with one taken just before."""

    rate: NaiveRate | None  # emails/s over the first templates, one at a time (None without templates)
    typical_p50: NaiveRate  # p50 ms over the typical emails, one at a time


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of the benchmark."""
    parser = argparse.ArgumentParser(prog="python -m tools.benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40, help="in-process rounds over every email")
    parser.add_argument("--http-requests", type=int, default=300, help="measured requests per concurrency")
    parser.add_argument("--templates", type=int, default=500, help="files in the batch folder")
    parser.add_argument("--batch-pairs", type=int, default=3,
                        help="naive rate + `tonecheck check` pairs in the batch phase (the median ratio is judged)")
    parser.add_argument("--http-pairs", type=int, default=3,
                        help="naive p50 + concurrency-4 run pairs in the HTTP phase (the median ratio is judged)")
    parser.add_argument("--cold-starts", type=int, default=3, help="server starts timed (median reported)")
    parser.add_argument("--workers", type=int, default=min(2, cores()),
                        help="`tonecheck serve --workers` (default: one per core, at most 2: the documented setting)")
    parser.add_argument("--emails", type=Path, default=EMAILS_DIR, help="folder of <size>-<n>.txt emails")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["naive", "http", "batch", "worst-case", "hostile"], help="leave a phase out")
    parser.add_argument("--quick", action="store_true", help="tiny counts: checks that the benchmark runs")
    parser.add_argument("--time-limit", type=float, default=1200.0, help="seconds after which phases stop")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the figures")
    parser.add_argument("--publish", action="store_true", help=f"also write {PUBLISHED.relative_to(REPO_ROOT)}")
    return parser


def _in_process(args: argparse.Namespace, emails: dict, deadline: float,
                templates: list[Path]) -> tuple[dict[str, Any], dict, NaiveProbes | None]:
    """Latency per email through the engine, the naive stack interleaved; the settings; the naive probes."""
    import torch

    from tonecheck.detect.classifier.packed import native_bf16, resolve_precision
    from tonecheck.engine import build_engine
    from tools.benchmark.inprocess import NaiveStack, interleaved, judged_sentences, one_at_a_time, stages, worst_case

    settings = get_settings().model_copy(update={"score_cache_units": 0})
    default_threads = torch.get_num_threads()  # torch's own choice, before the engine applies its setting
    began = time.perf_counter()
    engine = build_engine(settings)
    build_s = time.perf_counter() - began
    threads = torch.get_num_threads()
    used = {
        "torch_threads": threads, "encoder_precision": resolve_precision(settings.encoder_precision)
        if engine.classifier else None, "use_classifier": settings.use_classifier,
        "model": engine.versions.model, "rules": engine.versions.rules, "spacy_pipeline": engine.nlp.pipe_names,
        "native_bf16": native_bf16(), "torch": torch.__version__, "score_cache_units": settings.score_cache_units,
    }
    systems = {}
    naive_info: dict[str, Any] = {}
    if "naive" not in args.skip:
        naive = NaiveStack(settings.spacy_model)
        naive_info = {"spacy_pipeline": naive.nlp.pipe_names, "encoder": "transformers AutoModel, fp32"}
        sentences = {e.name: judged_sentences(engine, e.text) for size in SIZES for e in emails[size]}
        # Two thread counts: torch's default (what the naive stack would get) and tonecheck's, so the
        # ratio is taken against whichever is faster on this machine at this load.
        for n in sorted({default_threads, threads}, reverse=True):
            systems[f"{n} threads"] = (lambda e: naive.check(e.text, sentences[e.name]),
                                       lambda n=n: torch.set_num_threads(n))
    # Last in each round: after a many-thread naive run torch's idle threads spin a while, on the other core.
    systems["tonecheck"] = (lambda e: engine.check(e.text), lambda: torch.set_num_threads(threads))
    samples, rounds_done = interleaved(systems, emails, args.rounds, deadline, warmup=1 if args.quick else 2)
    torch.set_num_threads(threads)
    ours = {s: summary(samples["tonecheck"].by_size[s]) for s in SIZES}
    naive_sum = {name: {s: summary(samples[name].by_size[s]) for s in SIZES} for name in systems if
                 name != "tonecheck"}
    words = {s: round(sum(e.words for e in emails[s]) / len(emails[s])) for s in SIZES}
    per_email = [(e.words, _median_for(samples["tonecheck"].by_size[e.size], emails[e.size], e, rounds_done))
                 for s in SIZES for e in emails[s]]
    out: dict[str, Any] = {
        "engine_build_s": round(build_s, 2), "rounds": rounds_done, "words": words, "tonecheck": ours,
        "naive": naive_sum, "naive_stack": naive_info,
        "ms_per_100_words": {s: round(ours[s]["p50"] / words[s] * 100, 2) for s in SIZES},
        "linear_fit": linear_fit(per_email),
    }
    probes: NaiveProbes | None = None
    if naive_info:
        fastest = naive_p50({"naive": naive_sum}, "typical")[0]  # both probes run at its thread count

        def typical_p50() -> dict[str, Any]:
            systems[fastest][1]()
            ms = []
            for _ in range(NAIVE_HTTP_ROUNDS):
                for e in emails["typical"]:
                    began = time.perf_counter()
                    naive.check(e.text, sentences[e.name])
                    ms.append((time.perf_counter() - began) * 1000)
            torch.set_num_threads(threads)
            return {"naive": fastest, "checks": len(ms), "p50": summary(ms)["p50"]}

        naive_rate: NaiveRate | None = None
        if templates:
            # The naive batch rate: the naive stack over the first templates of the batch folder, read and
            # checked one at a time in this process (models loaded and warm: the rate compares with `tonecheck
            # check`'s emails/s after start-up). Judged sentences found beforehand. Run by the batch phase,
            # each time just before a `tonecheck check`, so the pair sees one machine speed.
            paths = templates[:NAIVE_BATCH_TEMPLATES]
            judged = {t: judged_sentences(engine, t) for t in {p.read_text(encoding="utf-8") for p in paths}}

            def naive_rate() -> dict[str, Any]:
                systems[fastest][1]()
                seconds = one_at_a_time(lambda text: naive.check(text, judged[text]), paths)
                torch.set_num_threads(threads)
                return {"naive": fastest, "templates": len(paths), "seconds": round(seconds, 2),
                        "emails_per_s": round(len(paths) / seconds, 1)}

        probes = NaiveProbes(rate=naive_rate, typical_p50=typical_p50)

    typical_stages: dict[str, list[float]] = {}
    for email in emails["typical"]:
        for key, values in stages(engine, email.text, 3 if args.quick else 10).items():
            typical_stages.setdefault(key, []).extend(values)
    out["stages_typical_p50_ms"] = {k: summary(v)["p50"] for k, v in typical_stages.items()}
    if engine.classifier is not None:
        out["recheck_typical"] = _recheck(engine, emails, 3 if args.quick else 10)
    if "worst-case" not in args.skip:
        text = capped_email(emails, settings.max_body_bytes)
        ms = worst_case(engine, text, 1 if args.quick else 2)
        out["worst_case"] = {"words": len(text.split()), "bytes": len(text.encode("utf-8")), "ms": summary(ms)}
    if "hostile" not in args.skip:
        from tools.benchmark.hostile import hostile

        out["hostile_s"] = hostile(engine)
    return out, used, probes


def _recheck(engine: Any, emails: dict, rounds: int) -> dict[str, Any]:
    """A typical draft re-checked after a one-word edit, without and with the score cache (p50 ms)."""
    from tonecheck.detect.classifier.cache import ScoreCache
    from tools.benchmark.inprocess import rechecks

    cached = engine.with_classifier(engine.classifier.with_cache(ScoreCache(4096)))
    plain: list[float] = []
    warm: list[float] = []
    for email in emails["typical"]:
        p, w = rechecks(engine, cached, email.text, rounds)
        plain += p
        warm += w
    return {"uncached": summary(plain), "cached": summary(warm)}


def _median_for(values: list[float], group: list, email: Any, rounds: int) -> float:
    """One email's median latency: samples are stored per size class, email after email, round after round."""
    k = len(group)
    i = group.index(email)
    own = [values[r * k + i] for r in range(rounds)]
    return sorted(own)[len(own) // 2] if own else float("nan")


def _http(args: argparse.Namespace, emails: dict, deadline: float, tmp: Path,
          naive_p50_now: NaiveRate | None) -> dict[str, Any]:
    """Cold starts, then latency at concurrency 1, 4 and 8 against the last server started, then its peak RSS.

    Concurrency 4 runs `--http-pairs` times, each just after the naive stack's typical p50 is measured
    again, and the run with the median ratio is kept: the naive p50 of the in-process phase was taken
    minutes earlier, and this VM's speed drifts by 10-15% within minutes.
    """
    from tools.benchmark.processes import MERGED, REBALANCED, counters, http_latency, start_server

    typical = [e.text for e in emails["typical"]]
    cold = []
    server = None
    for i in range(max(1, args.cold_starts)):
        if server is not None:
            server.stop()
        server = start_server(args.workers, NO_CACHE, tmp / f"serve-{i}.log")
        cold.append(round(server.cold_start_s, 2))
    assert server is not None
    try:
        ready_rss = server.memory()
        def measure(concurrency: int) -> dict[str, Any]:
            http_latency(server.port, typical, concurrency, HTTP_WARMUP, deadline)
            before = counters(server.port, [REBALANCED, MERGED])
            run = http_latency(server.port, typical, concurrency, args.http_requests, deadline)
            after = counters(server.port, [REBALANCED, MERGED])
            moved = {name: None if before[name] is None or after[name] is None else int(after[name] - before[name])
                     for name in (REBALANCED, MERGED)}
            stats = summary(run.latencies_ms, (50, 95, 99))
            return {"concurrency": concurrency, **stats, "errors": run.errors,
                    "per_s": round(len(run.latencies_ms) / run.seconds, 1) if run.seconds else None,
                    # connections a worker closed because another was idler (`serve --workers N` only)
                    "rebalanced": moved[REBALANCED],
                    # checks run together with others that had queued with them (`api/coalesce.py`)
                    "merged": moved[MERGED]}

        c1 = measure(1)
        pairs: list[dict[str, Any]] = []
        for i in range(args.http_pairs if naive_p50_now else 1):
            if i and time.monotonic() > deadline:
                break
            naive = naive_p50_now() if naive_p50_now else None
            c4 = measure(4)
            pairs.append({"naive": naive, "run": c4, "ratio": ratio(c4["p95"], naive and naive["p50"])})
        median = median_pair(pairs)
        # Not a target: past two checks in flight per worker, queued drafts are checked together (coalesce.py).
        runs = [c1, median["run"], measure(LOADED_CONCURRENCY)]
        mem = server.memory()
    finally:
        server.stop()
    return {
        "workers": args.workers, "cold_starts_s": cold, "cold_start_s": sorted(cold)[len(cold) // 2],
        "rss_ready_mb": round(ready_rss["VmRSS"] / 2**20, 1), "peak_rss_mb": round(mem["VmHWM"] / 2**20, 1),
        "runs": runs, "c4_naive": median["naive"],
        "c4_pairs": [{"naive_p50_ms": p["naive"] and p["naive"]["p50"], "p95_ms": p["run"]["p95"],
                      "ratio": p["ratio"]} for p in pairs],
    }


def _batch(deadline: float, tmp: Path, templates: list[Path], naive_rate: NaiveRate | None,
           pairs: int) -> dict[str, Any]:
    """`tonecheck check` over one file (start-up cost) and over the template folder, paired with the naive rate.

    The naive stack's rate is measured just before each default run and the ratio taken pair by pair: this
    VM's speed drifts by 10-15% within minutes, which a naive rate measured once, minutes away, put into the
    ratio. The pair with the median ratio is reported.
    """
    from tools.benchmark.processes import run_check

    one, many = tmp / "one", templates[0].parent
    one.mkdir()
    (one / templates[0].name).write_bytes(templates[0].read_bytes())
    limit = max(60.0, deadline - time.monotonic())
    startup = run_check(one, NO_CACHE, tmp / "one.json", limit)
    out: dict[str, Any] = {"startup_s": round(startup.seconds, 2)}

    def check(extra: list[str]) -> dict[str, Any]:
        full = run_check(many, NO_CACHE, tmp / "templates.json", limit, extra)
        if full.reported != full.files:
            raise RuntimeError(f"tonecheck check reported {full.reported} of {full.files} files")
        steady = full.seconds - startup.seconds
        return {
            "command": " ".join(["tonecheck check FOLDER --format json", *extra]),
            "files": full.files, "seconds": round(full.seconds, 2),
            "emails_per_s_wall": round(full.files / full.seconds, 1),
            "emails_per_s": round((full.files - 1) / steady, 1) if steady > 0 else None,
            "peak_rss_mb": round(full.peak_rss / 2**20, 1), "exit_code": full.exit_code,
        }

    # The default command, then one worker per core (`--jobs`), which the default uses only when cores are idle.
    runs = []
    for i in range(pairs if naive_rate else 1):
        if i and time.monotonic() > deadline:
            break
        naive = naive_rate() if naive_rate else None
        ours = check([])
        rate = naive and naive["emails_per_s"]
        runs.append({"naive": naive, "tonecheck": ours, "ratio": ratio(ours["emails_per_s"], rate)})
    median = median_pair(runs)
    out.update(default=median["tonecheck"], naive=median["naive"], ratio=median["ratio"],
               pairs=[{"naive_emails_per_s": r["naive"] and r["naive"]["emails_per_s"],
                       "emails_per_s": r["tonecheck"]["emails_per_s"], "ratio": r["ratio"]} for r in runs])
    if machine()["cores"] >= 2:
        out["jobs"] = check(["--jobs", str(machine()["cores"])])
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every phase not skipped; the figures as one JSON-ready dict."""
    deadline = time.monotonic() + args.time_limit
    emails = load_emails(args.emails)
    result: dict[str, Any] = {
        "command": args.command,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "load_average": {"start": load_average()},
        "counts": {"rounds": args.rounds, "http_requests": args.http_requests, "templates": args.templates,
                   "cold_starts": args.cold_starts, "emails": {s: len(emails[s]) for s in SIZES}},
    }
    with tempfile.TemporaryDirectory(prefix="tonecheck-bench-") as tmp:
        # One template folder: `tonecheck check` runs over all of it, the naive batch rate over its first files.
        templates = [] if "batch" in args.skip else write_templates(Path(tmp) / "templates", args.templates, emails)
        result["in_process"], result["settings"], probes = _in_process(args, emails, deadline, templates)
        if "http" not in args.skip:
            result["http"] = _http(args, emails, deadline, Path(tmp), probes and probes.typical_p50)
        if templates:
            result["batch"] = _batch(deadline, Path(tmp), templates, probes and probes.rate, args.batch_pairs)
    result["load_average"]["end"] = load_average()
    result["timed_out"] = time.monotonic() > deadline
    result["targets"] = judge(*target_values(result))
    result["typical_budget"] = typical_budget(result)
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, write the JSON; 0 unless a phase failed (targets do not fail it)."""
    args = build_parser().parse_args(argv)
    args.command = " ".join(["python -m tools.benchmark", *(sys.argv[1:] if argv is None else argv)])
    if args.quick:
        args.rounds, args.http_requests, args.templates, args.cold_starts = 2, 8, 6, 1
        args.batch_pairs = args.http_pairs = 1
    result = run(args)
    print(table(result))
    text = json.dumps(result, indent=2) + "\n"
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(text, encoding="utf-8")
    print(f"\nwrote {args.json}")
    if args.publish:
        PUBLISHED.write_text(text, encoding="utf-8")
        print(f"wrote {PUBLISHED}")
    return 0
