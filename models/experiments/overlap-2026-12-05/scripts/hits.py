"""How many of the parse's units (and their word pieces) the tokenizer-only guess names exactly, one-off.

    PYTHONPATH=.:service HF_HUB_OFFLINE=1 python models/experiments/overlap-2026-12-05/scripts/hits.py
"""
import json
import sys
from collections import Counter
from pathlib import Path

from tonecheck.detect.classifier.early import guess_units
from tonecheck.detect.classifier.units import units
from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings
from tools.benchmark.corpus import load_emails

eng = build_engine(Settings(spare_core=False, score_cache_units=0))
enc = eng.classifier.encoder
sets = {"bench": [e.text for g in load_emails().values() for e in g]}
for name in ("dev", "test"):
    rows = [json.loads(x) for x in Path(f"models/data/{name}.jsonl").read_text().splitlines()]
    sets[name] = [r["text"] for r in rows if r.get("kind") != "sentence"]
show = "-v" in sys.argv
for name, texts in sets.items():
    c = Counter()
    for text in texts:
        parsed = eng._parse([EmailInput(text)])[0]
        real = [u.text for u in units(parsed)]
        guess = guess_units(eng.nlp.make_doc(parsed.cleaned.analysis))
        lens = dict(zip(real, map(len, enc.token_ids(real)))) if real else {}
        glens = dict(zip(guess, map(len, enc.token_ids(guess)))) if guess else {}
        c["emails"] += 1
        c["units"] += len(real); c["hit"] += sum(t in glens for t in real)
        c["tok"] += sum(lens.values()); c["tok_hit"] += sum(n for t, n in lens.items() if t in glens)
        c["guess_tok"] += sum(glens.values()); c["waste"] += sum(n for t, n in glens.items() if t not in lens)
        c["exact"] += set(real) == set(guess)
        if show and set(real) != set(guess) and name in sys.argv[2:]:
            print("REAL-ONLY", [t[:60] for t in real if t not in glens]); print("GUESS-ONLY", [t[:60] for t in guess if t not in lens])
    print(name, dict(c), f"unit hit {c['hit']/c['units']:.3f} token hit {c['tok_hit']/c['tok']:.3f} "
          f"waste {c['waste']/c['guess_tok']:.3f} exact emails {c['exact']/c['emails']:.3f}")
