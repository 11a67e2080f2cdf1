"""`make load`: drive a real `tonecheck serve` on loopback with a mix of emails; report errors, latency, memory.

It starts the server itself on a free 127.0.0.1 port, with the caller's settings (the classifier on unless
--rules-only), and stops it at the end. Phases:

1. warm-up: 10,000 requests, not measured, while the forked workers' memory settles; then the server's
   memory is read (the baseline);
2. paced: `--rate` requests a second for `--duration` seconds (open loop: a slow answer never delays
   the next request), with p50/p95/p99 latency and errors;
3. soak: the rest of `--total` requests as fast as `--concurrency` clients go; then memory again;
4. with `--overload F`: 100 requests one at a time (the time of one check), then F times the soak's rate,
   open loop, for `--overload-duration` seconds. Admitted requests must keep p95 within the shedding
   budget plus one check, shed ones must get their 503 within 50 ms, and nothing may fail otherwise.

A 503 `overloaded` (the service shedding a check whose expected wait passed TONECHECK_SHED_AFTER_S) is
counted apart, with its own latency, and is not an error: it is the designed answer to overload, and
latency percentiles are those of the admitted requests. It fails (exit 1) on any error or on PSS growth
(memory with shared pages counted once) of `--max-growth` or more across the `--total` requests, and it
always stops: the request count is fixed and `--time-limit` bounds the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import uvloop

from tonecheck.settings import Settings
from tools.devserver import ServerFailed, local_server, pss_bytes, rss_bytes
from tools.httpload import BadAnswer, Pool, Prepared, prepare

__all__ = ["MIX", "Phase", "main", "pss_bytes", "rss_bytes"]


# (name, weight, request): what mail clients and CI jobs send, from a one-liner to a long reply thread.
_THREAD = "\n".join(f"> line {i} of the earlier message, quoted by the mail client." for i in range(40))
MIX: list[tuple[str, int, dict]] = [
    ("calm-json", 30, {"json": {"text": "Hi Dana,\n\nThanks for your patience. The replacement ships "
                                        "today and should arrive by Friday.\n\nBest regards,\nAnna"}}),
    ("flagged-json", 20, {"json": {"text": "As I said in my last email, you failed to attach the form. "
                                           "Please send it again."}}),
    ("heated-plain", 10, {"content": b"Don't bother writing back. I SAID the refund is PROCESSED!!!",
                          "headers": {"Content-Type": "text/plain"}}),
    ("html-with-quote", 10, {"json": {"content_type": "text/html", "text":
        "<div>Hi Sam,</div><div>Per my last email, the invoice is attached.</div>"
        "<div id=\"Signature\">Anna Smith<br>ACME Ltd</div><div class=\"gmail_quote\">On Tue Sam wrote:"
        "<blockquote>Where is the invoice?!</blockquote></div>"}}),
    ("long-reply-thread", 10, {"json": {"text": "Thanks, that works for us. We will confirm the date on "
                                                "Monday.\n\nOn Mon, 3 Mar 2025 at 09:12, Sam <sam@x.com>"
                                                " wrote:\n" + _THREAD}}),
    ("emoji-utf16", 5, {"json": {"text": "Great news 🎉 your order shipped 📦. Obviously you should have "
                                         "read the tracking email 🙄", "offset_unit": "utf16"}}),
    ("text-report", 5, {"params": {"format": "text"}, "content": b"To be honest, this is not our fault.",
                        "headers": {"Content-Type": "text/plain"}}),
    ("batch-of-5", 10, {"path": "/v1/check/batch", "json": {"emails": [
        {"text": "Thanks for the quick reply."}, {"text": "As I already told you, the form is required."},
        {"text": "We are looking into it and will update you tomorrow."},
        {"text": "<p>You clearly didn't read the manual.</p>", "content_type": "text/html"},
        {"text": "Could you send the receipt?"}]}}),
]


@dataclass
class Phase:
    """Outcome of one phase: counts, errors by kind, latencies in ms."""

    name: str
    requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)  # answered requests (shed ones apart)
    shed_ms: list[float] = field(default_factory=list)  # 503 `overloaded`: refused at once, by design
    lag_ms: list[float] = field(default_factory=list)  # open loop: how late each request left its schedule
    seconds: float = 0.0

    def error_count(self) -> int:
        """All failed requests."""
        return sum(self.errors.values())

    def percentile(self, p: float, values: list[float] | None = None) -> float:
        """The p-th percentile latency (nearest rank), in ms, of answered requests unless `values`."""
        ordered = sorted(self.latencies_ms if values is None else values)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] if ordered else 0.0

    def summary(self) -> dict:
        """Figures for the report."""
        return {"phase": self.name, "requests": self.requests, "errors": self.error_count(),
                "error_kinds": self.errors, "seconds": round(self.seconds, 1),
                "rate_per_s": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
                "p50_ms": round(self.percentile(50), 1), "p95_ms": round(self.percentile(95), 1),
                "p99_ms": round(self.percentile(99), 1),
                "max_ms": round(max(self.latencies_ms, default=0.0), 1),
                "shed": len(self.shed_ms), "shed_p95_ms": round(self.percentile(95, self.shed_ms), 1),
                "shed_max_ms": round(max(self.shed_ms, default=0.0), 1),
                "client_lag_p95_ms": round(self.percentile(95, self.lag_ms), 1)}


def _schedule() -> list[tuple[str, dict]]:
    """One round of the mix, by weight, interleaved so every stretch of requests sees every kind."""
    total = sum(w for _, w, _ in MIX)
    slots: list[tuple[float, str, dict]] = []
    for name, weight, request in MIX:
        slots += [((i + 0.5) * total / weight, name, request) for i in range(weight)]
    return [(name, request) for _, name, request in sorted(slots, key=lambda s: s[0])]


async def _one(pool: Pool, phase: Phase, request: Prepared, due: float | None = None) -> None:
    began = time.perf_counter()
    if due is not None:
        phase.lag_ms.append(max(0.0, began - due) * 1000)
    try:
        answer = await pool.send(request)
        if answer.status == 503 and json.loads(answer.body).get("error", {}).get("code") == "overloaded":
            phase.shed_ms.append((time.perf_counter() - began) * 1000)
            phase.requests += 1
            return
        if not (answer.status == 200 and request.expect in answer.body):
            key = f"{request.name}:{answer.status}"
            phase.errors[key] = phase.errors.get(key, 0) + 1
    except (OSError, asyncio.IncompleteReadError, BadAnswer, ValueError) as exc:
        key = f"{request.name}:{type(exc).__name__}"
        phase.errors[key] = phase.errors.get(key, 0) + 1
    phase.latencies_ms.append((time.perf_counter() - began) * 1000)
    phase.requests += 1


async def _paced(pool: Pool, mix: list[Prepared], phase: Phase, count: int, rate: float, deadline: float) -> None:
    """`count` requests at `rate` a second; each starts on schedule whether or not earlier ones returned."""
    began = time.perf_counter()
    tasks = []
    for i in range(count):
        due = began + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if time.monotonic() > deadline:
            break
        tasks.append(asyncio.create_task(_one(pool, phase, mix[i % len(mix)], due)))
    await asyncio.gather(*tasks)
    phase.seconds = time.perf_counter() - began


async def _closed(pool: Pool, mix: list[Prepared], phase: Phase, count: int, concurrency: int,
                  deadline: float) -> None:
    """`count` requests from `concurrency` clients that each send the next as soon as one returns."""
    counter = iter(range(count))
    began = time.perf_counter()

    async def worker() -> None:
        for i in counter:
            if time.monotonic() > deadline:
                return
            await _one(pool, phase, mix[i % len(mix)])

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.seconds = time.perf_counter() - began


async def _drive(base: str, args: argparse.Namespace, pid: int) -> dict:
    deadline = time.monotonic() + args.time_limit
    url = urlsplit(base)
    mix = [prepare(name, request, url.netloc) for name, request in _schedule()]
    pool = Pool(url.hostname or "127.0.0.1", url.port or 80)
    try:
        warmup = Phase("warm-up")
        await _closed(pool, mix, warmup, args.warmup, args.concurrency, deadline)
        await asyncio.sleep(1)
        rss_before, pss_before = rss_bytes(pid), pss_bytes(pid)
        paced = Phase("paced")
        paced_count = int(args.rate * args.duration)
        await _paced(pool, mix, paced, paced_count, args.rate, deadline)
        soak = Phase("soak")
        await _closed(pool, mix, soak, max(0, args.total - paced_count), args.concurrency, deadline)
        await asyncio.sleep(1)
        rss_after, pss_after = rss_bytes(pid), pss_bytes(pid)
        extra = {}
        if args.overload and soak.seconds:
            single = Phase("one-at-a-time")
            await _closed(pool, mix, single, 100, 1, deadline)
            over = Phase("overload")
            rate = args.overload * soak.requests / soak.seconds
            await _paced(pool, mix, over, int(rate * args.overload_duration), rate, deadline)
            extra = {"one_at_a_time": single.summary(), "overload": over.summary(),
                     "overload_rate_per_s": round(rate, 1)}
    finally:
        await pool.close()
    measured = paced.requests + soak.requests
    growth = (pss_after - pss_before) / pss_before
    return {
        **extra,
        "warmup": warmup.summary(), "paced": paced.summary(), "soak": soak.summary(),
        "measured_requests": measured,
        "errors": paced.error_count() + soak.error_count() + warmup.error_count(),
        "rss_before_mb": round(rss_before / 2**20, 1), "rss_after_mb": round(rss_after / 2**20, 1),
        "pss_before_mb": round(pss_before / 2**20, 1), "pss_after_mb": round(pss_after / 2**20, 1),
        "pss_growth_pct": round(100 * growth, 2), "timed_out": time.monotonic() > deadline,
    }


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of the load test."""
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=50.0, help="requests a second in the paced phase")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the paced phase")
    parser.add_argument("--total", type=int, default=10_000, help="measured requests (paced + soak)")
    # Forked workers copy the supervisor's pages as they first write to them, so memory climbs for a while
    # before it settles: measured 2026-12-03, PSS +10.7% over 10,000 requests after a 300-request warm-up,
    # +0.77% over the next 10,000 after a 10,000-request one. The baseline waits for it to settle.
    parser.add_argument("--warmup", type=int, default=10_000, help="requests before the memory baseline")
    parser.add_argument("--concurrency", type=int, default=8, help="clients in the warm-up and soak phases")
    parser.add_argument("--workers", type=int, default=1, help="`tonecheck serve --workers`")
    parser.add_argument("--rules-only", action="store_true", help="run the server without the classifier")
    parser.add_argument("--max-growth", type=float, default=5.0,
                        help="percent of PSS growth that fails (summed RSS would count pages the forked workers "
                        "share once per worker, and rise as they merely read them)")
    parser.add_argument("--time-limit", type=float, default=900.0, help="seconds after which it stops anyway")
    parser.add_argument("--overload", type=float, default=0.0,
                        help="after the soak, this many times its rate for --overload-duration s (0: no overload)")
    parser.add_argument("--overload-duration", type=float, default=20.0, help="seconds of the overload phase")
    parser.add_argument("--shed-after", type=float, help="the server's TONECHECK_SHED_AFTER_S (default: its own)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser


SHED_ANSWER_MS = 50.0  # issue 13: a shed request gets its 503 within this
# Past this the generator, not the server, set the pace: its latencies then include its own queue.
CLIENT_LAG_MS = 20.0


def overload_failures(result: dict, budget_s: float) -> list[str]:
    """What the overload phase got wrong, if anything: every figure judged against issue 13's targets."""
    over, one = result["overload"], result["one_at_a_time"]
    bound = budget_s * 1000 + one["p95_ms"]
    failures = []
    if over["errors"] or one["errors"]:
        failures.append(f"{over['errors'] + one['errors']} requests failed other than by shedding")
    if not over["shed"]:
        failures.append("nothing was shed, so the phase was no overload")
    if over["p95_ms"] > bound:
        failures.append(f"admitted p95 {over['p95_ms']} ms > budget + one check {bound:.0f} ms")
    if over["shed_p95_ms"] > SHED_ANSWER_MS:
        failures.append(f"shed p95 {over['shed_p95_ms']} ms > {SHED_ANSWER_MS:.0f} ms")
    if over["client_lag_p95_ms"] > CLIENT_LAG_MS:
        failures.append(f"the load generator left its schedule {over['client_lag_p95_ms']} ms late at p95 "
                        f"(> {CLIENT_LAG_MS:.0f} ms), so this run measured the generator: rerun on a quieter host")
    return failures


def main(argv: list[str] | None = None) -> int:
    """Run the load test; 0 when there were no errors and memory stayed flat."""
    args = build_parser().parse_args(argv)
    env = {"TONECHECK_USE_CLASSIFIER": "false"} if args.rules_only else {}
    if args.shed_after is not None:
        env["TONECHECK_SHED_AFTER_S"] = str(args.shed_after)
    budget_s = args.shed_after if args.shed_after is not None else Settings().shed_after_s
    with tempfile.TemporaryDirectory() as tmp, \
            local_server(Path(tmp), "--workers", str(args.workers), env=env) as server:
        base = server.base
        try:
            ready = server.wait_ready(timeout=180)
        except ServerFailed as exc:
            raise SystemExit(str(exc)) from exc
        # uvloop, as the server uses: the generator must stay well ahead of the server it measures.
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            result = runner.run(_drive(base, args, server.proc.pid))
    result.update(server=base, workers=args.workers, model=ready.get("model"), rules=ready.get("rules"),
                  command=" ".join(["python -m tools.loadtest", *(argv or sys.argv[1:])]))
    paced, soak = result["paced"], result["soak"]
    print(f"tonecheck load test against {base} (workers={args.workers}, model={ready.get('model')})")
    for p in (paced, soak):
        print(f"  {p['phase']:>6}: {p['requests']} requests in {p['seconds']} s ({p['rate_per_s']}/s), "
              f"errors {p['errors']}, p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms, p99 {p['p99_ms']} ms, "
              f"max {p['max_ms']} ms; shed {p['shed']} (p95 {p['shed_p95_ms']} ms)")
    print(f"  PSS {result['pss_before_mb']} MB after warm-up -> {result['pss_after_mb']} MB after "
          f"{result['measured_requests']} requests ({result['pss_growth_pct']:+.2f}%); summed RSS "
          f"{result['rss_before_mb']} -> {result['rss_after_mb']} MB")
    overload = []
    if "overload" in result:
        over, one = result["overload"], result["one_at_a_time"]
        print(f"  one at a time: p50 {one['p50_ms']} ms, p95 {one['p95_ms']} ms; overload at "
              f"{result['overload_rate_per_s']}/s ({args.overload}x the soak's rate): {over['requests']} requests, "
              f"admitted {over['requests'] - over['shed']} (p95 {over['p95_ms']} ms), shed {over['shed']} "
              f"(p95 {over['shed_p95_ms']} ms, max {over['shed_max_ms']} ms), errors {over['errors']}; "
              f"client lag p95 {over['client_lag_p95_ms']} ms")
        overload = overload_failures(result, budget_s)
        result["overload_failures"] = overload
        for failure in overload:
            print(f"  overload: {failure}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    failed = (result["errors"] > 0 or result["pss_growth_pct"] >= args.max_growth or result["timed_out"]
              or result["measured_requests"] < args.total or bool(overload))
    print("  result:", "FAIL" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
