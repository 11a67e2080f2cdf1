"""Per-category email counts (tp/fp/fn) and calm flagged over the ten scored blind sets, with the engine as it stands."""
import json, sys, collections
from tonecheck.engine import EmailInput, build_engine
from tonecheck.settings import Settings
eng = build_engine(Settings())
tot = collections.Counter()
for name in sys.argv[1:]:
    rows = [json.loads(l) for l in open(f"models/blind-test/{name}.jsonl")]
    for r, rep in zip(rows, eng.check_many([EmailInput(r["text"]) for r in rows])):
        gold, pred = set(r["labels"]), {f.category.value for f in rep.findings}
        if not gold: tot["calm"] += 1; tot["calm_flagged"] += bool(pred)
        for c in ("told_you_so", "blame", "defensive", "heated"):
            tot[(c, c in gold, c in pred)] += 1
for c in ("told_you_so", "blame", "defensive", "heated"):
    print(c, "tp fp fn", tot[(c, True, True)], tot[(c, False, True)], tot[(c, True, False)])
print("calm flagged", tot["calm_flagged"], "of", tot["calm"])
