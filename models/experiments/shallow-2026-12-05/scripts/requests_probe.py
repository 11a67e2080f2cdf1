"""Do customers' polite requests (SGD dev/test USER turns, never used by the project) score higher on heat
in the four-layer model? A dev-side probe of candidate A's gate failure that reads no gate text.

    python scripts/requests_probe.py OUT.json MODEL_DIR...

SGD: google-research-datasets/dstc8-schema-guided-dialogue, CC BY-SA 4.0. Kept: USER turns of the dev
and test splits with 6-40 words that address the reader ("you") and ask ("?"), deduplicated.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np

from models.data.public_sources import open_mirror
from tonecheck.engine import EmailInput, build_engine
from tonecheck.findings import CATEGORIES, Category, Verdict
from tonecheck.settings import Settings

MIRRORS = Path("/work/.mirror")


def requests(limit: int = 2000) -> list[str]:
    """Polite requests from SGD's dev and test users, sampled with a fixed seed."""
    m = open_mirror(MIRRORS, "google-research-datasets/dstc8-schema-guided-dialogue")
    seen, out = set(), []
    for p in m.paths(r"(dev|test)/dialogues_\d+\.json"):
        if not m.present(p):
            continue
        for dlg in json.loads(m.text(p)):
            for t in dlg["turns"]:
                text = " ".join(t["utterance"].split())
                words = text.lower().split()
                if (t["speaker"] == "USER" and 6 <= len(words) <= 40 and "?" in text
                        and any(w.strip("?,.!") == "you" for w in words) and text.lower() not in seen):
                    seen.add(text.lower())
                    out.append(text)
    return random.Random(13).sample(out, min(limit, len(out)))


def main() -> None:
    """Heat scores and holds per model on the same requests."""
    texts = requests()
    result = {"n": len(texts)}
    for model_dir in sys.argv[2:]:
        engine = build_engine(Settings(model_dir=Path(model_dir), score_cache_units=0))
        held, flagged = 0, 0
        for i in range(0, len(texts), 32):
            for r in engine.check_many([EmailInput(t) for t in texts[i : i + 32]]):
                held += r.verdict is Verdict.HOLD
                flagged += bool(r.findings)
        scores = engine.classifier.head.probabilities(engine.classifier.encoder.embed(texts))[:, CATEGORIES.index(Category.HEATED)]
        result[model_dir] = {
            "heat_threshold": engine.policy.heat_threshold,
            "held": held, "any_finding": flagged,
            "heat_p99": round(float(np.quantile(scores, 0.99)), 4),
            "heat_ge_0.90": int((scores >= 0.90).sum()), "heat_ge_0.98": int((scores >= 0.98).sum()),
        }
        print(model_dir, result[model_dir], flush=True)
    Path(sys.argv[1]).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
