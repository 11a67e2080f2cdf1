"""The decision rule's figures from `python -m tools.evaluation --json` files: python compare.py A.json B.json"""
import json, sys
SEVEN = ["blind-2026-12"] + [f"blind-2026-12{c}" for c in "bcdefg"]
for path in sys.argv[1:]:
    d = json.load(open(path))
    s = d["spent_blind_dev"]
    keys = [k for k in SEVEN if k in s]
    m = lambda f: sum(s[k][f] for k in keys) / len(keys)
    g = d["gates"]
    held = sum(round(v["held"] * v["n"]) for v in g.values()); anyf = sum(round(v["any_finding"] * v["n"]) for v in g.values())
    print(path, d["model_version"], f"sets={len(keys)} macro={m('macro_f1'):.4f} calm={m('calm_fp_rate')*100:.2f}% holdP={m('hold_p'):.3f} holdR={m('hold_r'):.4f} obj={m('macro_f1')+0.25*m('hold_r'):.4f}",
          f"gates held={held} any={anyf}", {k: (v['held'], v['any_finding']) for k, v in g.items()},
          "old", d["old_split"]["tonecheck"]["macro_f1"], "other", d["other_real"])
    allk = sorted(s); print("  all spent sets:", len(allk), f"macro={sum(s[k]['macro_f1'] for k in allk)/len(allk):.4f}")
