"""Steps 3a-3c on dev: every variant through train.py's detector_findings -> engine.judge -> metrics, with
thresholds by choose_policy (in-sample, as train.py does) and 2-fold out-of-fold; paired bootstrap vs the
MiniLM baseline. Usage: evaluate_all.py VARIANT... (see VARIANTS)."""
from common import *  # noqa
from common import CACHE, EXP, SHIPPED, np, load_json
import json, pickle, sys
from evalib import Ctx, paired_bootstrap
from tonecheck.detect.classifier.manifest import read_manifest
from tonecheck.engine import policy_from

RES = EXP / "results"


def probs(name, split):
    return np.load(CACHE / f"{name}_probs_{split}.npy")


def second_stage(lo, hi, mode, teacher="mpnet_h256"):
    """MiniLM probabilities; units with any category in [lo, hi] get mpnet's (replace) or the mean (avg)."""
    out = {}
    for split in ("dev", "real"):
        m, t = probs("minilm", split), probs(teacher, split)
        route = ((m >= lo) & (m <= hi)).any(1)
        comb = m.copy()
        comb[route] = t[route] if mode == "replace" else (m[route] + t[route]) / 2
        out[split], out[split + "_route"] = comb, route
    return out


def variant(name):
    if name == "minilm_shipped":
        return probs("minilm", "dev"), probs("minilm", "real"), None
    if name == "minilm_rechosen":
        return probs("minilm", "dev"), probs("minilm", "real"), None
    if name.startswith("mpnet_h") or name.startswith("minilmfrozen") or name.startswith("student"):
        return probs(name, "dev"), probs(name, "real"), None
    if name.startswith("avgall"):  # avgall or avgall:TEACHER
        teacher = name.split(":")[1] if ":" in name else "mpnet_h256"
        return ((probs("minilm", "dev") + probs(teacher, "dev")) / 2,
                (probs("minilm", "real") + probs(teacher, "real")) / 2, (np.ones(4374, bool), np.ones(5835, bool)))
    # stage2_{mode}_{lo}_{hi}[_TEACHER]
    _, mode, lo, hi, *teacher = name.split("_", 4)
    s = second_stage(float(lo), float(hi), mode, *teacher)
    return s["dev"], s["real"], (s["dev_route"], s["real_route"])


if __name__ == "__main__":
    names = sys.argv[1:]
    ctx = Ctx()
    tok_dev = np.array(load_json("dev_tokens.json")) if (CACHE / "dev_tokens.json").exists() else None
    tok_real = np.array(load_json("real_tokens.json")) if (CACHE / "real_tokens.json").exists() else None
    for name in names:
        d, r, route = variant(name)
        if name == "minilm_shipped":
            res = ctx.run(name, d, r, policy=policy_from(read_manifest(SHIPPED)), oof=False)
        else:
            res = ctx.run(name, d, r)
        if route is not None:
            res["routed_units_dev"] = round(float(route[0].mean()), 4)
            res["routed_units_real"] = round(float(route[1].mean()), 4)
            if tok_dev is not None:
                res["routed_tokens_dev"] = round(float(tok_dev[route[0]].sum() / tok_dev.sum()), 4)
                res["routed_tokens_real"] = round(float(tok_real[route[1]].sum() / tok_real.sum()), 4)
            print(f"   routed units dev {res['routed_units_dev']} real {res['routed_units_real']}", flush=True)
        pickle.dump(res, open(RES / f"{name.replace(':', '-')}.pkl", "wb"))
        base = RES / "minilm_rechosen.pkl"
        if base.exists() and name != "minilm_rechosen":
            b = pickle.load(open(base, "rb"))
            res["boot_in_sample"] = paired_bootstrap(ctx.dev_rows, b["dev_preds"], res["dev_preds"], b["real_preds"], res["real_preds"])
            if "oof" in res:
                res["boot_oof"] = paired_bootstrap(ctx.dev_rows, b["oof_dev_preds"], res["oof_dev_preds"], b["oof_real_preds"], res["oof_real_preds"])
            print("   bootstrap vs minilm_rechosen:", res["boot_in_sample"], res.get("boot_oof"), flush=True)
        summary = {k: v for k, v in res.items() if not k.endswith("preds")}
        (RES / f"{name.replace(':', '-')}.json").write_text(json.dumps(summary, indent=1))
