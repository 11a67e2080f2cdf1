"""`make eval`: per-category P/R/F1 with ../shared/eval/score.py, calm false alarms, and real calm mail."""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib.util
import io
import json
import time
from collections.abc import Callable
from pathlib import Path

from service.cleanup import clean
from service.combine import Policy
from service.detect.classifier import load_classifier
from service.detect.classifier.data import CORPUS_DIR, SHARED_DIR, enron_eval_lines, guide_examples, read_split
from service.detect.classifier.train import predict
from service.detect.rules.detector import RuleDetector
from service.detect.rules.loader import load_rules
from service.evaluation.baseline import baseline_categories
from service.parse import load_pipeline, parse_many
from service.settings import REPO_ROOT, Settings

ENRON_SAMPLE = 3000  # every k-th held-out P_9 line, so one run takes a couple of minutes on 2 cores


def load_scorer(shared: Path) -> Callable:
    """The project's judge: ../shared/eval/score.py's `score(gold, pred, verbose)`."""
    spec = importlib.util.spec_from_file_location("tonecheck_shared_score", shared / "eval" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score


def stanford_quarters(shared: Path) -> tuple[list[str], list[str]]:
    """Top-quarter (polite) and bottom-quarter (impolite) requests of the Stanford corpus."""
    top, bottom = [], []
    for name in ("wikipedia.annotated.csv", "stack-exchange.annotated.csv"):
        with open(shared / "data" / "stanford_politeness" / name, encoding="utf-8") as fh:
            rows = [(float(r["Normalized Score"]), r["Request"]) for r in csv.DictReader(fh)]
        rows.sort()
        q = len(rows) // 4
        bottom += [t for _, t in rows[:q]]
        top += [t for _, t in rows[-q:]]
    return top, bottom


def trigger_hits_p9(shared: Path) -> list[str]:
    """The Enron trigger-phrase sentences that the politeness classifier put in P_9."""
    with open(shared / "data" / "enron_politeness" / "trigger_phrase_hits.tsv", encoding="utf-8") as fh:
        return [r["text"] for r in csv.DictReader(fh, delimiter="\t") if r["p_class"] == "P_9"]


def main(argv: list[str] | None = None) -> int:
    """Evaluate and print; write the figures as JSON for the model card."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="test")
    parser.add_argument("--data", type=Path, default=CORPUS_DIR, help="folder with the split's .jsonl")
    parser.add_argument("--shared", type=Path, default=SHARED_DIR)
    parser.add_argument("--json", type=Path, default=REPO_ROOT / "models" / "eval-results.json")
    args = parser.parse_args(argv)
    settings = Settings()
    score = load_scorer(args.shared)
    nlp = load_pipeline(settings.spacy_model)
    rules = RuleDetector(load_rules([settings.rules_dir]), nlp)
    classifier, policy, model_version = load_classifier(settings.model_dir, settings.torch_threads,
                                                        settings.encoder_precision)
    no_model = Policy()

    def run(texts: list[str]) -> dict[str, list]:
        parsed = parse_many(nlp, [clean(t) for t in texts], settings.max_sentences)
        rf, mf = rules.detect(parsed), classifier.detect(parsed)
        empty = [[] for _ in parsed]
        return {
            "rules": predict(parsed, rf, empty, no_model),
            "model": predict(parsed, empty, mf, policy),
            "tonecheck": predict(parsed, rf, mf, policy),
            "baseline": [(baseline_categories(t), False) for t in texts],
        }

    rows = read_split(args.split, args.data)
    gold = [{"id": r.id, "text": r.text, "labels": list(r.labels), "hold": r.hold} for r in rows]
    began = time.perf_counter()
    systems = run([r.text for r in rows])
    results: dict[str, dict] = {"split": args.split, "rows": len(rows), "model_version": model_version}
    for name, preds in systems.items():
        hold = [h or "heated" in cats for cats, h in preds] if name == "baseline" else [h for _, h in preds]
        pred = [{"id": r.id, "categories": sorted(c), "hold": h}
                for r, (c, _), h in zip(rows, preds, hold, strict=True)]
        print(f"\n== {name} on {args.split} ({len(rows)} rows)")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            res = score(gold, pred, verbose=True)
        print("\n".join(ln for ln in buf.getvalue().splitlines() if not ln.startswith("calm emails flagged")))
        res.pop("calm_fp_ids")
        results[name] = {k: round(v, 4) for k, v in res.items()}
        results[name]["per_category"] = [ln for ln in buf.getvalue().splitlines() if " P=" in ln and "F1=" in ln]

    enron = enron_eval_lines(args.shared)
    enron = enron[:: max(1, len(enron) // ENRON_SAMPLE)][:ENRON_SAMPLE]
    top, bottom = stanford_quarters(args.shared)
    real = {"enron_p9_heldout": enron, "enron_trigger_hits_p9": trigger_hits_p9(args.shared),
            "stanford_top_quarter": top}
    print("\n== real text (share with a clean `send` verdict; bottom quarter: share flagged)")
    results["real"] = {}
    for name, texts in [*real.items(), ("stanford_bottom_quarter", bottom)]:
        out = run(texts)
        for system in ("rules", "tonecheck", "baseline"):
            flagged = sum(1 for cats, h in out[system] if cats or h) / len(texts)
            value = flagged if name == "stanford_bottom_quarter" else 1 - flagged
            results["real"].setdefault(name, {"n": len(texts)})[system] = round(value, 4)
        print(f"{name:28s} n={len(texts):5d}  " + "  ".join(
            f"{s}={results['real'][name][s]:.3f}" for s in ("rules", "tonecheck", "baseline")))
    examples = guide_examples(args.shared)
    if examples:
        out = run([t for t, _ in examples])
        print("\n== labelling guide's example tables (flagged: right category found; calm: clean)")
        results["guide_examples"] = {}
        for system in ("rules", "tonecheck", "baseline"):
            hit = sum(1 for (_, c), (cats, _) in zip(examples, out[system], strict=True) if c and c in cats)
            n_clean = sum(1 for (_, c), (cats, h) in zip(examples, out[system], strict=True)
                          if c is None and not cats and not h)
            n_flag = sum(1 for _, c in examples if c)
            results["guide_examples"][system] = {"flagged_caught": f"{hit}/{n_flag}",
                                                 "calm_clean": f"{n_clean}/{len(examples) - n_flag}"}
            print(f"{system:10s} flagged caught {hit}/{n_flag}  calm clean {n_clean}/{len(examples) - n_flag}")
    results["seconds"] = round(time.perf_counter() - began, 1)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json} ({results['seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
