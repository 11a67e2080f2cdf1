"""Rule 6: the classifier stage and the whole check of two models, interleaved in one process.

    python models/experiments/shallow-2026-12-05/scripts/speed.py MODEL_DIR_A MODEL_DIR_B [ROUNDS]

Both engines are built with the service's default settings (bf16 where native, one torch thread) and
take turns on the benchmark's emails, so both see the same machine load. Prints medians per size.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from tonecheck.engine import build_engine
from tonecheck.settings import Settings
from tools.benchmark.corpus import load_emails
from tools.benchmark.inprocess import stages


def main() -> None:
    """Interleave the two engines over the benchmark's emails and print the medians."""
    dirs = [Path(p) for p in sys.argv[1:3]]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    # No score cache: the emails repeat, and a cache would time its lookups instead of the encoder.
    engines = [build_engine(Settings(model_dir=d, score_cache_units=0)) for d in dirs]
    emails = load_emails()
    stage: dict[tuple[int, str], list[float]] = {}
    whole: dict[tuple[int, str], list[float]] = {}
    for r in range(rounds + 2):
        for size, batch in emails.items():
            for email in batch:
                for k, engine in enumerate(engines if r % 2 else engines[::-1]):
                    k = k if r % 2 else 1 - k
                    s = stages(engine, email.text, 1)["classifier"][0]
                    began = time.perf_counter()
                    engine.check(email.text)
                    ms = (time.perf_counter() - began) * 1000
                    if r >= 2:  # two warm-up rounds
                        stage.setdefault((k, size), []).append(s)
                        whole.setdefault((k, size), []).append(ms)
    for size in emails:
        a_s, b_s = (statistics.median(stage[(k, size)]) for k in (0, 1))
        a_w, b_w = (statistics.median(whole[(k, size)]) for k in (0, 1))
        print(f"{size:8s} classifier {a_s:6.1f} -> {b_s:6.1f} ms ({1 - b_s / a_s:+.0%} saved)   "
              f"check {a_w:6.1f} -> {b_w:6.1f} ms ({1 - b_w / a_w:+.0%} saved)")


if __name__ == "__main__":
    main()
