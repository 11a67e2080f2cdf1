"""Load `rules/*.yaml`, validating each file and naming the file and line of any mistake."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from spacy.matcher import DependencyMatcher, Matcher
from spacy.vocab import Vocab

from tonecheck.detect.rules.schema import RuleFile, RuleSpec
from tonecheck.errors import RuleFileError
from tonecheck.offsets import deepest_line

Located = tuple[Any, dict[tuple[Any, ...], int]]
_BOOL_TAG = "tag:yaml.org,2002:bool"


# libyaml's parser when PyYAML has it: the pure-Python one takes ~0.25 s of a cold start for these files.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """YAML 1.2 booleans: only true/false, so pattern words like `no`, `on` and `off` stay words."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _with_lines(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> Any:
    """Build plain Python from a YAML node, recording the 1-based line of every value by its path.

    A mapping's value is recorded at its key's line: a mistake in a key (or a missing key's parent) is shown there.
    """
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in out:
                raise RuleFileError("", key_node.start_mark.line + 1, f"duplicate key '{key}'")
            out[key] = _with_lines(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_with_lines(item, (*path, i), lines) for i, item in enumerate(node.value)]
    return yaml.constructor.SafeConstructor().construct_object(node)  # scalar, with YAML's own typing


def parse_yaml(text: str, source: str) -> Located:
    """Parse YAML text into Python values plus a path-to-line map."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = str(getattr(exc, "problem", exc))
        if "\\t" in problem or "tab character" in problem:  # the two parsers word it differently
            problem = "a tab character: indent YAML with spaces"
        raise RuleFileError(source, line, problem) from exc
    if node is None:
        raise RuleFileError(source, 1, "the file is empty")
    lines: dict[tuple[Any, ...], int] = {}
    try:
        return _with_lines(node, (), lines), lines
    except RuleFileError as exc:
        raise RuleFileError(source, exc.line, exc.reason) from exc


def validate_rule_file(data: Any, lines: dict[tuple[Any, ...], int], source: str) -> list[RuleSpec]:
    """Validate parsed YAML as a rule file; the first error is reported with its line."""
    try:
        return RuleFile.model_validate(data).rules
    except ValidationError as exc:
        # A misspelt key also makes the real key "missing"; the misspelling is the line to show.
        err = next((e for e in exc.errors() if e["type"] == "extra_forbidden"), exc.errors()[0])
        loc = tuple("pass" if part == "pass_" else part for part in err["loc"])
        where = ".".join(str(part) for part in loc)
        raise RuleFileError(source, deepest_line(lines, loc), f"{where}: {err['msg']}") from exc


_PATTERN_AT = re.compile(r"\[pattern -> (\d+)(?: -> (\w+))?")


def check_patterns(rules: list[RuleSpec], lines: dict[tuple[Any, ...], int], source: str) -> None:
    """Compile every pattern on its own, so a bad one is reported at its own line, not its rule's."""
    vocab = Vocab()
    for i, rule in enumerate(rules):
        for field in ("tokens", "unless", "dependency"):
            for j, pattern in enumerate(getattr(rule, field)):
                try:
                    if field == "dependency":
                        DependencyMatcher(vocab, validate=True).add(rule.id, [pattern])
                    else:
                        Matcher(vocab, validate=True).add(rule.id, [pattern])
                except (ValueError, KeyError, TypeError) as exc:
                    detail = [ln.strip("- ") for ln in str(exc).splitlines() if "->" in ln or ln.startswith("[E")]
                    at = _PATTERN_AT.search(detail[0]) if detail else None
                    loc: tuple[Any, ...] = ("rules", i, field, j)
                    if at:  # the token (or dependency edge) and attribute spaCy complained about
                        loc += (int(at[1]), *(("RIGHT_ATTRS",) if field == "dependency" else ()), at[2] or "")
                    reason = f"{rule.id}: bad {field} pattern: {'; '.join(detail) or exc}"
                    raise RuleFileError(source, deepest_line(lines, loc), reason) from exc
        for j, pattern in enumerate(rule.regex):
            try:
                re.compile(pattern)
            except re.error as exc:
                line = deepest_line(lines, ("rules", i, "regex", j))
                raise RuleFileError(source, line, f"{rule.id}: bad regex: {exc}") from exc


def load_rule_file(path: Path) -> tuple[list[RuleSpec], dict[str, int]]:
    """Rules in one file, with the line each rule starts on (for later pattern errors)."""
    data, lines = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    rules = validate_rule_file(data, lines, str(path))
    check_patterns(rules, lines, str(path))
    return rules, {rule.id: lines.get(("rules", i), 1) for i, rule in enumerate(rules)}


def load_rules(paths: list[Path]) -> list[tuple[RuleSpec, str, int]]:
    """Every rule from `paths` (files or folders of `*.yaml`), with its file and line; ids must be unique."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    out: list[tuple[RuleSpec, str, int]] = []
    seen: dict[str, str] = {}
    for file in files:
        rules, starts = load_rule_file(file)
        for rule in rules:
            if rule.id in seen:
                raise RuleFileError(str(file), starts[rule.id], f"rule id '{rule.id}' is also in {seen[rule.id]}")
            seen[rule.id] = str(file)
            out.append((rule, str(file), starts[rule.id]))
    return out
