"""Score spent sets through the engine (dev figures; refuses the unread set): python score_spent.py OUT.json SET..."""
import json, sys
from pathlib import Path
from tonecheck.engine import build_engine
from tonecheck.settings import Settings
from tools.evaluation.__main__ import load_scorer, score_set
from tools.training.data import BLIND_DIR, SCORED_BLIND, SHARED_DIR, read_rows
engine = build_engine(Settings())
score = load_scorer(SHARED_DIR)
out = {}
for name in sys.argv[2:]:
    if name not in SCORED_BLIND:
        raise SystemExit(f"{name} is not a scored set: make eval scores a blind set once")
    rows = read_rows(BLIND_DIR / f"{name}.jsonl")
    out[name] = score_set(name, rows, {"tonecheck": engine}, score)["tonecheck"]
Path(sys.argv[1]).write_text(json.dumps(out, indent=1))
for k, v in out.items():
    print(k, v["macro_f1"], v["calm_fp_rate"], v["hold_p"], v["hold_r"])
