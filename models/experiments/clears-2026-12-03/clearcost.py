"""Which labelled writer sentences (and whole emails) do the clear rules touch, by gold label."""
import json, glob, collections
from tonecheck.cleanup import clean
from tonecheck.parse import parse_many
from tonecheck.engine import build_engine
from tonecheck.settings import Settings
from tonecheck.findings import Source
eng = build_engine(Settings().model_copy(update={"model_dir": None}) if False else Settings())
rows = []
for f in sorted(glob.glob("/work/main/models/data/writers/w*/*.jsonl")):
    for l in open(f):
        d = json.loads(l); rows.append((f.split("/")[-2], d))
texts = [d["text"] for _, d in rows]
c = collections.Counter(); ex = []
B = 256
for i in range(0, len(texts), B):
    parsed = parse_many(eng.nlp, [clean(t) for t in texts[i:i+B]], 100000)
    for (w, d), p in zip(rows[i:i+B], parsed):
        clears = [f for f in eng.rules.detect_one(p) if f.source is Source.CLEAR]
        for f in clears:
            lab = f.category.value in d["labels"]
            c[(f.rule_id, d.get("kind"), "gold" if lab else ("calm" if not d["labels"] else "other"))] += 1
            if lab:
                s = p.cleaned.text[f.sentence.start:f.sentence.end] if f.sentence else ""
                ex.append((f.rule_id, w, d.get("kind"), s[:170].replace("\n", " ")))
for k, v in sorted(c.items()): print(v, k)
for e in ex: print(e)
