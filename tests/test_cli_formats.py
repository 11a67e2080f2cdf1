"""`tonecheck check` over tests/fixtures/templates in every format: same findings, same exact places.

The fixture folder holds clean templates, flagged ones (Handlebars, Liquid, MJML, .eml, plain text),
every placeholder syntax, inline suppressions and a folder with its own .tonecheck.toml. Lines and
columns are 1-based code points in the file as written; end columns are exclusive (as in SARIF).
Runs use the session's rules-only engine, so the expected findings are the rules' alone.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import jsonschema
import pytest

from tonecheck.cli.formats.github import escape_data, escape_property
from tools import REPO_ROOT

FIXTURES = "tests/fixtures/templates"
SCHEMA = REPO_ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json"
T = FIXTURES + "/"

# (path, rule id, line, column, end line, end column) of every reported finding, in report order.
EXPECTED = [
    (T + "configured/notice.md", "defensive.kindly_revert", 7, 1, 7, 14),
    (T + "flagged/heated.txt", "heated.piled_punctuation", 3, 24, 3, 27),
    (T + "flagged/invoice.mjml", "blame.you_failed_to", 10, 77, 10, 115),
    (T + "flagged/outage.liquid", "defensive.not_our_fault", 7, 96, 7, 109),
    (T + "flagged/overdue.hbs", "blame.should_have", 6, 48, 6, 87),
    (T + "flagged/overdue.hbs", "told_you_so.per_my_last", 11, 4, 11, 21),
    (T + "flagged/refund.eml", "told_you_so.per_my_last", 13, 1, 13, 18),
    (T + "flagged/refund.eml", "blame.you_failed_to", 13, 47, 13, 85),
    (T + "placeholders/all-syntaxes.jinja", "blame.you_failed_to", 1, 108, 1, 129),
    (T + "placeholders/all-syntaxes.jinja", "blame.should_have", 2, 47, 2, 72),
    (T + "placeholders/all-syntaxes.jinja", "told_you_so.per_my_last", 3, 51, 3, 68),
    (T + "suppressions/legal.html", "told_you_so.per_my_last", 12, 4, 12, 21),
]
# Suppressed findings: still reported as suppressed, with the comment's reason.
SUPPRESSED = [
    (
        T + "suppressions/legal.html",
        "blame.you_failed_to",
        5,
        4,
        5,
        58,
        "quoted from the contract, legal asked us to keep it",
    ),
    (
        T + "suppressions/legal.html",
        "blame.should_have",
        8,
        4,
        8,
        49,
        "the customer asked for a blunt answer",
    ),
    (T + "suppressions/legal.html", "told_you_so.per_my_last", 10, 4, 10, 21, ""),
    (T + "suppressions/legal.html", "heated.piled_punctuation", 12, 43, 12, 46, ""),
]
FILES = 11
SUMMARY = (
    "tonecheck: 11 files checked (3 send, 7 review, 1 hold); 12 findings, 4 suppressed; "
    "failing (fail-on per config)"
)


@pytest.fixture(scope="module")
def report(check_cli):
    """The fixture folder's report in a format, run once per format for the module."""

    @cache
    def run(fmt: str) -> str:
        code, out, err = check_cli(FIXTURES, "--format", fmt)
        assert code == 1, err
        return out

    return run


def _props(raw: str) -> dict[str, str]:
    unescape = {"%2C": ",", "%3A": ":", "%0A": "\n", "%0D": "\r", "%25": "%"}
    out = {}
    for part in raw.split(","):
        key, _, value = part.partition("=")
        out[key] = re.sub("%2C|%3A|%0A|%0D|%25", lambda m: unescape[m[0]], value)
    return out


def parse_text(out: str) -> list[tuple]:
    rows = re.findall(r"^(.+?):(\d+):(\d+): \w+ (\S+) ", out, re.M)
    return [(p, r, int(ln), int(c)) for p, ln, c, r in rows]


def parse_github(out: str) -> list[tuple]:
    rows = []
    for _kind, props in re.findall(r"^::(warning|error) (.+?)::", out, re.M):
        p = _props(props)
        if "col" in p:
            rule = p["title"].split()[1]
            rows.append(
                (p["file"], rule, int(p["line"]), int(p["col"]), int(p["endLine"]), int(p["endColumn"]))
            )
    return rows


def parse_json(out: str) -> list[tuple]:
    doc = json.loads(out)
    return [
        (f["path"], i["rule_id"], i["line"], i["column"], i["end_line"], i["end_column"])
        for f in doc["files"]
        for i in f["findings"]
    ]


def parse_sarif(out: str) -> list[tuple]:
    rows = []
    for r in json.loads(out)["runs"][0]["results"]:
        if "suppressions" in r:
            continue
        loc = r["locations"][0]["physicalLocation"]
        reg = loc["region"]
        rows.append(
            (
                loc["artifactLocation"]["uri"],
                r["ruleId"],
                reg["startLine"],
                reg["startColumn"],
                reg["endLine"],
                reg["endColumn"],
            )
        )
    return rows


def parse_junit(out: str) -> list[tuple]:
    rows = []
    for case in ET.fromstring(out.split("\n", 1)[1]).iter("testcase"):
        if case.find("failure") is not None:
            rule, _, where = case.get("name").partition(" at ")
            line, col = where.split(":")
            rows.append((case.get("classname"), rule, int(line), int(col)))
    return rows


# Each format's parser, and how many fields of (path, rule, line, col, end line, end col) it carries.
PARSERS = {
    "text": (parse_text, 4),
    "github": (parse_github, 6),
    "json": (parse_json, 6),
    "sarif": (parse_sarif, 6),
    "junit": (parse_junit, 4),
}


@pytest.mark.parametrize("fmt", list(PARSERS))
def test_cli_format_reports_every_finding_at_its_place(report, fmt: str) -> None:
    parse, fields = PARSERS[fmt]
    assert parse(report(fmt)) == [row[:fields] for row in EXPECTED]


@pytest.mark.parametrize(("path", "rule", "line", "col", "end_line", "end_col"), EXPECTED)
def test_cli_place_points_at_the_flagged_words_in_the_file(
    report, path: str, rule: str, line: int, col: int, end_line: int, end_col: int
) -> None:
    doc = json.loads(report("json"))
    [item] = [
        i
        for f in doc["files"]
        if f["path"] == path
        for i in f["findings"]
        if (i["rule_id"], i["line"], i["column"]) == (rule, line, col)
    ]
    file_lines = (REPO_ROOT / path).read_text(encoding="utf-8").split("\n")
    assert line == end_line
    assert file_lines[line - 1][col - 1 : end_col - 1] == item["text"]


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_cli_summary_counts_files_verdicts_and_suppressed(report, fmt: str) -> None:
    assert report(fmt).rstrip("\n").splitlines()[-1] == SUMMARY


def test_cli_json_lists_suppressed_findings_with_reasons(report) -> None:
    doc = json.loads(report("json"))
    got = [
        (f["path"], i["rule_id"], i["line"], i["column"], i["end_line"], i["end_column"], i["reason"])
        for f in doc["files"]
        for i in f["suppressed"]
    ]
    assert got == SUPPRESSED
    assert doc["summary"] == {
        "files": FILES,
        "verdicts": {"send": 3, "review": 7, "hold": 1},
        "findings": len(EXPECTED),
        "suppressed": len(SUPPRESSED),
        "fail_on": "per config",
        "failed": True,
    }


@pytest.mark.parametrize(
    ("path", "verdict", "failed"),
    [
        (T + "clean/welcome.html", "send", False),
        (T + "clean/renewal.txt.j2", "send", False),
        (T + "clean/receipt.eml", "send", False),
        (T + "flagged/heated.txt", "hold", True),
        (T + "flagged/overdue.hbs", "review", True),
        (T + "configured/notice.md", "review", False),  # its config fails only on hold
        (T + "suppressions/legal.html", "review", True),
    ],
)
def test_cli_json_verdict_per_file(report, path: str, verdict: str, failed: bool) -> None:
    [file] = [f for f in json.loads(report("json"))["files"] if f["path"] == path]
    assert (file["verdict"], file["failed"]) == (verdict, failed)


def test_cli_sarif_is_valid_sarif_2_1_0(report) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    log = json.loads(report("sarif"))
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"] == "tonecheck" and driver["version"]
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("warning", "error") and result["message"]["text"]


def test_cli_sarif_marks_suppressed_results_in_source(report) -> None:
    results = json.loads(report("sarif"))["runs"][0]["results"]
    suppressed = [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"], r["suppressions"])
        for r in results
        if "suppressions" in r
    ]
    assert suppressed == [
        (rule, line, [{"kind": "inSource", **({"justification": reason} if reason else {})}])
        for _, rule, line, _, _, _, reason in SUPPRESSED
    ]


def test_cli_github_heated_finding_in_held_file_is_an_error(report) -> None:
    levels = {
        (p["file"], p["title"].split()[1]): kind
        for kind, raw in re.findall(r"^::(warning|error) (.+?)::", report("github"), re.M)
        for p in [_props(raw)]
    }
    assert levels[(T + "flagged/heated.txt", "heated.piled_punctuation")] == "error"
    assert {k for k, v in levels.items() if v == "error"} == {
        (T + "flagged/heated.txt", "heated.piled_punctuation")
    }


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("50% off", "50%25 off", "50%25 off"),
        ("a\nb\r", "a%0Ab%0D", "a%0Ab%0D"),
        ("file: a, b", "file: a, b", "file%3A a%2C b"),
    ],
)
def test_cli_github_escaping(raw: str, data: str, prop: str) -> None:
    assert (escape_data(raw), escape_property(raw)) == (data, prop)


def test_cli_junit_one_suite_per_file_one_case_per_finding(report) -> None:
    root = ET.fromstring(report("junit").split("\n", 1)[1])
    suites = root.findall("testsuite")
    assert len(suites) == FILES
    assert (root.get("failures"), root.get("skipped")) == (str(len(EXPECTED)), str(len(SUPPRESSED)))
    by_name = {s.get("name"): s for s in suites}
    legal = by_name[T + "suppressions/legal.html"]
    assert (legal.get("tests"), legal.get("failures"), legal.get("skipped")) == ("5", "1", "4")
    [clean_case] = by_name[T + "clean/welcome.html"].findall("testcase")
    assert clean_case.find("failure") is None and clean_case.get("name") == "verdict send"


@pytest.mark.parametrize(
    ("args", "github_actions", "starts_with"),
    [
        pytest.param([], True, "::", id="github-on-actions"),
        pytest.param([], False, T + "flagged/heated.txt:3:24: heated", id="text-elsewhere"),
        pytest.param(["--format", "text"], True, T + "flagged/heated.txt:3:24: heated", id="format-wins"),
    ],
)
def test_cli_format_chosen_by_github_actions(check_cli, args, github_actions: bool, starts_with: str) -> None:
    code, out, _ = check_cli(T + "flagged/heated.txt", *args, github_actions=github_actions)
    assert code == 1
    assert out.startswith(starts_with)


def test_cli_output_file_gets_the_report_and_stderr_the_summary(check_cli, tmp_path: Path) -> None:
    target = tmp_path / "tonecheck.sarif"
    code, out, err = check_cli(T + "flagged/heated.txt", "--format", "sarif", "-o", str(target))
    assert (code, out) == (1, "")
    assert (
        json.loads(target.read_text(encoding="utf-8"))["runs"][0]["results"][0]["ruleId"]
        == "heated.piled_punctuation"
    )
    assert err.startswith("tonecheck: 1 file checked (0 send, 0 review, 1 hold)")
