"""Markdown tables from results/*.json."""
import json
from pathlib import Path

RES = Path("/work/mpnet-exp/results")
order = ["minilm_shipped", "minilm_rechosen", "mpnet_h256", "minilmfrozen",
         "stage2_replace_0.1_0.9", "stage2_replace_0.2_0.8", "stage2_replace_0.3_0.7",
         "stage2_avg_0.1_0.9", "stage2_avg_0.2_0.8", "stage2_avg_0.3_0.7", "avgall",
         "stage2_avg_0.1_0.9_minilmfrozen", "stage2_avg_0.2_0.8_minilmfrozen", "avgall-minilmfrozen",
         "student_hard", "student_kd1"]
print("| variant | routed units dev / real | routed tokens dev / real | macro-F1 | tys / blame / def / heated F1 | calm FP | hold P / R | real any / held | objective | OOF macro-F1 | OOF objective | Δobj vs baseline, 95% CI (in-sample) | Δobj OOF CI |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for n in order:
    p = RES / f"{n}.json"
    if not p.exists():
        continue
    r = json.loads(p.read_text()); m = r["in_sample"]; o = r.get("oof", {})
    rout = f"{r['routed_units_dev']:.1%} / {r['routed_units_real']:.1%}" if "routed_units_dev" in r else "0 (MiniLM only)" if n.startswith("minilm_") else "—"
    rtok = f"{r['routed_tokens_dev']:.1%} / {r['routed_tokens_real']:.1%}" if "routed_tokens_dev" in r else "—"
    b, bo = r.get("boot_in_sample"), r.get("boot_oof")
    ci = lambda x: f"{x['d_objective_ci95'][1]:+.3f} [{x['d_objective_ci95'][0]:+.3f}, {x['d_objective_ci95'][2]:+.3f}]" if x else "—"
    print(f"| {n} | {rout} | {rtok} | {m['macro_f1']:.3f} | {m['f1_told_you_so']:.2f} / {m['f1_blame']:.2f} / {m['f1_defensive']:.2f} / {m['f1_heated']:.2f} "
          f"| {m['calm_fp_rate']:.2%} | {m['hold_precision']:.3f} / {m['hold_recall']:.3f} | {m['real_calm_fp_rate']:.2%} / {m['real_calm_held_rate']:.2%} "
          f"| {m['objective']:.3f} | {o.get('macro_f1', float('nan')):.3f} | {o.get('objective', float('nan')):.3f} | {ci(b)} | {ci(bo)} |")
print()
print("macro-F1 deltas vs minilm_rechosen (median [95% CI], in-sample | OOF):")
for n in order:
    p = RES / f"{n}.json"
    if p.exists():
        r = json.loads(p.read_text())
        if "boot_in_sample" in r:
            print(f"- {n}: {r['boot_in_sample']['d_macro_f1_ci95']} | {r.get('boot_oof', {}).get('d_macro_f1_ci95')}; P(obj better) {r['boot_in_sample']['p_variant_better_obj']} | {r.get('boot_oof', {}).get('p_variant_better_obj')}")
print()
print("policies:")
for n in order:
    p = RES / f"{n}.json"
    if p.exists():
        print(f"- {n}: {json.loads(p.read_text())['policy']}")
