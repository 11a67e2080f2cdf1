"""Rule files: a typo fails when the rules load, naming the file and the exact line."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from tonecheck.detect.rules.detector import RuleDetector
from tonecheck.detect.rules.loader import load_rules
from tonecheck.errors import RuleFileError
from tonecheck.settings import Settings

GOOD = """\
rules:
  - id: blame.sample
    category: blame
    severity: high
    message: "Sample message."
    suggestions:
      - "Say it kindly."
    tokens:
      - [{LOWER: you}, {LOWER: failed}]
      - [{LOWER: your}, {LOWER: mistake}]
    regex:
      - "\\\\bclumsy\\\\b"
    examples:
      flag:
        - "You failed."
      pass:
        - "We failed."
"""


def _load(tmp_path: Path, text: str, name: str = "sample.yaml") -> list:
    """Load one rule file the way the engine does: validate, then compile the patterns."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    rules = load_rules([path])
    RuleDetector(rules, spacy.blank("en"))
    return rules


def _edit(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def test_rules_loader_sample_file_loads(tmp_path: Path) -> None:
    [(spec, file, line)] = _load(tmp_path, GOOD)
    assert (spec.id, file, line) == ("blame.sample", str(tmp_path / "sample.yaml"), 2)


TYPOS = [
    pytest.param(_edit("    tokens:", "    tokenz:"), 8, "tokenz", id="unknown-key"),
    pytest.param(_edit("    message:", "    mesage:"), 5, "mesage", id="unknown-key-misspelt-message"),
    pytest.param(
        _edit("  - id: blame.sample", "  - id: blame.sample\n    colour: red"),
        3,
        "colour",
        id="unknown-key-extra",
    ),
    pytest.param(_edit("category: blame", "category: blaming"), 3, "category", id="wrong-category"),
    pytest.param(_edit("severity: high", "severity: severe"), 4, "severity", id="wrong-severity"),
    pytest.param(
        _edit("id: blame.sample", "id: told_you_so.sample"),
        2,
        "must start with its category",
        id="id-category-mismatch",
    ),
    pytest.param(_edit("id: blame.sample", "id: Blame Sample"), 2, "id", id="bad-id-format"),
    pytest.param(_edit("{LOWER: mistake}", "{LOWR: mistake}"), 10, "LOWR", id="bad-token-attribute"),
    pytest.param(_edit("{LOWER: failed}", "{LOWER: failed, OP: '++'}"), 9, "OP", id="bad-token-operator"),
    pytest.param(_edit("{LOWER: mistake}", "{LOWER: {INN: [mistake]}}"), 10, "INN", id="bad-token-predicate"),
    pytest.param(_edit('"\\\\bclumsy\\\\b"', '"(unclosed"'), 12, "bad regex", id="bad-regex"),
    pytest.param(
        _edit('    message: "Sample message."', "    message: Note: be kind."),
        5,
        "mapping values are not allowed",
        id="yaml-colon-in-plain-value",
    ),
    pytest.param(_edit("    severity: high", "\tseverity: high"), 4, "indent YAML with spaces", id="yaml-tab-indent"),
    # An unclosed bracket is noticed where the next key starts: the line after the typo.
    pytest.param(
        _edit("      - [{LOWER: your}, {LOWER: mistake}]", "      - [{LOWER: your}, {LOWER: mistake}"),
        11,
        "expected ',' or ']'",
        id="yaml-unclosed-flow",
    ),
    pytest.param(
        _edit("    severity: high", "    severity: high\n     bad_indent: 1"),
        5,
        "",
        id="yaml-bad-indentation",
    ),
    pytest.param(
        _edit("    severity: high", "    severity: high\n    severity: low"),
        5,
        "duplicate key 'severity'",
        id="duplicate-key",
    ),
    pytest.param(
        _edit('    examples:\n      flag:\n        - "You failed."\n', "    examples:\n      flag: []\n"),
        14,
        "flag",
        id="no-flag-examples",
    ),
    pytest.param(
        _edit('    suggestions:\n      - "Say it kindly."\n', "    suggestions: []\n"),
        6,
        "suggestions",
        id="no-suggestions",
    ),
    pytest.param("rules: []\n", 1, "rules", id="no-rules"),
    pytest.param("", 1, "empty", id="empty-file"),
    pytest.param("rule:\n  - id: blame.x\n", 1, "rule", id="top-level-typo"),
]


@pytest.mark.parametrize(("text", "line", "reason"), TYPOS)
def test_rules_loader_typo_names_file_and_line(tmp_path: Path, text: str, line: int, reason: str) -> None:
    with pytest.raises(RuleFileError) as err:
        _load(tmp_path, text)
    assert err.value.source == str(tmp_path / "sample.yaml")
    assert err.value.line == line, str(err.value)
    assert reason in err.value.reason
    assert str(err.value).startswith(f"{tmp_path / 'sample.yaml'}:{line}: ")


def test_rules_loader_bad_dependency_pattern_names_its_line(tmp_path: Path) -> None:
    text = _edit(
        "    regex:",
        "    dependency:\n"
        "      - - {RIGHT_ID: verb, RIGHT_ATTRS: {LEMMA: fail}}\n"
        '        - {LEFT_ID: nowhere, REL_OP: ">", RIGHT_ID: subject, RIGHT_ATTRS: {LOWER: you}}\n'
        "    regex:",
    )
    with pytest.raises(RuleFileError) as err:
        _load(tmp_path, text)
    assert err.value.line == 12, str(err.value)
    assert "blame.sample" in err.value.reason


def test_rules_loader_duplicate_id_across_files_names_the_second(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("# another file\n" + GOOD, encoding="utf-8")
    with pytest.raises(RuleFileError) as err:
        load_rules([tmp_path])
    assert err.value.source == str(tmp_path / "b.yaml")
    assert err.value.line == 3
    assert "blame.sample" in err.value.reason and str(tmp_path / "a.yaml") in err.value.reason


def test_rules_loader_duplicate_id_in_one_file(tmp_path: Path) -> None:
    second = GOOD.split("rules:\n", 1)[1]
    with pytest.raises(RuleFileError) as err:
        _load(tmp_path, GOOD + second)
    assert err.value.line == 18
    assert "blame.sample" in err.value.reason


@pytest.mark.parametrize("word", ["no", "on", "off", "yes", "y", "n", "No", "ON"])
def test_rules_loader_yaml11_booleans_stay_words(tmp_path: Path, word: str) -> None:
    text = _edit("{LOWER: failed}", f"{{LOWER: {word}}}")
    [(spec, _, _)] = _load(tmp_path, text)
    assert spec.tokens[0][1] == {"LOWER": word}


@pytest.mark.parametrize(("value", "loaded"), [("true", True), ("false", False), ("True", True)])
def test_rules_loader_true_false_are_booleans(tmp_path: Path, value: str, loaded: bool) -> None:
    text = _edit("{LOWER: failed}", f"{{LOWER: failed, IS_SENT_START: {value}}}")
    [(spec, _, _)] = _load(tmp_path, text)
    assert spec.tokens[0][1]["IS_SENT_START"] is loaded


def test_rules_loader_reads_a_folder_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(GOOD.replace("blame.sample", "blame.second"), encoding="utf-8")
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a rule file", encoding="utf-8")
    assert [spec.id for spec, _, _ in load_rules([tmp_path])] == ["blame.sample", "blame.second"]


def test_rules_loader_shipped_rules_load_and_compile() -> None:
    rules = load_rules([Settings().rules_dir])
    RuleDetector(rules, spacy.blank("en"))
    assert len({spec.id for spec, _, _ in rules}) == len(rules)
    for spec, file, line in rules:
        # Each category's rules in its own file; rules that only clear the classifier together in clears.yaml.
        assert Path(file).name == ("clears.yaml" if spec.action == "clear" else f"{spec.category.value}.yaml")
        assert f"id: {spec.id}" in Path(file).read_text(encoding="utf-8").splitlines()[line - 1]


def test_rules_loader_clear_rule_needs_no_suggestions(tmp_path: Path) -> None:
    text = _edit('    suggestions:\n      - "Say it kindly."\n', "    action: clear\n")
    [spec] = [spec for spec, _, _ in _load(tmp_path, text)]
    assert spec.action == "clear" and spec.suggestions == []


def test_rules_loader_unknown_action_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError) as err:
        _load(tmp_path, _edit("    severity: high\n", "    severity: high\n    action: hide\n"))
    assert err.value.line == 5 and "action" in str(err.value)
