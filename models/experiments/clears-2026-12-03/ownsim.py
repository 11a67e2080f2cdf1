"""Simulate: model-only blame/defensive findings dropped when their sentence owns the cause or clears the customer."""
import json, re, sys, collections
from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings
OWN = [r"\bbecause (of )?(our|we|we'd|we’d|we've|we were|we had|us)\b", r"\bdown to (us|our)\b",
       r"\b(is|was|'s|’s) on us\b", r"\bour (own )?(mistake|error|fault|oversight|mix-up|mistakes|errors|slip)\b",
       r"\bby mistake\b", r"\bin error\b", r"\bour (\w+ ){0,2}(had|hadn't|didn't|failed|forgot|missed|marked|sent|timed out|made)\b"]
EXON = [r"\bnot (because of|due to|caused by|down to) (you|your|anything you)\b", r"\bnothing (you|to do with (you|how))\b",
        r"\bnot your fault\b", r"\bno fault of your\b", r"\b(not|n't|never) (something|anything) you\b",
        r"\banything (that )?you (or [\w ]+? )?(did|could|had|have|'d|’d)\b", r"\bbefore you (ever|even)\b"]
NEG = re.compile(r"\b(not|never|no)\b|n't|n’t", re.I)
def cleared(s):
    if s.rstrip().endswith("?"): return None
    for p in OWN:
        m = re.search(p, s, re.I)
        if m and not NEG.search(s[:m.start()]): return p
    for p in EXON:
        if re.search(p, s, re.I): return p
    return None
eng = build_engine(Settings())
sets = sys.argv[1:]
tot = collections.Counter()
for name in sets:
    rows = [json.loads(l) for l in open(f"/work/main/models/blind-test/{name}.jsonl")]
    reps = eng.check_many([EmailInput(r["text"]) for r in rows])
    for r, rep in zip(rows, reps):
        gold = set(r["labels"])
        keep = []
        for f in rep.findings:
            cat = f.category.value
            if f.source.value == "model" and cat in ("blame", "defensive") and f.sentence:
                s = rep.text[f.sentence.start:f.sentence.end]
                p = cleared(s)
                if p:
                    print(name[-3:], r["id"], "calm" if not gold else ",".join(sorted(gold)), cat, "|", s[:150].replace("\n", " "), "|", p)
                    continue
            keep.append(f)
        for tag, fs in (("base", rep.findings), ("sim", keep)):
            pred = {f.category.value for f in fs}
            if not gold: tot[(tag, "calm_n")] += 1; tot[(tag, "calm_fl")] += bool(pred)
            for c in ("told_you_so", "blame", "defensive", "heated"):
                tot[(tag, c, c in gold, c in pred)] += 1
for tag in ("base", "sim"):
    f1s = []
    for c in ("told_you_so", "blame", "defensive", "heated"):
        tp, fp, fn = tot[(tag, c, True, True)], tot[(tag, c, False, True)], tot[(tag, c, True, False)]
        f1s.append(2 * tp / (2 * tp + fp + fn)); 
        if c in ("blame", "defensive"): print(tag, c, "tp fp fn", tp, fp, fn)
    print(tag, "macroF1(email-level approx) %.4f" % (sum(f1s) / 4), "calm flagged %d/%d" % (tot[(tag, "calm_fl")], tot[(tag, "calm_n")]))
