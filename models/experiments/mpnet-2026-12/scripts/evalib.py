"""Dev evaluation with train.py's own code: detector_findings -> predict (engine.judge) -> metrics / objective;
thresholds by train.py's choose_policy. Adds: out-of-fold (2-fold cross-fitted) thresholds and a paired
bootstrap over dev rows, to show how much of a difference is noise."""
from common import *  # noqa
from common import load_json, np, time
import hashlib

from tonecheck.detect.rules.detector import RuleDetector
from tonecheck.detect.rules.loader import load_rules
from tonecheck.findings import CATEGORIES
from tonecheck.parse import load_pipeline
from tonecheck.settings import Settings
from tools.training.data import enron_dev_rows, public_calm_rows, read_split, writer_rows
from tools.training.train import (_evaluate, bag_sentences, choose_policy, detector_findings, metrics, objective,
                                  parse_rows, predict)


class Ctx:
    """Dev and real calm dev, parsed once, with rule hits and cached unit owners."""

    def __init__(self) -> None:
        t = time.time()
        settings = Settings(use_classifier=False)
        nlp = load_pipeline(settings.spacy_model)
        rules = RuleDetector(load_rules([settings.rules_dir]), nlp)
        self.dev_rows = read_split("dev") + writer_rows(dev=True)
        real_rows = enron_dev_rows() + public_calm_rows(dev=True)
        self.dev_parsed = parse_rows(nlp, self.dev_rows, settings.max_sentences)
        self.real_parsed = parse_rows(nlp, real_rows, settings.max_sentences)
        self.dev_rule = rules.detect(self.dev_parsed)
        self.real_rule = rules.detect(self.real_parsed)
        d, r = load_json("dev_units.json"), load_json("real_units.json")
        assert bag_sentences(self.dev_parsed) == (d["texts"], d["owners"])
        assert bag_sentences(self.real_parsed) == (r["texts"], r["owners"])
        self.d_owners, self.r_owners = d["owners"], r["owners"]
        # 2 folds by a hash of the row id (dev) / the row position (real calm dev)
        self.dev_fold = np.array([hashlib.sha256(x.id.encode()).digest()[0] % 2 for x in self.dev_rows])
        self.real_fold = np.arange(len(real_rows)) % 2
        print(f"ctx ready in {time.time() - t:.0f} s", flush=True)

    def hits(self, d_probs, r_probs):
        return (detector_findings(self.dev_parsed, d_probs, self.d_owners),
                detector_findings(self.real_parsed, r_probs, self.r_owners))

    def run(self, name, d_probs, r_probs, policy=None, oof=True):
        """Metrics with thresholds chosen on all dev (in-sample, as train.py) and, if oof, out-of-fold."""
        t = time.time()
        dh, rh = self.hits(d_probs, r_probs)
        dev = (self.dev_rows, self.dev_parsed, self.dev_rule, dh)
        real = (self.real_parsed, self.real_rule, rh)
        if policy is None:
            policy, m = choose_policy(dev, real)
        else:
            m = _evaluate(dev, real, policy)
        m["objective"] = round(objective(m), 4)
        out = {"name": name, "policy": {"thresholds": {c.value: v for c, v in policy.thresholds.items()},
                                        "calm_veto": policy.calm_veto, "heat": policy.heat_threshold},
               "in_sample": m,
               "dev_preds": predict(self.dev_parsed, self.dev_rule, dh, policy),
               "real_preds": predict(self.real_parsed, self.real_rule, rh, policy)}
        if oof:
            dev_preds = [None] * len(self.dev_rows)
            real_preds = [None] * len(self.real_parsed)
            for f in (0, 1):
                di, dj = np.flatnonzero(self.dev_fold == f), np.flatnonzero(self.dev_fold != f)
                ri, rj = np.flatnonzero(self.real_fold == f), np.flatnonzero(self.real_fold != f)
                pick = lambda xs, idx: [xs[i] for i in idx]
                pol, _ = choose_policy((pick(self.dev_rows, di), pick(self.dev_parsed, di), pick(self.dev_rule, di), pick(dh, di)),
                                       (pick(self.real_parsed, ri), pick(self.real_rule, ri), pick(rh, ri)))
                for i, p in zip(dj, predict(pick(self.dev_parsed, dj), pick(self.dev_rule, dj), pick(dh, dj), pol)):
                    dev_preds[i] = p
                for i, p in zip(rj, predict(pick(self.real_parsed, rj), pick(self.real_rule, rj), pick(rh, rj), pol)):
                    real_preds[i] = p
            mo = metrics(self.dev_rows, dev_preds)
            mo["real_calm_fp_rate"] = round(sum(1 for c, h in real_preds if c or h) / len(real_preds), 4)
            mo["real_calm_held_rate"] = round(sum(1 for _, h in real_preds if h) / len(real_preds), 4)
            mo["objective"] = round(objective(mo), 4)
            out["oof"] = mo
            out["oof_dev_preds"], out["oof_real_preds"] = dev_preds, real_preds
        print(f"[{name}] {time.time() - t:.0f} s  in-sample: {short(m)}" + (f"\n      oof: {short(out['oof'])}" if oof else ""), flush=True)
        return out


def short(m):
    keys = ["macro_f1", "f1_told_you_so", "f1_blame", "f1_defensive", "f1_heated", "calm_fp_rate", "hold_precision",
            "hold_recall", "real_calm_fp_rate", "real_calm_held_rate", "objective"]
    return " ".join(f"{k.replace('f1_', '')}={m.get(k)}" for k in keys)


def _arrays(rows, preds):
    lab = np.array([[c.value in r.labels for c in CATEGORIES] for r in rows])
    pr = np.array([[c.value in p for c in CATEGORIES] for p, _ in preds])
    hold_l = np.array([r.hold for r in rows]); hold_p = np.array([h for _, h in preds])
    return lab, pr, hold_l, hold_p


def _boot_stats(lab, pr, hl, hp, w):
    tp = (w[:, None] * (lab & pr)).sum(0); fp = (w[:, None] * (~lab & pr)).sum(0); fn = (w[:, None] * (lab & ~pr)).sum(0)
    p = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1e-9), 0); r = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1e-9), 0)
    f1 = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-9), 0)
    calm = ~lab.any(1)
    calm_fp = (w * (calm & pr.any(1))).sum() / max(1, (w * calm).sum())
    htp = (w * (hp & hl)).sum()
    return {"macro_f1": f1.mean(), "calm_fp_rate": calm_fp, "hold_precision": htp / max(1, (w * hp).sum()),
            "hold_recall": htp / max(1, (w * hl).sum()), **{f"f1_{c.value}": f1[k] for k, c in enumerate(CATEGORIES)}}


def paired_bootstrap(rows, base_preds, var_preds, base_real, var_real, n=1000, seed=0):
    """Distribution of (variant - baseline) for macro-F1 and the objective, resampling dev rows and real rows."""
    rng = np.random.default_rng(seed)
    A, B = _arrays(rows, base_preds), _arrays(rows, var_preds)
    ra = np.array([bool(c) or h for c, h in base_real]); rb = np.array([bool(c) or h for c, h in var_real])
    rha = np.array([h for _, h in base_real]); rhb = np.array([h for _, h in var_real])
    d_f1, d_obj = [], []
    for _ in range(n):
        w = rng.multinomial(len(rows), np.ones(len(rows)) / len(rows)).astype(float)
        wr = rng.multinomial(len(ra), np.ones(len(ra)) / len(ra)).astype(float)
        ma, mb = _boot_stats(*A, w), _boot_stats(*B, w)
        ma["real_calm_fp_rate"] = (wr * ra).sum() / wr.sum(); ma["real_calm_held_rate"] = (wr * rha).sum() / wr.sum()
        mb["real_calm_fp_rate"] = (wr * rb).sum() / wr.sum(); mb["real_calm_held_rate"] = (wr * rhb).sum() / wr.sum()
        d_f1.append(mb["macro_f1"] - ma["macro_f1"]); d_obj.append(objective(mb) - objective(ma))
    q = lambda x: [round(float(v), 4) for v in np.percentile(x, [2.5, 50, 97.5])]
    return {"d_macro_f1_ci95": q(d_f1), "d_objective_ci95": q(d_obj),
            "p_variant_better_obj": round(float(np.mean(np.array(d_obj) > 0)), 3)}
