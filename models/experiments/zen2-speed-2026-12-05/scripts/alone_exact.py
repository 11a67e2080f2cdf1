"""Does a sentence's embedding depend on the pass it is computed in, once each sentence is its own attention call?

Ran at 3356190, whose encoder took an attention layout; the one-call-per-sentence encoder that followed
has none (`git checkout 3356190` to run it again).

    PYTHONPATH=.:service python models/experiments/zen2-speed-2026-12-05/scripts/alone_exact.py

For a speculative encoder (units guessed before the parse, embedded on the other core, reused where the
parse agrees), a unit's scores must not depend on which other units shared its pass. Padding does change
them (a chunk's width), so each sentence gets its own attention call here; the products work row by row.
Prints how many of the benchmark's and 150 dev emails' units come out bit for bit equal alone and in the
email's pass, and the same for the shipped grouping (for contrast).
"""
import json
from pathlib import Path

import numpy as np
import torch

from tonecheck.detect.classifier.detector import judged_texts
from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings

eng = build_engine(Settings(spare_core=False))
enc = eng.classifier.encoder
texts = [p.read_text() for p in sorted(Path("tools/benchmark/emails").glob("*.txt"))]
with Path("models/data/dev.jsonl").open() as fh:
    texts += [json.loads(line)["text"] for line in fh][:150]
same_alone = same_grouped = units = 0
worst_grouped = 0.0
with torch.inference_mode():
    for text in texts:
        ids = sorted(enc.token_ids(judged_texts(eng._parse([EmailInput(text)]))), key=len)
        if not ids:
            continue
        singles = enc._pass(ids, [(1, len(x)) for x in ids]).numpy()
        grouped = enc._pass(ids).numpy()
        for i, x in enumerate(ids):
            alone = enc._pass([x]).numpy()[0]
            units += 1
            same_alone += bool(np.array_equal(alone, singles[i]))
            same_grouped += bool(np.array_equal(alone, grouped[i]))
            worst_grouped = max(worst_grouped, float(np.abs(alone - grouped[i]).max()))
print(f"precision {enc.precision}: {units} units; alone == own-call pass: {same_alone}; "
      f"alone == shipped grouping: {same_grouped} (largest difference {worst_grouped:.2e})")
