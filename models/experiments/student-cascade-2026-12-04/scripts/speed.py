"""Step 4: in-process p50 per benchmark email with the cascade on and off (interleaved), and what it settles.

Usage: TONECHECK_MODEL_DIR=DIR python .../speed.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from tonecheck.engine import build_engine
from tonecheck.settings import Settings

EMAILS = Path(__file__).resolve().parents[4] / "tools" / "benchmark" / "emails"


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    settings = Settings().model_copy(update={"score_cache_units": 0})
    on = build_engine(settings)
    assert on.classifier is not None and on.classifier.student is not None, "no cascade student in the model folder"
    off = on.with_classifier(on.classifier.with_student(None))
    student = on.classifier.student
    for path in sorted(EMAILS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        a, b = on.check(text), off.check(text)
        same = [(f.rule_id, f.start, f.end) for f in a.findings] == [(f.rule_id, f.start, f.end) for f in b.findings]
        parsed = on._parse([__import__("tonecheck.engine", fromlist=["EmailInput"]).EmailInput(text)], None)
        from tonecheck.detect.classifier.detector import judged_texts
        texts = judged_texts(parsed)
        settled = student.settles(student.probabilities(on.classifier.encoder, texts))
        times = {"on": [], "off": []}
        for _ in range(rounds):
            for name, eng in (("off", off), ("on", on)):
                t = time.perf_counter()
                eng.check(text)
                times[name].append((time.perf_counter() - t) * 1000)
        print(f"{path.stem:10} units {len(texts):3} settled {int(settled.sum()):3}  off {statistics.median(times['off']):6.1f} ms"
              f"  on {statistics.median(times['on']):6.1f} ms  same findings {same} verdict {a.verdict.value}/{b.verdict.value}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
