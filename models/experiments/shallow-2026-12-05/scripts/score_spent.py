"""Score spent sets through the engine (dev figures; refuses the unread set): python score_spent.py OUT.json SET..."""
import json, sys
from pathlib import Path
from tonecheck.engine import build_engine
from tonecheck.settings import Settings
from tools.evaluation.__main__ import load_scorer, score_set
from tools.training.data import BLIND_DIR, SHARED_DIR, read_rows
engine = build_engine(Settings())
score = load_scorer(SHARED_DIR)
out = {}
for name in sys.argv[2:]:
    assert name != "blind-2026-12u"
    rows = read_rows(BLIND_DIR / f"{name}.jsonl")
    out[name] = score_set(name, rows, {"tonecheck": engine}, score)["tonecheck"]
Path(sys.argv[1]).write_text(json.dumps(out, indent=1))
for k, v in out.items():
    print(k, v["macro_f1"], v["calm_fp_rate"], v["hold_p"], v["hold_r"])
