"""`make eval`: the blind test, the old test split and the real calm gates, through the service's own engine.

Every figure comes from `Engine.check_many`, the code path behind `POST /v1/check`: cleanup with HTML
sniffing, one parse, rules and classifier, combine, verdict. Labelled sets are scored with
../shared/eval/score.py. The blind test is scored once per release (see models/blind-test/README.md).
"""

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

from tonecheck.combine import Policy
from tonecheck.detect.classifier.packed import resolve_precision
from tonecheck.engine import EmailInput, Engine, Report, build_engine
from tonecheck.findings import Verdict
from tonecheck.settings import Settings
from tools import REPO_ROOT
from tools.evaluation.baseline import baseline_categories
from tools.evaluation.judgments import ENRON_EVAL_LINES as ENRON_COMPARED
from tools.training.data import (
    BLIND_DIR,
    CORPUS_DIR,
    PUBLIC_DIR,
    SCORED_BLIND,
    SHARED_DIR,
    SPENT_BLIND,
    Row,
    enron_eval_lines,
    guide_examples,
    read_rows,
    read_split,
)

ENRON_SAMPLE = 2000  # every k-th held-out P_9 line, so one run takes minutes, not an hour, on 2 cores
# The newest blind set: each is scored once, for the release it was written for (models/blind-test/README.md).
BLIND = BLIND_DIR / "blind-2026-12y.jsonl"
BATCH = 32
# Targets from issue 10: on every real calm gate, at most this share held / with any finding.
GATE_HELD, GATE_ANY = 0.01, 0.04

Prediction = tuple[set[str], bool]


def load_scorer(shared: Path) -> Callable:
    """The project's judge: ../shared/eval/score.py's `score(gold, pred, verbose)`."""
    spec = importlib.util.spec_from_file_location("tonecheck_shared_score", shared / "eval" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score


def stanford_ranked(shared: Path) -> list[list[str]]:
    """Each Stanford corpus file's requests, least polite first (by `Normalized Score`)."""
    ranked = []
    for name in ("wikipedia.annotated.csv", "stack-exchange.annotated.csv"):
        with open(shared / "data" / "stanford_politeness" / name, encoding="utf-8") as fh:
            rows = [(float(r["Normalized Score"]), r["Request"]) for r in csv.DictReader(fh)]
        ranked.append([t for _, t in sorted(rows)])
    return ranked


def _quarters(ranked: list[list[str]]) -> tuple[list[str], list[str]]:
    """Top and bottom quarter of each ranked file, joined."""
    top, bottom = [], []
    for rows in ranked:
        q = len(rows) // 4
        bottom += rows[:q]
        top += rows[-q:]
    return top, bottom


def stanford_quarters(shared: Path) -> tuple[list[str], list[str]]:
    """Top-quarter (polite) and bottom-quarter (impolite) requests of the Stanford corpus."""
    return _quarters(stanford_ranked(shared))


def stanford_second_quarter(shared: Path) -> list[str]:
    """The requests ranked in the quarter just below the top one: more polite than the median.

    A gate since 5 Dec 2026 (models/experiments/fresh-gates-2026-12-05): polite requests are where
    shallower models held more calm text.
    """
    return _middle_quarter(stanford_ranked(shared), 2)


def stanford_third_quarter(shared: Path) -> list[str]:
    """The requests ranked in the quarter just below the median: neither polite nor impolite by the paper.

    Added 5 Dec 2026 (models/experiments/depth2-2026-12-05). Some of it is curt, so a finding there
    can be right; `make eval` reports only the share held, which heat alone decides.
    """
    ranked = stanford_ranked(shared)
    second = set(_middle_quarter(ranked, 2))
    return [t for t in _middle_quarter(ranked, 3) if t not in second]


def _middle_quarter(ranked: list[list[str]], k: int) -> list[str]:
    """The k-th quarter from the top (2 or 3) of each ranked file, without requests the outer quarters hold."""
    top, bottom = _quarters(ranked)
    others = set(top) | set(bottom)  # a few requests occur twice, scored apart: they stay in those quarters
    out = []
    for rows in ranked:
        q = len(rows) // 4
        out += [t for t in rows[len(rows) - k * q : len(rows) - (k - 1) * q] if t not in others]
    return out


def enron_gates(shared: Path) -> dict[str, list[str]]:
    """Three disjoint samples of held-out Enron P_9 lines: the original gate, and two added on 5 Dec 2026.

    The second and third leave out the first ENRON_COMPARED lines, which engine comparisons of one model
    read (`judgments.py`), and the first sample; the second keeps every second line of the rest, and the
    third the lines between them.
    """
    enron = enron_eval_lines(shared)
    step = max(1, len(enron) // ENRON_SAMPLE)
    first = set(range(0, len(enron), step)[:ENRON_SAMPLE])
    rest = [t for i, t in enumerate(enron) if i >= ENRON_COMPARED and i not in first]
    return {"enron_p9_heldout": [enron[i] for i in sorted(first)], "enron_p9_heldout_b": rest[::2],
            "enron_p9_heldout_c": rest[1::2]}


def trigger_hits_p9(shared: Path) -> list[str]:
    """The Enron trigger-phrase sentences that the politeness classifier put in P_9."""
    with open(shared / "data" / "enron_politeness" / "trigger_phrase_hits.tsv", encoding="utf-8") as fh:
        return [r["text"] for r in csv.DictReader(fh, delimiter="\t") if r["p_class"] == "P_9"]


def public_gates(public: Path) -> dict[str, list[str]]:
    """Evaluation-only calm replies from public corpora never trained on (models/data/public_sources.py)."""
    out = {}
    for path in sorted((public / "gate").glob("*.jsonl")):
        out[path.stem] = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    return out


def run(engine: Engine, texts: list[str]) -> list[Prediction]:
    """Categories found and hold, per text, through the engine in batches (the service's path)."""
    out: list[Prediction] = []
    for i in range(0, len(texts), BATCH):
        reports: list[Report] = engine.check_many([EmailInput(t) for t in texts[i : i + BATCH]])
        out += [({f.category.value for f in r.findings}, r.verdict is Verdict.HOLD) for r in reports]
    return out


def score_set(name: str, rows: list[Row], systems: dict[str, Engine | None], score: Callable) -> dict:
    """Score tonecheck, rules only and the phrase-list baseline on one labelled set."""
    gold = [{"id": r.id, "text": r.text, "labels": list(r.labels), "hold": r.hold} for r in rows]
    results: dict[str, dict] = {"rows": len(rows)}
    for system, engine in systems.items():
        if engine is None:
            preds = [(c := baseline_categories(r.text), "heated" in c) for r in rows]
        else:
            preds = run(engine, [r.text for r in rows])
        pred = [{"id": r.id, "categories": sorted(c), "hold": h} for r, (c, h) in zip(rows, preds, strict=True)]
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            res = score(gold, pred, verbose=True)
        res.pop("calm_fp_ids")
        results[system] = {k: round(v, 4) for k, v in res.items()}
        results[system]["per_category"] = [ln for ln in buf.getvalue().splitlines() if " P=" in ln]
        print(f"\n== {system} on {name} ({len(rows)} rows)")
        print("\n".join(ln for ln in buf.getvalue().splitlines() if not ln.startswith("calm emails flagged")))
    return results


def gate_figures(engine: Engine, texts: list[str]) -> dict[str, float]:
    """Share (and count) of real calm texts held, and with any finding at all."""
    preds = run(engine, texts)
    held = sum(1 for _, h in preds if h)
    flagged = sum(1 for c, h in preds if c or h)
    return {"n": len(texts), "held": round(held / len(texts), 4), "any_finding": round(flagged / len(texts), 4),
            "held_n": held, "any_n": flagged}


def gate_table(engine: Engine, gates: dict[str, list[str]]) -> dict[str, dict]:
    """`gate_figures` of every gate, each judged against the targets (GATE_HELD, GATE_ANY)."""
    table = {}
    for name, texts in gates.items():
        fig = gate_figures(engine, texts)
        fig["meets_target"] = fig["held"] <= GATE_HELD and fig["any_finding"] <= GATE_ANY
        table[name] = fig
    return table


def results_path(given: Path | None, skip_blind: bool) -> Path:
    """Where a run writes its figures: the release record only when it scored the blind set."""
    if given is not None:
        return given
    # A development run once replaced the committed record and dropped its blind figures (5 Dec 2026).
    return REPO_ROOT / ("eval-results/dev.json" if skip_blind else "models/eval-results.json")


def main(argv: list[str] | None = None) -> int:
    """Evaluate and print; write the figures as JSON for the model card."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--blind", type=Path, default=BLIND, help="the blind test set (JSONL, scorer format)")
    parser.add_argument("--skip-blind", action="store_true", help="leave the blind test out (development runs)")
    parser.add_argument("--split", default="test", help="the old corpus split to score as well")
    parser.add_argument("--data", type=Path, default=CORPUS_DIR, help="folder with the split's .jsonl")
    parser.add_argument("--shared", type=Path, default=SHARED_DIR)
    parser.add_argument("--public-data", type=Path, default=PUBLIC_DIR, help="output of public_sources.py")
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the figures (default models/eval-results.json, the release record; "
                             "with --skip-blind eval-results/dev.json, so a development run never replaces it)")
    args = parser.parse_args(argv)
    if not args.skip_blind and args.blind.stem in SCORED_BLIND:
        parser.error(f"{args.blind.name} is spent: it was scored once already (SCORED_BLIND in "
                     "tools/training/data.py), so a new figure on it is no blind test; pass a fresh set")
    began = time.perf_counter()
    settings = Settings()
    engine = build_engine(settings)
    rules_only = Engine(engine.nlp, engine.rules, None, Policy(), engine.versions)
    systems: dict[str, Engine | None] = {"tonecheck": engine, "rules": rules_only, "baseline": None}
    score = load_scorer(args.shared)
    # Scores near a threshold move with the encoder's arithmetic (bf16 where the CPU has it, else fp32).
    results: dict = {"model_version": engine.versions.model, "rules_version": engine.versions.rules,
                     "encoder_precision": resolve_precision(settings.encoder_precision)}

    if not args.skip_blind:
        results["blind_set"] = args.blind.name
        results["blind"] = score_set(f"the blind test {args.blind.name}", read_rows(args.blind), systems, score)
    # Spent sets are dev now (thresholds are chosen on them): reported, never quoted as blind.
    results["spent_blind_dev"] = {
        name: score_set(f"the spent blind set {name} (dev)", read_rows(BLIND_DIR / f"{name}.jsonl"),
                        {"tonecheck": engine}, score)["tonecheck"]
        for name in SPENT_BLIND if (BLIND_DIR / f"{name}.jsonl").exists()
    }
    results["old_split"] = score_set(f"the old {args.split} split", read_split(args.split, args.data),
                                     systems, score)

    top, bottom = stanford_quarters(args.shared)
    gates = {**enron_gates(args.shared), "stanford_top_quarter": top,
             "stanford_second_quarter": stanford_second_quarter(args.shared), **public_gates(args.public_data)}
    print(f"\n== real calm gates (targets: held <= {GATE_HELD:.0%}, any finding <= {GATE_ANY:.0%})")
    results["gates"] = gate_table(engine, gates)
    for name, fig in results["gates"].items():
        print(f"{name:28s} n={fig['n']:5d}  held={fig['held']:.3f}  any finding={fig['any_finding']:.3f}  "
              f"{'met' if fig['meets_target'] else 'MISSED'}")
    if len(gates) < 7:
        print(f"(public gates not found under {args.public_data}/gate: run models/data/public_sources.py)")

    print("\n== other real text (informational)")
    results["other_real"] = {
        "enron_trigger_hits_p9_clean": round(1 - gate_figures(engine, trigger_hits_p9(args.shared))["any_finding"], 4),
        "stanford_bottom_quarter_flagged": gate_figures(engine, bottom)["any_finding"],
        "stanford_third_quarter_held": gate_figures(engine, stanford_third_quarter(args.shared))["held"],
    }
    for name, value in results["other_real"].items():
        print(f"{name:34s} {value:.3f}")
    examples = guide_examples(args.shared)
    if examples:
        preds = run(engine, [t for t, _ in examples])
        hit = sum(1 for (_, c), (cats, _) in zip(examples, preds, strict=True) if c and c in cats)
        clean = sum(1 for (_, c), (cats, h) in zip(examples, preds, strict=True) if c is None and not cats and not h)
        n_flag = sum(1 for _, c in examples if c)
        results["guide_examples"] = {"flagged_caught": f"{hit}/{n_flag}",
                                     "calm_clean": f"{clean}/{len(examples) - n_flag}"}
        print(f"labelling guide tables: flagged caught {hit}/{n_flag}, calm clean {clean}/{len(examples) - n_flag}")
    results["seconds"] = round(time.perf_counter() - began, 1)
    out = results_path(args.json, args.skip_blind)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out} ({results['seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
