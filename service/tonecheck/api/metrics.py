"""Prometheus metrics: counts and timings only, never text, and no per-key labels.

With several workers, `tonecheck serve` gives them one PROMETHEUS_MULTIPROC_DIR, so a scrape of any
worker reports the whole server.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter("tonecheck_requests", "Requests answered, by route template and status.", ["route", "status"])
LATENCY = Histogram(
    "tonecheck_request_seconds", "Time to answer, by route template.", ["route"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
)  # fmt: skip
SHED = Counter("tonecheck_shed", "Checks refused at once because their expected wait passed the budget.")
MERGED = Counter("tonecheck_merged_checks",
                 "Single-draft checks run in one engine call with others that had waited with them.")
REBALANCED = Counter("tonecheck_rebalanced",
                     "Kept-alive connections closed after an answer because their worker had a backlog.")
QUEUE_WORDS = Gauge("tonecheck_queue_words", "Words of the checks admitted and not yet finished.",
                    multiprocess_mode="livesum")
QUEUE_CHECKS = Gauge("tonecheck_queue_checks", "Checks admitted and not yet finished.", multiprocess_mode="livesum")
MODEL_LOAD = Gauge("tonecheck_model_load_seconds", "How long the engine took to load.", multiprocess_mode="max")
SCORE_CACHE = Counter("tonecheck_score_cache_units",
                      "Sentences the classifier was asked to judge, by whether the score cache answered.", ["result"])
_cache_seen: dict[int, tuple[int, int]] = {}
_cache_lock = threading.Lock()


def count_cache(cache: Any) -> None:
    """Add the score cache's hits and misses since the last call to the exported counters (none: no-op)."""
    if cache is None:
        return
    with _cache_lock:  # the cache counts; this exports the difference once, whichever check finishes first
        hits, misses = cache.hits, cache.misses
        seen_hits, seen_misses = _cache_seen.get(id(cache), (0, 0))
        _cache_seen[id(cache)] = (hits, misses)
    if hits > seen_hits:
        SCORE_CACHE.labels("hit").inc(hits - seen_hits)
    if misses > seen_misses:
        SCORE_CACHE.labels("miss").inc(misses - seen_misses)


def render(multiprocess_dir: Path | None) -> tuple[bytes, str]:
    """The exposition text and its content type; every worker's values when they share a folder."""
    registry = REGISTRY
    if multiprocess_dir is not None:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(multiprocess_dir))
    return generate_latest(registry), CONTENT_TYPE_LATEST
