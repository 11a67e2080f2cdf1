"""`tonecheck check` config, discovery and gate: .tonecheck.toml / [tool.tonecheck], globs, exit codes.

Bad configs must exit 2 with the file and the line to fix; runs use the session's rules-only engine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tonecheck.cli.config import ConfigFinder, load_config
from tonecheck.cli.files import Walker
from tonecheck.cli.globs import matches
from tonecheck.engine import Tuning, build_engine
from tonecheck.errors import ConfigError, RuleFileError
from tonecheck.findings import Category
from tonecheck.settings import Settings
from tools import REPO_ROOT

T = "tests/fixtures/templates/"
REVIEW = "Hi Dana,\n\nPer my last email, the form goes to billing.\n"
HOLD = "Hi Dana,\n\nWe already refunded you!!!\n"
BLAME = "Hi Dana,\n\nYou failed to attach the form.\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def findings(out: str) -> list[tuple[str, str, int]]:
    return [(f["path"], i["rule_id"], i["line"]) for f in json.loads(out)["files"] for i in f["findings"]]


# --- exit codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paths", "args", "code"),
    [
        pytest.param([T + "clean"], [], 0, id="clean-folder"),
        pytest.param([T + "flagged/overdue.hbs"], [], 1, id="review-fails-by-default"),
        pytest.param([T + "flagged/overdue.hbs"], ["--fail-on", "hold"], 0, id="review-passes-fail-on-hold"),
        pytest.param([T + "flagged/heated.txt"], ["--fail-on", "hold"], 1, id="hold-fails-fail-on-hold"),
        pytest.param([T + "flagged"], ["--fail-on", "never"], 0, id="never-fails"),
        pytest.param([T + "configured"], [], 0, id="config-fail-on-hold"),
        pytest.param([T + "configured"], ["--fail-on", "review"], 1, id="command-line-beats-config"),
        pytest.param([T + "suppressions/legal.html", T + "clean"], [], 1, id="worst-file-decides"),
    ],
)
def test_cli_exit_code_follows_fail_on(check_cli, paths: list[str], args: list[str], code: int) -> None:
    got, out, err = check_cli(*paths, *args)
    assert got == code, out + err


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        pytest.param({}, ["missing/"], "missing/: no such file or folder; check the path", id="missing-path"),
        pytest.param({"empty/x.png": ""}, ["empty"], "no files to check under empty", id="nothing-to-check"),
        pytest.param(
            {"bad.txt": "caf\udce9"}, ["bad.txt"], "bad.txt: not valid UTF-8 (byte 3)", id="not-utf8"
        ),
        pytest.param(
            {"a.txt": REVIEW, "c.toml": "fail-on = 'sometimes'\n"},
            ["a.txt", "--config", "c.toml"],
            "c.toml:1: fail-on: Input should be 'review', 'hold' or 'never'",
            id="bad-config-value",
        ),
        pytest.param(
            {"a.html": "<!-- tonecheck: of -->\n<p>Hi</p>\n"},
            ["a.html"],
            "a.html:1: write `tonecheck: off` or `tonecheck: on`",
            id="bad-switch",
        ),
        pytest.param(
            {"a.txt": "{# tonecheck-disable-next-line blame.nope #}\nHi\n"},
            ["a.txt"],
            "a.txt:1: unknown rule or category 'blame.nope' in tonecheck-disable-next-line",
            id="unknown-suppressed-rule",
        ),
        pytest.param(
            {"a.eml": "Subject: x\nContent-Type: image/png\n\nxx\n"},
            ["a.eml"],
            "a.eml: the message has no text/plain or text/html part",
            id="eml-without-text",
        ),
    ],
)
def test_cli_input_errors_exit_2_saying_what_to_fix(
    check_cli, tmp_path: Path, files: dict[str, str], args: list[str], message: str
) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    code, out, err = check_cli(*args, cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err.startswith("tonecheck: ") and message in err, err


def test_cli_everything_excluded_is_not_an_error(check_cli, tmp_path: Path) -> None:
    write(tmp_path, {"vendor/a.txt": REVIEW})
    code, _, err = check_cli("vendor/a.txt", "--exclude", "vendor", cwd=tmp_path)
    assert code == 0 and "excluded; nothing to check" in err


# --- bad config: exit 2 naming the file and line -----------------------------------------------

RULE = """
[[rules]]
id = "defensive.kindly_revert"
category = "defensive"
severity = "medium"
message = "Stiff."
suggestions = ["Let me know."]
phrases = ["kindly revert"]
examples = { flag = ["Kindly revert."], pass = ["Let me know."] }
"""


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        pytest.param(
            ".tonecheck.toml",
            "fail-on = 'hold'\n\ncolour = 'blue'\n",
            3,
            "unknown key 'colour'; known keys: disable, exclude, fail-on,",
            id="unknown-key",
        ),
        pytest.param(
            ".tonecheck.toml",
            "[thresholds]\nheated = 0.5\nrude = 0.2\n",
            3,
            "thresholds.rude",
            id="unknown-category",
        ),
        pytest.param(
            ".tonecheck.toml",
            "[thresholds]\nheated = 1.5\n",
            2,
            "thresholds.heated: Input should be less than or equal to 1",
            id="threshold-range",
        ),
        pytest.param(
            ".tonecheck.toml",
            "hold-minutes = 0\n",
            1,
            "hold-minutes: Input should be greater",
            id="hold-minutes",
        ),
        pytest.param(
            ".tonecheck.toml",
            "disable = [\n  'heated',\n  'blame.typo',\n]\n",
            3,
            "unknown rule or category 'blame.typo' in disable",
            id="unknown-disabled-rule",
        ),
        pytest.param(
            ".tonecheck.toml",
            RULE + "colour = 'red'\n",
            10,
            "unknown key 'rules.0.colour'; known keys: action, builtin,",
            id="unknown-rule-key",
        ),
        pytest.param(
            ".tonecheck.toml",
            RULE + RULE.replace("kindly_revert", "x").replace('category = "defensive"', 'category = "rude"'),
            13,
            "rules.1.category",
            id="second-rule-bad-category",
        ),
        pytest.param(
            ".tonecheck.toml",
            RULE.replace('phrases = ["kindly revert"]\n', ""),
            2,
            "a rule needs at least one of tokens, phrases",
            id="rule-without-pattern",
        ),
        pytest.param(
            ".tonecheck.toml",
            RULE.replace("kindly_revert", "not_our_fault"),
            2,
            "rule id 'defensive.not_our_fault' is also in",
            id="rule-id-taken",
        ),
        pytest.param(".tonecheck.toml", "fail-on = \n", 1, "not valid TOML", id="toml-syntax"),
        pytest.param(
            "pyproject.toml",
            "[project]\nname = 'x'\n\n[tool.tonecheck]\nfail-on = 'hold'\nexclud = []\n",
            6,
            "unknown key 'exclud'",
            id="pyproject-unknown-key",
        ),
        pytest.param(
            "pyproject.toml",
            "[tool.tonecheck.thresholds]\nblame = 'high'\n",
            2,
            "thresholds.blame: Input should be a valid number",
            id="pyproject-subtable",
        ),
    ],
)
def test_cli_bad_config_exits_2_with_file_and_line(
    check_cli, tmp_path: Path, name: str, text: str, line: int, message: str
) -> None:
    write(tmp_path, {name: text, "mail.txt": REVIEW})
    code, out, err = check_cli("mail.txt", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err.startswith(f"tonecheck: {tmp_path / name}:{line}: "), err
    assert message in err, err


def test_cli_config_rule_with_bad_pattern_names_its_line(tmp_path: Path, rules_engine) -> None:
    bad = RULE.replace('phrases = ["kindly revert"]', 'tokens = [[{LOWER = "x", OP = "%"}]]')
    config = load_config(write(tmp_path, {".tonecheck.toml": "fail-on = 'hold'\n" + bad}) / ".tonecheck.toml")
    with pytest.raises(RuleFileError) as err:
        build_engine(Settings(use_classifier=False), config.tuning, shared=rules_engine)
    assert (err.value.source, err.value.line) == (str(tmp_path / ".tonecheck.toml"), 3)


# --- what a config changes -----------------------------------------------------------------------


def test_cli_config_disables_adds_rules_and_fails_on_hold(check_cli) -> None:
    code, out, _ = check_cli(T + "configured", "--format", "json")
    assert code == 0
    # "You should have received ..." would be blame.should_have, which the config disables.
    assert findings(out) == [(T + "configured/notice.md", "defensive.kindly_revert", 7)]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param(
            "", ["blame.you_failed_to", "heated.piled_punctuation", "told_you_so.per_my_last"], id="none"
        ),
        pytest.param(
            "disable = ['heated']\n", ["blame.you_failed_to", "told_you_so.per_my_last"], id="category"
        ),
        pytest.param(
            "disable = ['blame.you_failed_to', 'told_you_so']\n",
            ["heated.piled_punctuation"],
            id="rule-and-category",
        ),
    ],
)
def test_cli_config_disable_applies_to_findings(
    check_cli, tmp_path: Path, config: str, expected: list[str]
) -> None:
    write(tmp_path, {".tonecheck.toml": config, "a.txt": REVIEW, "b.txt": HOLD, "c.txt": BLAME})
    _, out, _ = check_cli(".", "--format", "json", cwd=tmp_path)
    assert sorted(rule for _, rule, _ in findings(out)) == expected


def test_cli_closest_config_wins_and_config_flag_overrides(check_cli, tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".tonecheck.toml": "disable = ['heated']\n",
            "team/pyproject.toml": "[tool.tonecheck]\ndisable = ['told_you_so']\n",
            "a.txt": REVIEW + HOLD,
            "team/a.txt": REVIEW + HOLD,
            "team/deep/a.txt": REVIEW + HOLD,
        },
    )
    _, out, _ = check_cli(".", "--format", "json", cwd=tmp_path)
    assert findings(out) == [
        ("a.txt", "told_you_so.per_my_last", 3),
        ("team/a.txt", "heated.piled_punctuation", 6),
        ("team/deep/a.txt", "heated.piled_punctuation", 6),
    ]
    _, out, _ = check_cli(".", "--format", "json", "--config", ".tonecheck.toml", cwd=tmp_path)
    assert {rule for _, rule, _ in findings(out)} == {"told_you_so.per_my_last"}


def test_cli_config_tuning_reaches_the_engine(tmp_path: Path, rules_engine) -> None:
    text = "disable = ['defensive']\nhold-minutes = 45\n[thresholds]\nheated = 0.7\n" + RULE.replace(
        'category = "defensive"', 'category = "blame"'
    ).replace("defensive.kindly", "blame.kindly")
    config = load_config(write(tmp_path, {".tonecheck.toml": text}) / ".tonecheck.toml")
    assert config.tuning.thresholds == ((Category.HEATED, 0.7),)
    eng = build_engine(Settings(use_classifier=False), config.tuning, shared=rules_engine)
    assert eng.nlp is rules_engine.nlp
    assert (eng.hold_minutes, eng.policy.thresholds[Category.HEATED]) == (45, 0.7)
    assert "blame.kindly_revert" in eng.rules.rules
    assert not any(r.startswith("defensive.") for r in eng.rules.rules)
    assert eng.disabled == frozenset({Category.DEFENSIVE})
    report = eng.check("Kindly revert by Friday. We did nothing wrong!!!")
    assert [f.rule_id for f in report.findings] == ["blame.kindly_revert", "heated.piled_punctuation"]
    assert report.hold is not None and report.hold.minutes == 45


def test_cli_default_tuning_changes_nothing() -> None:
    assert Tuning() == Tuning(frozenset(), (), (), None)


# --- discovery -----------------------------------------------------------------------------------


def discover(root: Path, paths: list[str], include=(), exclude=()) -> list[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        found = Walker(ConfigFinder(), list(include), list(exclude), root).discover(paths)
    return [c.shown for c in found.files]


TREE = {
    "emails/welcome.html": "",
    "emails/welcome.html.j2": "",
    "emails/notes.TXT": "",
    "emails/logo.png": "",
    "emails/legacy/old.txt": "",
    "emails/reply.eml": "",
    "node_modules/pkg/readme.md": "",
    ".git/HEAD.txt": "",
    "src/app.py": "",
    "docs/guide.md": "",
    "emails/x.mjml": "",
    "emails/y.liquid": "",
}


@pytest.mark.parametrize(
    ("paths", "include", "exclude", "expected"),
    [
        pytest.param(
            ["."],
            [],
            [],
            [
                "docs/guide.md",
                "emails/reply.eml",
                "emails/welcome.html",
                "emails/welcome.html.j2",
                "emails/x.mjml",
                "emails/y.liquid",
                "emails/legacy/old.txt",
            ],
            id="defaults",
        ),
        pytest.param(
            ["emails"], ["*.eml", "*.mjml"], [], ["emails/reply.eml", "emails/x.mjml"], id="include"
        ),
        pytest.param(
            ["."],
            [],
            ["emails/legacy", "docs/**"],
            [
                "emails/reply.eml",
                "emails/welcome.html",
                "emails/welcome.html.j2",
                "emails/x.mjml",
                "emails/y.liquid",
            ],
            id="exclude",
        ),
        pytest.param(
            ["emails/logo.png", "src/app.py"],
            [],
            [],
            ["emails/logo.png", "src/app.py"],
            id="named-files-any-extension",
        ),
        pytest.param(
            ["emails/welcome.html", "emails", "emails/welcome.html"],
            [],
            ["*.j2", "*.liquid", "*.eml", "*.mjml", "legacy"],
            ["emails/welcome.html"],
            id="no-duplicates",
        ),
    ],
)
def test_cli_discovery_globs(tmp_path: Path, paths, include, exclude, expected: list[str]) -> None:
    write(tmp_path, TREE)
    assert discover(tmp_path, paths, include, exclude) == expected


def test_cli_discovery_config_globs_are_relative_to_the_config(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "team/.tonecheck.toml": "include = ['*.txt']\nexclude = ['drafts/**']\n",
            "team/a.txt": "",
            "team/b.html": "",
            "team/drafts/c.txt": "",
            "other/drafts/d.txt": "",
        },
    )
    assert discover(tmp_path, ["."]) == ["other/drafts/d.txt", "team/a.txt"]


GLOB_TREE = {
    "emails/a1.txt": "",
    "emails/b2.txt": "",
    "emails/c3.txt": "",
    "emails/draft.txt": "",
    "emails/old/a4.txt": "",
}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param(
            "include = ['emails/[ab]*.txt']\n",
            ["emails/a1.txt", "emails/b2.txt"],
            id="include-character-class",
        ),
        pytest.param(
            "exclude = ['emails/[ab]*.txt']\n",
            ["emails/c3.txt", "emails/draft.txt", "emails/old/a4.txt"],
            id="exclude-character-class",
        ),
        pytest.param(
            "include = ['*.txt', '!emails/draft.txt']\n",
            ["emails/a1.txt", "emails/b2.txt", "emails/c3.txt", "emails/old/a4.txt"],
            id="include-negation",
        ),
        pytest.param(
            "exclude = ['emails/**', '!emails/draft.txt']\n",
            ["emails/draft.txt"],
            id="exclude-negation",
        ),
        pytest.param(
            "exclude = ['*.txt', '!emails/[ab]*.txt', 'old/']\n",
            ["emails/a1.txt", "emails/b2.txt"],
            id="exclude-negated-class-and-folder",
        ),
    ],
)
def test_cli_discovery_config_globs_gitignore_semantics(tmp_path: Path, config: str, expected: list[str]) -> None:
    write(tmp_path, {**GLOB_TREE, ".tonecheck.toml": config})
    assert discover(tmp_path, ["."]) == expected


def test_cli_discovery_negation_cannot_reinclude_from_an_excluded_folder(tmp_path: Path) -> None:
    # As in .gitignore: a folder that is excluded is not walked, so nothing under it comes back.
    write(tmp_path, {**GLOB_TREE, ".tonecheck.toml": "exclude = ['emails/', '!emails/draft.txt']\n"})
    assert discover(tmp_path, ["."]) == []


@pytest.mark.parametrize(
    ("path", "pattern", "hit"),
    [
        ("a/b/c.html", "*.html", True),
        ("a/b/c.html", "b", True),
        ("a/b/c.html", "a/*.html", False),
        ("a/b/c.html", "a/**/*.html", True),
        ("a/c.html", "a/**/*.html", True),
        ("a/b/c.html", "a/b/", True),
        ("a/b/c.html", "/a/b/**", True),
        ("ab/c.html", "a", False),
        ("a/b/c.htm", "*.html", False),
        ("a/b/c.html", "?/b/c.*", True),
        ("emails/a1.txt", "emails/[ab]*.txt", True),
        ("emails/c1.txt", "emails/[ab]*.txt", False),
        ("emails/c1.txt", "emails/[!ab]*.txt", True),
        ("a/b", "a/b/", False),  # a pattern ending in `/` matches only folders
    ],
)
def test_cli_glob_matches(path: str, pattern: str, hit: bool) -> None:
    from pathlib import PurePosixPath

    assert matches(PurePosixPath(path), [pattern]) is hit


@pytest.mark.parametrize(
    ("path", "patterns", "folder", "hit"),
    [
        ("emails/draft.txt", ["emails/*.txt", "!emails/draft.txt"], False, False),
        ("emails/a1.txt", ["emails/*.txt", "!emails/draft.txt"], False, True),
        ("emails/draft.txt", ["!emails/draft.txt", "emails/*.txt"], False, True),  # the last match decides
        ("a/b", ["a/b/"], True, True),
        ("docs", ["docs/**"], True, False),  # only what is inside: the folder is walked, so `!` can apply
    ],
)
def test_cli_glob_matches_lists(path: str, patterns: list[str], folder: bool, hit: bool) -> None:
    from pathlib import PurePosixPath

    assert matches(PurePosixPath(path), patterns, folder) is hit


def test_cli_config_finder_ignores_pyproject_without_section(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.ruff]\nline-length = 100\n", "a/.keep": ""})
    assert ConfigFinder().for_dir(tmp_path / "a").path != tmp_path / "pyproject.toml"


def test_cli_config_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, {"c.toml": "[[rules]]\nid = 'blame.x'\n"}) / "c.toml"
    with pytest.raises(ConfigError, match=rf"^{path}:1: rules.0.category: Field required"):
        load_config(path)


def test_cli_repo_has_no_tonecheck_config_above_fixtures() -> None:
    # The fixture tests rely on only tests/fixtures/templates/configured having a config.
    assert ConfigFinder().for_dir(REPO_ROOT / "tests" / "fixtures" / "templates" / "flagged").path is None


@pytest.mark.parametrize(
    ("encoding", "body", "line", "exact"),
    [
        pytest.param("7bit", "Hi Lee,\n\nPer my last email, the form goes to billing.\n", 10, True, id="7bit"),
        pytest.param(
            "quoted-printable",
            "Hi Lee,\n\nPer my last email, the form goes to=\n billing, caf=C3=A9.\n",
            10,
            False,
            id="quoted-printable",
        ),
    ],
)
def test_cli_eml_lines_point_into_the_file(
    check_cli, tmp_path: Path, encoding: str, body: str, line: int, exact: bool
) -> None:
    eml = (
        f"From: a@example.com\nTo: b@example.com\nSubject: x\nMIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: {encoding}\n\n{body}"
    )
    write(tmp_path, {"m.eml": eml})
    _, out, _ = check_cli("m.eml", "--format", "json", cwd=tmp_path)
    [file] = json.loads(out)["files"]
    assert [(i["rule_id"], i["line"], i["column"]) for i in file["findings"]] == [
        ("told_you_so.per_my_last", line, 1)
    ]
    assert file["exact_lines"] is exact
    _, text, _ = check_cli("m.eml", cwd=tmp_path)
    assert ("line numbers are approximate" in text) is not exact
