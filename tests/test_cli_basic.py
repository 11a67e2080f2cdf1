"""`tonecheck check` basics from issue 2: files and stdin, exit codes 0/1/2, `--format json`.

CI formats, config discovery and suppressions are tested in tests/test_cli_*.py by their owner.
In-process runs use the rules-only engine with the session's spaCy pipeline (loading it per test is
slow); one subprocess run checks the installed console script end to end.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tonecheck.cli.main import main
from tonecheck.engine import Engine
from tonecheck.settings import get_settings
from tools import REPO_ROOT

CALM = "Hi Dana,\n\nThe replacement ships today; the tracking link is below.\n\nBest,\nSam\n"
REVIEW = "Hi Dana,\n\nAs I said in my last email, you failed to attach the form.\n"
HOLD = "Don't bother writing back!!!\n"
CALM_HTML = (
    '<p>The replacement ships today.</p><div class="gmail_quote">On Tue Dana wrote:'
    "<blockquote>You are USELESS!!!</blockquote></div>"
)
CALM_EML = (
    "From: Sam <sam@acme.example>\nTo: Dana <dana@example.com>\nSubject: Re: order\n"
    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
    "The replacement ships today.\n\n> You are USELESS!!!\n"
)


@pytest.fixture
def cli(rules_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """Run `tonecheck ARGS` in-process in an empty folder; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("TONECHECK_USE_CLASSIFIER", "false")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setattr("tonecheck.parse.load_pipeline", lambda name: rules_engine.nlp)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    get_settings.cache_clear()


def write(folder: Path, name: str, text: str) -> str:
    (folder / name).write_text(text, encoding="utf-8")
    return name


@pytest.mark.parametrize(
    ("files", "args", "code"),
    [
        pytest.param({"calm.txt": CALM}, [], 0, id="calm-file"),
        pytest.param({"review.txt": REVIEW}, [], 1, id="review-file"),
        pytest.param({"hold.txt": HOLD}, [], 1, id="hold-file"),
        pytest.param({"calm.txt": CALM, "review.txt": REVIEW}, [], 1, id="worst-file-decides"),
        pytest.param({"review.txt": REVIEW}, ["--fail-on", "hold"], 0, id="review-below-fail-on-hold"),
        pytest.param({"hold.txt": HOLD}, ["--fail-on", "hold"], 1, id="hold-at-fail-on-hold"),
        pytest.param({"hold.txt": HOLD}, ["--fail-on", "never"], 0, id="fail-on-never"),
        pytest.param({"reply.html": CALM_HTML}, [], 0, id="html-quote-ignored"),
        pytest.param({"reply.eml": CALM_EML}, [], 0, id="eml-quote-ignored"),
    ],
)
def test_cli_check_files_exit_codes(
    cli, tmp_path: Path, files: dict[str, str], args: list[str], code: int
) -> None:
    names = [write(tmp_path, name, text) for name, text in files.items()]
    got, out, err = cli("check", *names, *args)
    assert got == code, out + err


def test_cli_check_text_report_names_file_line_col(cli, tmp_path: Path) -> None:
    code, out, _ = cli("check", write(tmp_path, "review.txt", REVIEW))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("review.txt:3:1: told_you_so ")
    assert lines[1].startswith("review.txt:3:29: blame ")
    assert "(try: " in lines[0]


@pytest.mark.parametrize(
    ("stdin", "code", "verdict"),
    [
        pytest.param(CALM, 0, "send", id="calm"),
        pytest.param(REVIEW, 1, "review", id="review"),
        pytest.param(HOLD, 1, "hold", id="hold"),
    ],
)
def test_cli_check_stdin_json(cli, stdin: str, code: int, verdict: str) -> None:
    got, out, _ = cli("check", "-", "--format", "json", stdin=stdin)
    assert got == code
    doc = json.loads(out)
    [file] = doc["files"]
    assert file["verdict"] == verdict


def test_cli_check_json_findings(cli, tmp_path: Path) -> None:
    code, out, _ = cli("check", write(tmp_path, "review.txt", REVIEW), "--format", "json")
    assert code == 1
    [file] = json.loads(out)["files"]
    assert file["path"] == "review.txt"
    assert [(f["category"], f["line"], f["column"], f["text"]) for f in file["findings"]] == [
        ("told_you_so", 3, 1, "As I said in my last email"),
        ("blame", 3, 29, "you failed to attach the form"),
    ]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["check", "missing.txt"], id="missing-file"),
        pytest.param(["check"], id="no-path"),
        pytest.param(["check", "-", "--format", "yaml"], id="unknown-format"),
        pytest.param(["check", "-", "--fail-on", "sometimes"], id="unknown-fail-on"),
        pytest.param(["lint", "x.txt"], id="unknown-command"),
        pytest.param(["check", "bad.txt"], id="not-utf8"),
    ],
)
def test_cli_check_usage_and_input_errors_exit_2(cli, tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 \xff\xfe")
    code, _, err = cli(*args, stdin="")
    assert code == 2
    assert err.strip()


@pytest.mark.slow
def test_cli_console_script_exit_code_from_stdin() -> None:
    """The installed `tonecheck` script, as CI runs it: the exit code reaches the shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONECHECK_") and k != "GITHUB_ACTIONS"}
    env.update(TONECHECK_USE_CLASSIFIER="false", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    script = Path(sys.executable).parent / "tonecheck"
    done = subprocess.run(
        [str(script), "check", "-"],
        input=REVIEW,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "<stdin>:3:1: told_you_so" in done.stdout
