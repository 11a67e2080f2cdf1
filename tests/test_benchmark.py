"""The benchmark code runs and reports every figure; no timing is asserted (the machine decides those)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tools.benchmark.corpus import SIZES, capped_email, load_emails, write_templates
from tools.benchmark.inprocess import interleaved, one_at_a_time
from tools.benchmark.report import (
    TARGETS,
    judge,
    linear_fit,
    median_pair,
    percentile,
    summary,
    table,
    target_values,
    typical_budget,
)
from tools.benchmark.run import main

TINY = {
    "short-1.txt": "Hi Maria,\n\nThe invoice is fixed.\n\nTom\n",
    "typical-1.txt": "Hi Kevin,\n\nAs I already explained, the warranty does not cover this. We can quote a repair.\n",
    "long-1.txt": "Hello Laura,\n\n" + "Thanks for the details; the import is fixed now. " * 8 + "\n\nHannah\n",
}
RESULT_KEYS = {"command", "started", "machine", "load_average", "counts", "in_process", "settings", "http",
               "batch", "timed_out", "targets"}


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "emails"
    folder.mkdir()
    for name, text in TINY.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_benchmark_corpus_has_every_size_and_realistic_lengths() -> None:
    emails = load_emails()
    words = {size: [e.words for e in emails[size]] for size in SIZES}
    assert all(20 <= w <= 45 for w in words["short"])
    assert all(80 <= w <= 120 for w in words["typical"])
    assert all(350 <= w <= 480 for w in words["long"])


def test_benchmark_templates_cycle_and_template_the_greeting(tiny: Path, tmp_path: Path) -> None:
    paths = write_templates(tmp_path / "out", 7, load_emails(tiny))
    assert len(paths) == 7 and len({p.name for p in paths}) == 7
    assert paths[0].read_text(encoding="utf-8").startswith("Hi {{ customer.first_name }},")


def test_benchmark_capped_email_stays_under_the_cap(tiny: Path) -> None:
    text = capped_email(load_emails(tiny), 5_000)
    assert 3_000 < len(text.encode("utf-8")) < 5_000


@pytest.mark.parametrize(("values", "p", "expected"), [
    ([5.0, 1.0, 3.0], 50, 3.0),
    (list(range(1, 101)), 95, 95),
    (list(range(1, 101)), 99, 99),
    ([7.0], 99, 7.0),
])
def test_benchmark_percentile_is_nearest_rank(values: list[float], p: int, expected: float) -> None:
    assert percentile(values, p) == expected


def test_benchmark_linear_fit_recovers_a_line() -> None:
    fit = linear_fit([(w, 5 + 0.4 * w) for w in (30, 100, 400)])
    assert fit == {"intercept_ms": 5.0, "ms_per_100_words": 40.0, "r2": 1.0}


def test_benchmark_interleaves_systems_and_reports_every_key(tiny: Path) -> None:
    emails = load_emails(tiny)
    calls: list[str] = []
    ticks = iter(range(10_000))
    systems = {name: (lambda e, n=name: calls.append(n), lambda: None) for name in ("a", "b")}
    samples, done = interleaved(systems, emails, rounds=3, deadline=time.monotonic() + 60, warmup=1,
                                clock=lambda: next(ticks) / 1000)
    assert done == 3
    assert calls[:3] == ["a", "a", "a"] and calls[3:6] == ["b", "b", "b"]
    assert all(samples[n].by_size[s] == pytest.approx([1.0] * 3) for n in systems for s in SIZES)
    result = {
        "machine": {"cores": 2, "cpu_model": "test"}, "load_average": {"start": [0.1], "end": [0.2]},
        "settings": {}, "in_process": {
            "words": {s: 10 for s in SIZES}, "tonecheck": {s: summary(samples["a"].by_size[s]) for s in SIZES},
            "naive": {"b": {s: summary(samples["b"].by_size[s]) for s in SIZES}},
            "ms_per_100_words": dict.fromkeys(SIZES, 10.0),
        },
        "targets": judge({"typical_ratio": 0.25, "batch_rate_ratio": 3.0}),
    }
    text = table(result)
    ratio_row = next(line for line in text.splitlines() if line.startswith("tonecheck / naive (p50)"))
    assert ratio_row.split()[-3:] == ["1.00", "1.00", "1.00"]  # from the two stacks' p50s in this result
    assert "met    in-process typical email p50 / naive p50: measured 0.25×, target <= 0.3×" in text
    assert "MISSED batch `tonecheck check`" in text and "target >= 4×, missed by 1.33×" in text
    assert "n/a    cold start to /readyz 200: not measured, target <= 3 s" in text
    assert json.loads(json.dumps(result)) == result


@pytest.mark.slow
def test_benchmark_quick_run_writes_every_figure(tiny: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "bench.json"
    assert main(["--quick", "--emails", str(tiny), "--skip", "worst-case", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert RESULT_KEYS <= set(result)
    assert {"tonecheck", "naive", "linear_fit", "stages_typical_p50_ms", "recheck_typical"} <= set(result["in_process"])
    assert result["settings"]["score_cache_units"] == 0  # the compute figures never hit the cache
    assert all(result["in_process"]["tonecheck"][s]["n"] == 2 for s in SIZES)
    assert [r["concurrency"] for r in result["http"]["runs"]] == [1, 4, 8]
    assert all(r["errors"] == 0 for r in result["http"]["runs"])
    # Read from the server's /metrics (0 with one worker, which never closes a connection to rebalance).
    assert all(isinstance(r["rebalanced"], int) and r["rebalanced"] >= 0 for r in result["http"]["runs"])
    # Counted by the server: checks run together with others that had queued with them. One at a time, none.
    assert result["http"]["runs"][0]["merged"] == 0
    assert all(isinstance(r["merged"], int) and r["merged"] >= 0 for r in result["http"]["runs"])
    assert result["batch"]["default"]["files"] == 6 and result["batch"]["default"]["peak_rss_mb"] > 0
    assert [t["key"] for t in result["targets"]] == [key for key, *_ in TARGETS]
    naive_batch = result["batch"]["naive"]
    assert naive_batch["templates"] == 6 and naive_batch["emails_per_s"] > 0
    assert [p["naive_emails_per_s"] for p in result["batch"]["pairs"]] == [naive_batch["emails_per_s"]]
    # --quick: one concurrency-4 run, paired with a naive p50 measured just before it and judged against it.
    c4_pair, = result["http"]["c4_pairs"]
    assert result["http"]["c4_naive"]["checks"] == 10 * len(load_emails(tiny)["typical"])
    assert c4_pair["naive_p50_ms"] == result["http"]["c4_naive"]["p50"] > 0
    assert c4_pair["p95_ms"] == result["http"]["runs"][1]["p95"]
    c4_target = next(t for t in result["targets"] if t["key"] == "http_c4_p95_ratio")
    assert c4_target["value"] == c4_pair["ratio"] and c4_target["detail"].endswith("ms, measured just before")
    # Every target is measured, the ratios against this run's naive stack. The one exception: with 6
    # templates on a loaded machine the one-file start-up can take longer than the whole folder, and then
    # there is no after-start-up rate to compare (the run reports n/a rather than a made-up figure).
    no_rate = result["batch"]["default"]["emails_per_s"] is None
    for t in result["targets"]:
        if t["key"] == "batch_rate_ratio" and no_rate:
            assert t["value"] is None and t["met"] is None
        else:
            assert t["value"] is not None and isinstance(t["met"], bool), t
    hostile = result["in_process"]["hostile_s"]
    assert {"markup:unclosed-tags", "check:nested-html"} <= set(hostile) and all(v >= 0 for v in hostile.values())
    out = capsys.readouterr().out
    assert "targets (issue 12;" in out and "naive stack (" in out and "one template at a time: 6 templates" in out


def _figures(ours_p50: dict[str, float], c4_p95: float, ours_rate: float, naive_rate: float) -> dict:
    """A run's figures as run.py records them, two naive thread counts (the faster is the reference)."""
    naive = {"2 threads": {"typical": {"p50": 68.0}, "long": {"p50": 250.0}},
             "1 threads": {"typical": {"p50": 90.0}, "long": {"p50": 340.0}}}
    return {
        "in_process": {"tonecheck": {s: {"p50": ms} for s, ms in ours_p50.items()}, "naive": naive,
                       "hostile_s": {"markup:unclosed-tags": 0.4, "check:nested-html": 1.2}},
        "http": {"cold_start_s": 3.0, "peak_rss_mb": 480.0,
                 "runs": [{"concurrency": 1, "p95": 10.0}, {"concurrency": 4, "p95": c4_p95}]},
        "batch": {"default": {"emails_per_s": ours_rate, "peak_rss_mb": 501.0},
                  "naive": {"naive": "2 threads", "templates": 100, "seconds": 10.0, "emails_per_s": naive_rate}},
    }


def _by_key(result: dict) -> dict[str, dict]:
    return {t["key"]: t for t in judge(*target_values(result))}


def test_benchmark_targets_at_the_boundary_are_met() -> None:
    targets = _by_key(_figures({"typical": 20.4, "long": 75.0}, c4_p95=68.0, ours_rate=40.0, naive_rate=10.0))
    # 20.4 / 68 and 75 / 250: exactly 0.30x the faster naive configuration; c4 p95 = the naive typical p50;
    # 40 emails/s = 4x the naive rate; cold start exactly 3 s.
    assert {k: (t["value"], t["met"]) for k, t in targets.items()} == {
        "typical_ratio": (0.3, True), "long_ratio": (0.3, True), "http_c4_p95_ratio": (1.0, True),
        "batch_rate_ratio": (4.0, True), "cold_start_s": (3.0, True), "peak_rss_mb": (501.0, False),
        "hostile_worst_s": (1.2, True),
    }
    assert targets["http_c4_p95_ratio"]["detail"] == "68.0 ms / naive (2 threads) 68.0 ms"
    assert targets["peak_rss_mb"]["detail"] == "server 480.0 MB, `tonecheck check` 501.0 MB"
    assert targets["hostile_worst_s"]["detail"] == "slowest: check:nested-html"


def test_benchmark_targets_just_past_the_boundary_are_missed() -> None:
    targets = _by_key(_figures({"typical": 20.5, "long": 75.5}, c4_p95=68.1, ours_rate=39.9, naive_rate=10.0))
    assert {k: targets[k]["met"] for k in ("typical_ratio", "long_ratio", "http_c4_p95_ratio", "batch_rate_ratio")} \
        == dict.fromkeys(("typical_ratio", "long_ratio", "http_c4_p95_ratio", "batch_rate_ratio"), False)
    assert targets["typical_ratio"]["value"] == 0.301 and targets["batch_rate_ratio"]["value"] == 3.99
    assert targets["batch_rate_ratio"]["factor"] == 1.0  # 4 / 3.99, rounded
    # Against the slower naive configuration (1 thread, 90 ms) the typical email would pass: it is not used.
    assert targets["http_c4_p95_ratio"]["value"] == pytest.approx(68.1 / 68.0, abs=1e-3)


def test_benchmark_targets_without_a_measurement_are_not_judged() -> None:
    result = _figures({"typical": 20.0, "long": 70.0}, c4_p95=50.0, ours_rate=50.0, naive_rate=10.0)
    result["in_process"]["naive"] = {}  # --skip naive: no reference for any ratio
    del result["http"], result["batch"]
    targets = _by_key(result)
    unmeasured = {"typical_ratio", "long_ratio", "http_c4_p95_ratio", "batch_rate_ratio", "cold_start_s",
                  "peak_rss_mb"}
    assert {k for k, t in targets.items() if t["met"] is None and t["value"] is None} == unmeasured
    assert targets["hostile_worst_s"]["met"] is True
    assert all({"key", "target", "limit", "kind", "value", "met"} <= set(t) for t in targets.values())


def test_benchmark_table_prints_each_target_measured_limit_and_verdict() -> None:
    figures = _figures({"typical": 33.4, "long": 75.0}, c4_p95=204.0, ours_rate=24.1, naive_rate=10.0)
    result = {"machine": {"cores": 2, "cpu_model": "t"}, "load_average": {"start": [], "end": []}, "settings": {},
              "targets": judge(*target_values(figures))}
    lines = table(result).split("targets (issue 12; × is a ratio to the naive stack measured in this run):\n")[1]
    assert lines.splitlines() == [
        "  MISSED in-process typical email p50 / naive p50: measured 0.49×, target <= 0.3×, missed by 1.64× "
        "(33.4 ms / naive (2 threads) 68.0 ms)",
        "  met    in-process long email p50 / naive p50: measured 0.30×, target <= 0.3× "
        "(75.0 ms / naive (2 threads) 250.0 ms)",
        "  MISSED HTTP p95 at concurrency 4 / naive p50 (the naive stack's in-process p50, typical emails): "
        "measured 3.00×, target <= 1×, missed by 3.00× (204.0 ms / naive (2 threads) 68.0 ms)",
        "  MISSED batch `tonecheck check` emails/s / naive rate (the naive stack over the same templates one at a "
        "time): measured 2.41×, target >= 4×, missed by 1.66× (24.1 emails/s / naive (2 threads) 10.0 emails/s, "
        "measured just before)",
        "  met    cold start to /readyz 200: measured 3.00 s, target <= 3 s",
        "  MISSED peak RSS per worker (server worker or `tonecheck check`): measured 501.00 MB, target <= 500 MB, "
        "missed by 1.00× (server 480.0 MB, `tonecheck check` 501.0 MB)",
        "  met    slowest hostile input: measured 1.20 s, target <= 10 s (slowest: check:nested-html)",
    ]


def test_benchmark_one_at_a_time_reads_and_checks_every_file_in_order(tmp_path: Path) -> None:
    paths = write_templates(tmp_path / "t", 4, load_emails())
    seen: list[str] = []
    ticks = iter([0.0, 2.5])
    seconds = one_at_a_time(seen.append, paths, clock=lambda: next(ticks))
    assert seconds == 2.5
    assert seen == [p.read_text(encoding="utf-8") for p in paths]


def test_benchmark_batch_ratio_is_the_median_pair_and_the_table_lists_every_pair() -> None:
    runs = [{"ratio": 3.8, "n": 1}, {"ratio": 4.2, "n": 2}, {"ratio": 4.0, "n": 3}]
    assert median_pair(runs)["n"] == 3
    assert median_pair([*runs, {"ratio": None, "n": 4}])["n"] == 3  # an unmeasured run ranks last
    figures = _figures({"typical": 30.0, "long": 100.0}, c4_p95=90.0, ours_rate=40.0, naive_rate=10.0)
    figures["batch"]["pairs"] = [{"naive_emails_per_s": 10.5, "emails_per_s": 39.9, "ratio": 3.8},
                                 {"naive_emails_per_s": 9.5, "emails_per_s": 39.9, "ratio": 4.2},
                                 {"naive_emails_per_s": 10.0, "emails_per_s": 40.0, "ratio": 4.0}]
    targets = _by_key(figures)
    assert (targets["batch_rate_ratio"]["value"], targets["batch_rate_ratio"]["met"]) == (4.0, True)
    assert targets["batch_rate_ratio"]["detail"].endswith("measured just before; median of 3 pairs: 3.8×, 4.2×, 4.0×")
    result = {"machine": {"cores": 2, "cpu_model": "t"}, "load_average": {"start": [], "end": []}, "settings": {},
              "batch": {**figures["batch"], "startup_s": 2.0,
                        "default": {"command": "tonecheck check FOLDER --format json", "files": 500, "seconds": 14.5,
                                    "emails_per_s": 40.0, "emails_per_s_wall": 34.5, "peak_rss_mb": 501.0}},
              "targets": judge(*target_values(figures))}
    assert "pairs (naive emails/s, then `tonecheck check` emails/s, ratio): 10.5, 39.9, 3.8×; 9.5, 39.9, 4.2×; " \
           "10.0, 40.0, 4.0×" in table(result)


def test_benchmark_c4_ratio_is_the_median_pair_against_the_naive_p50_measured_just_before() -> None:
    figures = _figures({"typical": 30.0, "long": 100.0}, c4_p95=72.0, ours_rate=40.0, naive_rate=10.0)
    figures["http"]["c4_naive"] = {"naive": "2 threads", "checks": 40, "p50": 75.0}
    figures["http"]["c4_pairs"] = [{"naive_p50_ms": 70.0, "p95_ms": 80.0, "ratio": 1.143},
                                   {"naive_p50_ms": 75.0, "p95_ms": 72.0, "ratio": 0.96},
                                   {"naive_p50_ms": 80.0, "p95_ms": 70.0, "ratio": 0.875}]
    target = _by_key(figures)["http_c4_p95_ratio"]
    # Against the paired 75.0 ms, not the in-process phase's 68.0 ms (which would give 1.06x, missed).
    assert (target["value"], target["met"]) == (0.96, True)
    assert target["detail"] == ("72.0 ms / naive (2 threads) 75.0 ms, measured just before; median of 3 pairs: "
                                "1.143×, 0.96×, 0.875×")
    result = {"machine": {"cores": 2, "cpu_model": "t"}, "load_average": {"start": [], "end": []}, "settings": {},
              "http": {**figures["http"], "workers": 2, "cold_starts_s": [3.0],
                       "runs": [{"concurrency": c, "p50": 1.0, "p95": p, "n": 300, "errors": 0, "per_s": 9.0}
                                for c, p in ((1, 40.0), (4, 72.0))]},
              "targets": judge(*target_values(figures))}
    assert ("concurrency-4 pairs (naive p50 ms just before, then p95 ms, ratio): 70.0, 80.0, 1.143×; "
            "75.0, 72.0, 0.96×; 80.0, 70.0, 0.875×") in table(result)


def test_benchmark_typical_budget_says_how_much_cheaper_the_classifier_must_get() -> None:
    figures = _figures({"typical": 33.0, "long": 110.0}, c4_p95=130.0, ours_rate=33.0, naive_rate=9.6)
    assert typical_budget(figures) is None  # no stage figures: nothing to split
    figures["in_process"]["stages_typical_p50_ms"] = {"cleanup": 0.4, "parse": 10.0, "rules": 2.0,
                                                      "classifier": 19.2}
    budget = typical_budget(figures)
    # 0.30 x the faster naive p50 (68 ms) = 20.4 ms; 12.4 ms before the classifier leaves 8.0 ms for its 19.2.
    assert budget == {"budget_ms": 20.4, "before_classifier_ms": 12.4, "before_classifier_ratio": 0.182,
                      "classifier_ms": 19.2, "classifier_left_ms": 8.0, "classifier_over": 2.4}
    result = {"machine": {"cores": 2, "cpu_model": "t"}, "load_average": {"start": [], "end": []}, "settings": {},
              "targets": judge(*target_values(figures)), "typical_budget": budget}
    assert table(result).splitlines()[-1] == (
        "  typical target's budget 20.4 ms: cleanup, parse and rules take 12.4 ms (0.182× naive), leaving 8.0 ms "
        "for the classifier's 19.2 ms, which must be 2.40× cheaper")
    figures["in_process"]["stages_typical_p50_ms"]["parse"] = 25.0  # the stages before it alone exceed the budget
    assert typical_budget(figures)["classifier_over"] is None
