"""The real calm gates `make eval` reports: which text each holds, and that no two overlap."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.evaluation.__main__ import (
    ENRON_COMPARED,
    ENRON_SAMPLE,
    enron_gates,
    gate_table,
    stanford_quarters,
    stanford_ranked,
    stanford_second_quarter,
    stanford_third_quarter,
)
from tools.training.data import SHARED_DIR, enron_eval_lines

pytestmark = pytest.mark.skipif(not (SHARED_DIR / "data").exists(), reason="needs ../shared/data")


def test_the_enron_gates_are_disjoint_held_out_samples_and_the_first_is_unchanged() -> None:
    held_out = enron_eval_lines(SHARED_DIR)
    gates = enron_gates(SHARED_DIR)
    first, second = gates["enron_p9_heldout"], gates["enron_p9_heldout_b"]
    # The original gate: every k-th held-out line, as every earlier figure measured it.
    assert first == held_out[:: len(held_out) // ENRON_SAMPLE][:ENRON_SAMPLE]
    assert not set(first) & set(second)
    # Lines that engine comparisons of one model read never judge a model.
    assert not set(held_out[:ENRON_COMPARED]) & set(second)
    assert set(second) <= set(held_out)
    assert 7_000 < len(second) < 9_000


def test_the_second_stanford_quarter_sits_between_the_median_and_the_top_quarter() -> None:
    top, bottom = stanford_quarters(SHARED_DIR)
    second = stanford_second_quarter(SHARED_DIR)
    assert not set(second) & (set(top) | set(bottom))
    assert len(second) > 2_700
    for rows in stanford_ranked(SHARED_DIR):
        rank = {t: i for i, t in enumerate(rows)}
        mine = [rank[t] for t in second if t in rank]
        assert mine and min(mine) >= len(rows) // 2 and max(mine) < len(rows) - len(rows) // 4


def test_the_third_enron_sample_is_the_rest_of_the_held_out_lines_between_the_second_samples() -> None:
    held_out = enron_eval_lines(SHARED_DIR)
    gates = enron_gates(SHARED_DIR)
    first, second, third = gates["enron_p9_heldout"], gates["enron_p9_heldout_b"], gates["enron_p9_heldout_c"]
    assert not set(third) & (set(first) | set(second))
    assert not set(held_out[:ENRON_COMPARED]) & set(third)
    assert set(third) <= set(held_out)
    # Together the three samples and the compared lines cover every held-out line.
    assert set(first) | set(second) | set(third) | set(held_out[:ENRON_COMPARED]) == set(held_out)
    assert abs(len(second) - len(third)) <= 1


def test_the_third_stanford_quarter_sits_between_the_bottom_quarter_and_the_median() -> None:
    top, bottom = stanford_quarters(SHARED_DIR)
    third = stanford_third_quarter(SHARED_DIR)
    assert not set(third) & (set(top) | set(bottom) | set(stanford_second_quarter(SHARED_DIR)))
    assert len(third) > 2_700
    for rows in stanford_ranked(SHARED_DIR):
        rank = {t: i for i, t in enumerate(rows)}
        mine = [rank[t] for t in third if t in rank]
        assert mine and min(mine) >= len(rows) // 4 and max(mine) < len(rows) - 2 * (len(rows) // 4)


def test_gate_table_counts_held_and_flagged_texts_and_judges_the_targets(engine) -> None:
    calm = ["Thanks, the refund went out today.", "See you at the Monday meeting."]
    hot = ["I SAID the refund is PROCESSED.", "Thanks, the refund went out today."]
    table = gate_table(engine, {"calm": calm, "hot": hot})
    assert table["calm"] == {"n": 2, "held": 0.0, "any_finding": 0.0, "held_n": 0, "any_n": 0, "meets_target": True}
    assert (table["hot"]["held_n"], table["hot"]["any_n"], table["hot"]["held"]) == (1, 1, 0.5)
    assert table["hot"]["meets_target"] is False


def test_a_development_run_never_writes_the_release_record(tmp_path: Path) -> None:
    """`make eval-dev` writes beside the repo's record; only a run that scored the blind set replaces it."""
    from tools.evaluation.__main__ import REPO_ROOT, results_path

    assert results_path(None, skip_blind=False) == REPO_ROOT / "models" / "eval-results.json"
    dev = results_path(None, skip_blind=True)
    assert dev != REPO_ROOT / "models" / "eval-results.json"
    assert dev.relative_to(REPO_ROOT).parts[0] == "eval-results"  # gitignored
    assert results_path(tmp_path / "x.json", skip_blind=True) == tmp_path / "x.json"
