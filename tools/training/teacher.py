"""Distillation targets: the shipped model's calibrated probabilities for every judged unit of real text.

    python -m tools.training.teacher --comments /work/public-data/distil/stackexchange.jsonl \
        --out models/data/distil/stackexchange-teacher.jsonl

The teacher is the model in models/tone-head, run through the training encoder (fp32) exactly as
`make train` measures a model. The committed targets came from the six-layer model of 4 Dec
(`tone-head-0.1.0-df6da558-ta251`); since 5 Dec models/tone-head holds their four-layer student, so
rewriting them needs that model back in models/tone-head (git history) first. Units are cut as the
service cuts them; a unit text that repeats is kept once.
`train --distil` fits a shallower student to these probabilities on this text, which nobody on the team wrote.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from tonecheck.detect.classifier.units import units
from tonecheck.parse import load_pipeline
from tonecheck.settings import Settings
from tools import REPO_ROOT
from tools.training.data import Row
from tools.training.train import SHIPPED_MANIFEST, load_replaced, parse_rows

DEFAULT_OUT = REPO_ROOT / "models" / "data" / "distil" / "stackexchange-teacher.jsonl"


def read_comments(path: Path) -> list[tuple[str, str]]:
    """(id, text) of each comment the extractor wrote."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r["id"], r["text"]) for r in rows]


def main(argv: list[str] | None = None) -> int:
    """Score every judged unit of the comments with the shipped model and write one target a line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    began = time.time()
    teacher = load_replaced()
    if teacher is None:
        parser.error(f"no model in {SHIPPED_MANIFEST.parent} to take targets from")
    settings = Settings(use_classifier=False)
    comments = read_comments(args.comments)
    parsed = parse_rows(load_pipeline(settings.spacy_model),
                        [Row(cid, text, (), False) for cid, text in comments], settings.max_sentences)
    ids, texts, seen = [], [], set()
    for (cid, _), p in zip(comments, parsed, strict=True):
        for k, unit in enumerate(units(p)):
            if unit.text not in seen:
                seen.add(unit.text)
                ids.append(f"{cid}-{k}")
                texts.append(unit.text)
    probs = teacher.head.probabilities(teacher.encoder.embed(texts))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for uid, text, p in zip(ids, texts, probs, strict=True):
            fh.write(json.dumps({"id": uid, "text": text, "teacher": [round(float(x), 4) for x in p]},
                                ensure_ascii=False) + "\n")
    print(f"teacher {teacher.version}: {len(texts)} units from {len(comments)} comments -> {args.out} "
          f"({time.time() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
