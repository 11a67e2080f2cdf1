"""Threshold choice in `make train`: a release may not hold more real calm dev text than the model it replaces."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tonecheck.combine import Policy
from tonecheck.detect.classifier.detector import findings
from tonecheck.detect.classifier.manifest import MANIFEST
from tonecheck.detect.classifier.units import units
from tonecheck.findings import CATEGORIES, Category
from tools import REPO_ROOT
from tools.training.data import Row
from tools.training.train import (
    _score,
    choose_policy,
    held_rate,
    load_replaced,
    model_version,
    objective,
    parse_rows,
    shipped_held_cap,
)

HEATED = CATEGORIES.index(Category.HEATED)


def _hits(parsed, heat: list[float], blame: list[float] | None = None):
    """Model findings with the given heated (and blame) score on every judged unit of each row (others 0.01)."""
    probs = []
    for i, (p, h) in enumerate(zip(parsed, heat, strict=True)):
        for _ in units(p):
            row = np.full(len(CATEGORIES), 0.01, dtype=np.float32)
            row[HEATED] = h
            if blame is not None:
                row[CATEGORIES.index(Category.BLAME)] = blame[i]
            probs.append(row)
    return findings(parsed, np.asarray(probs).reshape(-1, len(CATEGORIES)))


@pytest.fixture(scope="module")
def sets(nlp):
    """Dev: two clearly heated rows, two heated rows the model is unsure of (0.78), four calm; real calm text
    where one message in 400 scores 0.79: held only by a heat threshold low enough to catch the unsure rows."""
    dev_rows = [Row(f"h{i}", f"I am sick of your excuses about ticket {i}.", ("heated",), True) for i in range(4)]
    dev_rows += [Row(f"c{i}", f"Your parcel {i} left the depot this morning.", (), False) for i in range(4)]
    dev_parsed = parse_rows(nlp, dev_rows, 200)
    dev = (dev_rows, dev_parsed, [[] for _ in dev_rows], _hits(dev_parsed, [0.9, 0.9, 0.78, 0.78] + [0.02] * 4))
    real_rows = [Row(f"r{i}", f"The meeting room {i} is booked for Tuesday.", (), False) for i in range(400)]
    real_parsed = parse_rows(nlp, real_rows, 200)
    real = (real_parsed, [[] for _ in real_rows], _hits(real_parsed, [0.79] + [0.02] * 399))
    return dev, real


def test_without_the_cap_the_threshold_catches_the_unsure_rows_and_holds_real_text(sets):
    dev, real = sets
    policy, m = choose_policy(dev, real)
    assert policy.heat_threshold <= 0.78
    assert m["hold_recall"] == 1.0
    assert m["real_calm_held_rate"] == pytest.approx(1 / 400)


def test_the_cap_keeps_real_calm_text_unheld_at_the_cost_of_dev_recall(sets):
    dev, real = sets
    policy, m = choose_policy(dev, real, held_cap=0.0)
    assert 0.79 < policy.heat_threshold < 0.9
    assert m["real_calm_held_rate"] == 0.0
    assert m["hold_recall"] == 0.5


def test_min_heat_keeps_the_hold_threshold_at_or_above_it_even_where_dev_would_go_lower(sets):
    dev, real = sets
    free, _ = choose_policy(dev, real)
    assert free.heat_threshold <= 0.78  # as above: without a floor the search catches the unsure rows
    policy, m = choose_policy(dev, real, min_heat=0.85)
    assert policy.heat_threshold >= 0.85 and policy.thresholds[Category.HEATED] >= 0.85
    assert m["hold_recall"] == 0.5 and m["real_calm_held_rate"] == 0.0


def test_the_cap_can_push_heat_above_the_common_grid_when_real_calm_text_scores_high(nlp):
    # A confident model: heated rows at 0.99, one real calm message in 400 at 0.96. Only a heat threshold
    # above 0.96 keeps it unheld, and the grid of the other categories stops at 0.95.
    dev_rows = [Row(f"h{i}", f"I am sick of your excuses about ticket {i}.", ("heated",), True) for i in range(2)]
    dev_rows += [Row(f"c{i}", f"Your parcel {i} left the depot this morning.", (), False) for i in range(2)]
    dev_parsed = parse_rows(nlp, dev_rows, 200)
    dev = (dev_rows, dev_parsed, [[] for _ in dev_rows], _hits(dev_parsed, [0.99, 0.99, 0.02, 0.02]))
    real_rows = [Row(f"r{i}", f"The meeting room {i} is booked for Tuesday.", (), False) for i in range(400)]
    real_parsed = parse_rows(nlp, real_rows, 200)
    real = (real_parsed, [[] for _ in real_rows], _hits(real_parsed, [0.96] + [0.02] * 399))
    policy, m = choose_policy(dev, real, held_cap=0.0)
    assert 0.96 < policy.heat_threshold <= 0.99
    assert m["real_calm_held_rate"] == 0.0
    assert m["hold_recall"] == 1.0


def test_score_ranks_policies_above_the_cap_below_all_others_and_is_the_objective_otherwise():
    m = {"macro_f1": 0.8, "calm_fp_rate": 0.01, "hold_precision": 0.95, "hold_recall": 0.6,
         "real_calm_fp_rate": 0.005, "real_calm_held_rate": 0.003}
    worst_within = {**m, "macro_f1": 0.0, "calm_fp_rate": 1.0, "hold_precision": 0.0, "hold_recall": 0.0,
                    "real_calm_fp_rate": 1.0, "real_calm_held_rate": 0.002}
    assert _score(m, 0.002) < _score(worst_within, 0.002)  # over the cap loses to anything within it
    nearer = {**m, "real_calm_held_rate": 0.0025}
    assert _score(m, 0.002) < _score(nearer, 0.002)  # over it, nearer the cap ranks higher
    better = {**m, "macro_f1": 0.9}
    assert _score(m, 0.002) < _score(better, 0.002)  # equally far over: the objective decides
    assert _score(m, 0.003) == (0.0, objective(m))
    assert _score(m, None) == (0.0, objective(m))
    # However small the excess (one text in 10,000), less of it outranks any gain in the objective.
    slightly_over = {**m, "real_calm_held_rate": 0.0021, "macro_f1": 0.0, "hold_recall": 0.0}
    further_over_but_better = {**m, "real_calm_held_rate": 0.0022, "macro_f1": 1.0, "hold_recall": 1.0}
    assert _score(slightly_over, 0.002) > _score(further_over_but_better, 0.002)


def test_choose_policy_still_chooses_thresholds_when_no_policy_meets_the_cap(nlp):
    # One real calm message scores 0.99 heated, so every heat threshold holds it and no policy meets a cap
    # of 0. The two blame rows score 0.3: the search must still lower blame's threshold to catch them.
    rows = [Row(f"h{i}", f"I am sick of your excuses about ticket {i}.", ("heated",), True) for i in range(2)]
    rows += [Row(f"b{i}", f"The order {i} failed because the form was wrong.", ("blame",), False) for i in range(2)]
    rows += [Row(f"c{i}", f"Your parcel {i} left the depot this morning.", (), False) for i in range(4)]
    parsed = parse_rows(nlp, rows, 200)
    scores = [(0.01, 0.9), (0.01, 0.9), (0.3, 0.01), (0.3, 0.01)] + [(0.01, 0.01)] * 4
    dev = (rows, parsed, [[] for _ in rows], _hits(parsed, [h for _, h in scores], [b for b, _ in scores]))
    real_rows = [Row(f"r{i}", f"The meeting room {i} is booked for Tuesday.", (), False) for i in range(100)]
    real_parsed = parse_rows(nlp, real_rows, 200)
    real = (real_parsed, [[] for _ in real_rows], _hits(real_parsed, [0.99] + [0.02] * 99))
    policy, m = choose_policy(dev, real, held_cap=0.0)
    assert policy.thresholds[Category.BLAME] <= 0.3
    assert m["r_blame"] == 1.0 and m["calm_fp_rate"] == 0.0


def test_the_cap_is_read_from_the_manifest_of_the_model_it_replaces(tmp_path):
    path = tmp_path / "manifest.json"
    assert shipped_held_cap(path) is None
    path.write_text(json.dumps({"metrics": {"dev": {"real_calm_held_rate": 0.0028}}}), encoding="utf-8")
    assert shipped_held_cap(path) == 0.0028
    path.write_text(json.dumps({"metrics": {}}), encoding="utf-8")
    assert shipped_held_cap(path) is None


def test_eval_refuses_to_call_a_spent_set_blind(capsys):
    from tools.evaluation.__main__ import main
    from tools.training.data import BLIND_DIR, SCORED_BLIND

    with pytest.raises(SystemExit) as exc:
        main(["--blind", str(BLIND_DIR / f"{SCORED_BLIND[-1]}.jsonl")])
    assert exc.value.code == 2
    assert "is spent" in capsys.readouterr().err


def test_spent_sets_join_threshold_dev_and_the_default_blind_set_is_not_spent():
    from tools.evaluation.__main__ import BLIND
    from tools.training.data import SCORED_BLIND, SPENT_BLIND, spent_blind_rows

    rows = spent_blind_rows()
    assert len(rows) == 240 * len(SPENT_BLIND)
    assert sum(1 for r in rows if not r.labels) == 120 * len(SPENT_BLIND)
    assert set(SPENT_BLIND) <= set(SCORED_BLIND)
    assert BLIND.stem not in SCORED_BLIND and BLIND.exists()


def test_training_learns_from_scored_sets_only_never_from_threshold_dev_or_the_unread_set():
    from tools.evaluation.__main__ import BLIND
    from tools.training.data import SPENT_BLIND, TRAINED_BLIND, spent_blind_rows, trained_blind_rows

    assert not set(TRAINED_BLIND) & set(SPENT_BLIND)
    assert BLIND.stem not in TRAINED_BLIND
    trained = {r.text for r in trained_blind_rows()}
    assert len(trained) > 200 * len(TRAINED_BLIND)
    assert not trained & {r.text for r in spent_blind_rows()}


def test_policy_only_keeps_the_training_record_of_the_weights_it_keeps() -> None:
    # Re-choosing thresholds must not claim that the kept weights were trained on the data in the tree today.
    from tonecheck.settings import Settings
    from tools.training.train import read_manifest, training_record

    parts = {"writers": [Row("w-1", "A row added after training.", (), False)], "corpus_train": []}
    shipped = read_manifest(Settings().model_dir)
    flat = [r for rows in parts.values() for r in rows]
    sha, rows = training_record(shipped, parts, flat)
    assert sha == shipped.training_data_sha256 and rows == shipped.training_rows
    fresh_sha, fresh_rows = training_record(None, parts, flat)
    assert fresh_rows == {"writers": 1, "corpus_train": 0} and fresh_sha != shipped.training_data_sha256


def test_distillation_targets_join_the_training_record() -> None:
    # Weights fitted to a teacher's probabilities were trained on that file too: its units are counted and
    # a different file gives a different hash.
    from tools.training.train import training_record

    parts = {"writers": [Row("w-1", "A row.", (), False)]}
    flat = parts["writers"]
    texts = ["One unit.", "Two units."]
    probs = np.array([[0.1, 0.2, 0.3, 0.4], [0, 0, 0, 1]], dtype=np.float32)
    plain_sha, _ = training_record(None, parts, flat)
    sha, rows = training_record(None, parts, flat, (texts, probs))
    assert rows == {"writers": 1, "distil_units": 2} and sha != plain_sha
    assert training_record(None, parts, flat, (texts, probs))[0] == sha
    moved = probs.copy()
    moved[0, 3] = 0.5
    assert training_record(None, parts, flat, (texts, moved))[0] != sha


def test_distil_is_refused_where_nothing_is_fine_tuned(tmp_path, capsys) -> None:
    from tools.training.train import main

    targets = tmp_path / "teacher.jsonl"
    targets.write_text("", encoding="utf-8")
    for extra in (["--policy-only"], ["--top-layers", "0"]):
        with pytest.raises(SystemExit) as stop:
            main(["--distil", str(targets), "--out", str(tmp_path / "out"), *extra])
        assert stop.value.code == 2
        assert "--distil needs a fine-tuning run" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--distil", str(tmp_path / "absent.jsonl"), "--out", str(tmp_path / "out")])
    assert "no such file" in capsys.readouterr().err


def test_model_version_names_the_weights_and_changes_with_the_thresholds() -> None:
    from tools.training.train import model_version

    head = "f0e66f17" + "0" * 56
    base = Policy(dict.fromkeys(CATEGORIES, 0.75), calm_veto=0.1, heat_threshold=0.9)
    moved = Policy({**base.thresholds, Category.BLAME: 0.8}, calm_veto=0.1, heat_threshold=0.9)
    assert model_version(head, base).startswith("tone-head-") and "-f0e66f17-t" in model_version(head, base)
    assert model_version(head, base) == model_version(head, Policy(dict(base.thresholds), 0.1, 0.9))
    assert model_version(head, base) != model_version(head, moved)


def test_the_cap_is_the_replaced_models_held_rate_measured_on_this_dev_with_its_own_thresholds(nlp, tmp_path):
    # A release is compared with the weights it replaces on the same real calm text, so a change to that
    # text cannot move the cap. The same weights with a hold threshold of 0 must hold everything, and the
    # shipped thresholds none of these plain lines: the measurement uses the real model and its policy.
    shipped = REPO_ROOT / "models" / "tone-head"
    assert load_replaced(tmp_path / "none") is None
    calm = [Row(f"r{i}", text, (), False) for i, text in enumerate([
        "Your order left our warehouse this morning and should arrive on Thursday.",
        "Could you send me the invoice number so I can check the charge?",
        "Thanks for your patience while we looked into this.",
    ])]
    parsed = parse_rows(nlp, calm, 200)
    no_rules = [[] for _ in calm]
    assert held_rate(load_replaced(shipped), parsed, no_rules) == 0.0

    eager = tmp_path / "tone-head"
    shutil.copytree(shipped, eager)
    raw = json.loads((eager / MANIFEST).read_text(encoding="utf-8"))
    raw["thresholds"]["heated"], raw["heat_threshold"] = 0.0, 0.0
    thresholds = {Category(k): v for k, v in raw["thresholds"].items()}
    raw["version"] = model_version(raw["head_sha256"], Policy(thresholds, raw["calm_veto"], 0.0))
    (eager / MANIFEST).write_text(json.dumps(raw), encoding="utf-8")
    assert held_rate(load_replaced(eager), parsed, no_rules) == 1.0
