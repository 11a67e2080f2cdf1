"""The benchmark code runs and reports every figure; no timing is asserted (the machine decides those)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tools.benchmark.corpus import SIZES, capped_email, load_emails, write_templates
from tools.benchmark.inprocess import interleaved
from tools.benchmark.report import judge, linear_fit, percentile, summary, table
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
            "ratio_p50": dict.fromkeys(SIZES, 1.0), "ms_per_100_words": dict.fromkeys(SIZES, 10.0),
        },
        "targets": judge({"typical_p50_ms": 1.0, "batch_emails_per_s": 30.0}),
    }
    text = table(result)
    assert "met    in-process typical email p50" in text and "MISSED batch" in text
    assert json.loads(json.dumps(result)) == result


@pytest.mark.slow
def test_benchmark_quick_run_writes_every_figure(tiny: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "bench.json"
    assert main(["--quick", "--emails", str(tiny), "--skip", "worst-case", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert RESULT_KEYS <= set(result)
    assert {"tonecheck", "naive", "ratio_p50", "linear_fit", "stages_typical_p50_ms"} <= set(result["in_process"])
    assert all(result["in_process"]["tonecheck"][s]["n"] == 2 for s in SIZES)
    assert [r["concurrency"] for r in result["http"]["runs"]] == [1, 4]
    assert all(r["errors"] == 0 for r in result["http"]["runs"])
    assert result["batch"]["default"]["files"] == 6 and result["batch"]["default"]["peak_rss_mb"] > 0
    assert {t["key"] for t in result["targets"]} >= {"typical_ratio", "cold_start_s", "peak_rss_mb", "hostile_worst_s"}
    hostile = result["in_process"]["hostile_s"]
    assert {"markup:unclosed-tags", "check:nested-html"} <= set(hostile) and all(v >= 0 for v in hostile.values())
    assert "targets (2 cores)" in capsys.readouterr().out
