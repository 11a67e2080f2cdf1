"""Sensitivity per category: strict flags more, relaxed less; from the API, the CLI and the config file."""

from __future__ import annotations

import pytest

from tonecheck.combine import Policy
from tonecheck.findings import CATEGORIES, Category, Sensitivity, parse_sensitivity


def test_sensitivity_parses_one_level_or_pairs():
    assert parse_sensitivity("strict") == dict.fromkeys(CATEGORIES, Sensitivity.STRICT)
    assert parse_sensitivity("heated=relaxed, blame=strict") == {
        Category.HEATED: Sensitivity.RELAXED, Category.BLAME: Sensitivity.STRICT}


@pytest.mark.parametrize(("spec", "message"), [
    ("loud", "not one of strict, default, relaxed"),
    ("angry=strict", "'angry' is not a category"),
    ("heated=maybe", "'maybe' for heated is not one of"),
])
def test_sensitivity_rejects_unknown_names_saying_what_is_allowed(spec: str, message: str):
    with pytest.raises(ValueError, match=message):
        parse_sensitivity(spec)


def test_policy_moves_only_the_named_categories_and_the_heat_threshold():
    base = Policy(thresholds=dict.fromkeys(CATEGORIES, 0.6), heat_threshold=0.6,
                  levels={Sensitivity.STRICT: {Category.HEATED: 0.3}, Sensitivity.RELAXED: {Category.BLAME: 0.9}})
    moved = base.at({Category.HEATED: Sensitivity.STRICT, Category.BLAME: Sensitivity.RELAXED})
    assert moved.thresholds[Category.HEATED] == 0.3
    assert moved.heat_threshold == 0.3
    assert moved.thresholds[Category.BLAME] == 0.9
    assert moved.thresholds[Category.DEFENSIVE] == 0.6
    assert base.at({Category.HEATED: Sensitivity.DEFAULT}) is base


def test_policy_falls_back_halfway_when_the_model_names_no_level():
    base = Policy(thresholds=dict.fromkeys(CATEGORIES, 0.6))
    assert base.level(Category.BLAME, Sensitivity.STRICT) == pytest.approx(0.3)
    assert base.level(Category.BLAME, Sensitivity.RELAXED) == pytest.approx(0.8)


def test_shipped_model_orders_its_levels(engine):
    levels = engine.policy.levels
    for c in CATEGORIES:
        assert levels[Sensitivity.STRICT][c] < engine.policy.thresholds[c] < levels[Sensitivity.RELAXED][c]


def test_config_file_sensitivity_reaches_the_engine(tmp_path, check_cli):
    (tmp_path / ".tonecheck.toml").write_text('[sensitivity]\nheated = "loud"\n', encoding="utf-8")
    (tmp_path / "a.txt").write_text("Thanks, the refund is on its way.\n", encoding="utf-8")
    code, _, err = check_cli(str(tmp_path / "a.txt"), cwd=tmp_path)
    assert code == 2
    assert ".tonecheck.toml:2: sensitivity: 'loud' for heated is not one of strict, default, relaxed" in err


def test_cli_rejects_a_bad_sensitivity_flag(check_cli, capsys):
    with pytest.raises(SystemExit) as exc:
        check_cli("--sensitivity", "loud", "README.md")
    assert exc.value.code == 2
    assert "not one of strict, default, relaxed" in capsys.readouterr().err
