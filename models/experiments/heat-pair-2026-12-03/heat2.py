"""Simulate an email-level heat rule: hold if the top unit >= 0.95 (today) or the second unit >= T2."""
import json, sys, collections
from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings
from tonecheck.findings import Category
eng = build_engine(Settings())
sets = ["blind-2026-12"] + [f"blind-2026-12{c}" for c in "bcdefghijkl"]
T2S = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9]
tot = collections.Counter()
for name in sets:
    rows = [json.loads(l) for l in open(f"models/blind-test/{name}.jsonl")]
    emails = [EmailInput(r["text"]) for r in rows]
    parsed = eng._parse(emails)
    model = eng.classifier.detect(parsed)
    reps = eng.check_many(emails)
    for r, rep, mf in zip(rows, reps, model):
        heats = sorted((m.score for m in mf if m.category is Category.HEATED and not rep.text[m.start:m.end].isspace()), reverse=True) + [0, 0]
        base = rep.verdict.value == "hold"
        for t in T2S:
            pred = base or heats[1] >= t
            tot[(t, r["hold"], pred)] += 1
            if pred and not base and not r["hold"] and t == 0.8: print("FP", name, r["id"], [round(h, 2) for h in heats[:3]])
        tot[("base", r["hold"], base)] += 1
for t in ["base"] + T2S:
    tp, fp, fn = tot[(t, True, True)], tot[(t, False, True)], tot[(t, True, False)]
    print(t, "hold P %.3f R %.3f" % (tp / (tp + fp), tp / (tp + fn)), "tp", tp, "fp", fp, "fn", fn)
