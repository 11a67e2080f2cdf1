"""Every rule's own examples, with the real spaCy pipeline: `flag` sentences must fire it, `pass` must not."""

from __future__ import annotations

import pytest

from tonecheck.cleanup import clean
from tonecheck.detect.rules.loader import load_rules, parse_yaml, validate_rule_file
from tonecheck.engine import Engine
from tonecheck.errors import RuleFileError
from tonecheck.findings import Finding
from tonecheck.parse import parse_many
from tonecheck.settings import Settings

RULES = load_rules([Settings().rules_dir])
CASES = [
    pytest.param(spec.id, kind, sentence, id=f"{spec.id}:{kind}:{sentence}")
    for spec, _, _ in RULES
    for kind, sentences in (("flag", spec.examples.flag), ("pass", spec.examples.pass_))
    for sentence in sentences
]


@pytest.fixture(scope="module")
def checked(rules_engine: Engine) -> dict[str, list[Finding]]:
    """Every rule's findings for every example sentence, from one batch through the real pipeline.

    `every_rule` is read rather than the engine's report so that a rule is credited with its example
    even where another rule of the same category flags the same words (the report shows those once).
    """
    sentences = sorted({sentence for _, _, sentence in (case.values for case in CASES)})
    parsed = parse_many(rules_engine.nlp, [clean(s) for s in sentences], rules_engine.max_sentences)
    return {s: rules_engine.rules.every_rule(p) for s, p in zip(sentences, parsed, strict=True)}


@pytest.mark.parametrize(("rule_id", "kind", "sentence"), CASES)
def test_rules_example(checked: dict[str, list[Finding]], rule_id: str, kind: str, sentence: str) -> None:
    fired = [f for f in checked[sentence] if f.rule_id == rule_id]
    if kind == "flag":
        assert fired, f"{rule_id} should flag: {sentence!r}; got {[f.rule_id for f in checked[sentence]]}"
        for f in fired:
            assert 0 <= f.start < f.end <= len(sentence)
            assert sentence[f.start : f.end].strip() == sentence[f.start : f.end]
    else:
        spans = [sentence[f.start : f.end] for f in fired]
        assert not fired, f"{rule_id} should let pass: {sentence!r}; it flagged {spans}"


def test_rules_every_rule_has_flag_and_pass_examples() -> None:
    assert RULES, "no rules were loaded"
    for spec, file, _ in RULES:
        assert spec.examples.flag, f"{file}: {spec.id} has no flag examples"
        assert spec.examples.pass_, f"{file}: {spec.id} has no pass examples"


def test_rules_every_category_is_covered() -> None:
    assert {spec.category.value for spec, _, _ in RULES} == {"told_you_so", "blame", "defensive", "heated"}


_RULE = """\
rules:
  - id: blame.sample
    category: blame
    severity: high
    message: "m"
    suggestions: ["s"]
    tokens:
      - [{LOWER: oops}]
    examples:
{examples}
"""


@pytest.mark.parametrize(
    ("examples", "line", "reason"),
    [
        pytest.param('      flag: []\n      pass: ["fine"]', 10, "flag", id="empty-flag"),
        pytest.param('      flag: ["oops"]\n      pass: []', 11, "pass", id="empty-pass"),
        pytest.param('      flag: ["oops"]', 9, "pass", id="missing-pass"),
        pytest.param('      pass: ["fine"]', 9, "flag", id="missing-flag"),
    ],
)
def test_rules_schema_requires_examples_of_both_kinds(examples: str, line: int, reason: str) -> None:
    text = _RULE.replace("{examples}", examples)
    data, lines = parse_yaml(text, "sample.yaml")
    with pytest.raises(RuleFileError) as err:
        validate_rule_file(data, lines, "sample.yaml")
    assert err.value.source == "sample.yaml"
    assert err.value.line == line
    assert reason in err.value.reason


def test_rules_schema_requires_an_examples_block() -> None:
    text = _RULE.replace("{examples}", "").replace("    examples:\n", "")
    data, lines = parse_yaml(text, "sample.yaml")
    with pytest.raises(RuleFileError, match="examples"):
        validate_rule_file(data, lines, "sample.yaml")
