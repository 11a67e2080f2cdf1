"""`tonecheck check` as CI runs it: the console script in a subprocess, default settings, progress bar."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import jsonschema
import pytest
from model_required import require_model

from tools import REPO_ROOT

SCRIPT = os.path.join(os.path.dirname(sys.executable), "tonecheck")
T = "tests/fixtures/templates/"
SCHEMA = REPO_ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json"
# High-severity rule findings in the fixtures: the classifier never vetoes these, so they hold with it.
HIGH = [
    (T + "flagged/heated.txt", "heated.piled_punctuation", 3, 24, 3, 27),
    (T + "flagged/invoice.mjml", "blame.you_failed_to", 10, 77, 10, 115),
    (T + "flagged/overdue.hbs", "blame.should_have", 6, 48, 6, 87),
    (T + "flagged/overdue.hbs", "told_you_so.per_my_last", 11, 4, 11, 21),
    (T + "flagged/refund.eml", "told_you_so.per_my_last", 13, 1, 13, 18),
    (T + "flagged/refund.eml", "blame.you_failed_to", 13, 47, 13, 85),
    (T + "placeholders/all-syntaxes.jinja", "told_you_so.per_my_last", 3, 51, 3, 68),
]


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed console script from the repo root, with a clean environment plus `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TONECHECK_") and k != "GITHUB_ACTIONS"}
    base.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", **env)
    return subprocess.run(
        [SCRIPT, "check", *args], capture_output=True, text=True, env=base, cwd=REPO_ROOT, timeout=300
    )


@pytest.mark.slow
def test_cli_e2e_console_script_annotates_on_github_actions() -> None:
    done = run(T + "flagged/heated.txt", T + "clean", GITHUB_ACTIONS="true", TONECHECK_USE_CLASSIFIER="false")
    assert done.returncode == 1, done.stderr
    first, *_, last = done.stdout.splitlines()
    assert first.startswith(
        "::error file=tests/fixtures/templates/flagged/heated.txt,line=3,endLine=3,col=24,endColumn=27,"
        "title=tonecheck heated.piled_punctuation (heated)::“!!!”: "
    )
    assert last.startswith("tonecheck: 4 files checked (3 send, 0 review, 1 hold)")
    assert done.stderr == ""  # no progress bar when stderr is not a terminal


@pytest.mark.slow
def test_cli_e2e_default_settings(tmp_path) -> None:
    """The fixture folder with the default settings: the classifier runs once models/tone-head exists."""
    require_model()
    sarif = tmp_path / "tonecheck.sarif"
    done = run(T.rstrip("/"), "--format", "sarif", "-o", str(sarif))
    assert done.returncode == 1, done.stderr
    log = json.loads(sarif.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(log)
    assert log["runs"][0]["tool"]["driver"]["properties"]["modelVersion"]
    places = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["ruleId"],
            *(
                r["locations"][0]["physicalLocation"]["region"][k]
                for k in ("startLine", "startColumn", "endLine", "endColumn")
            ),
        )
        for r in log["runs"][0]["results"]
        if "suppressions" not in r
    }
    assert set(HIGH) <= places


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, as a developer's shell is."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "files", "shown"),
    [
        pytest.param(_Terminal, [T.rstrip("/")], True, id="terminal-many-files"),
        pytest.param(_Terminal, [T + "flagged/heated.txt"], False, id="terminal-one-file"),
        pytest.param(io.StringIO, [T.rstrip("/")], False, id="piped"),
    ],
)
def test_cli_progress_bar_only_on_a_terminal(rules_engine, stream, files: list[str], shown: bool) -> None:
    from tonecheck.cli.check import check_command
    from tonecheck.cli.main import build_parser
    from tonecheck.settings import Settings

    err = stream()
    args = build_parser().parse_args(["check", *files, "--format", "json"])
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO_ROOT)
        check_command(
            args, Settings(use_classifier=False, GITHUB_ACTIONS=False), io.StringIO(), err, rules_engine
        )
    assert ("/11 [" in err.getvalue()) is shown


def test_cli_parallel_workers_report_the_same(rules_engine) -> None:
    from tonecheck.cli.batches import run_batches
    from tonecheck.cli.config import ConfigFinder
    from tonecheck.cli.files import Walker
    from tonecheck.cli.sources import read_source
    from tonecheck.engine import build_engine
    from tonecheck.settings import Settings

    found = Walker(ConfigFinder(), [], [], REPO_ROOT).discover([str(REPO_ROOT / T)])
    sources = [read_source(c) for c in found.files]
    engines = {c.config.path: rules_engine for c in found.files}
    configured = next(c.config for c in found.files if c.config.path)
    engines[configured.path] = build_engine(
        Settings(use_classifier=False), configured.tuning, shared=rules_engine
    )
    progress: list[int] = []
    serial = run_batches(sources, engines, 1, lambda n: None, size=3)
    forked = run_batches(sources, engines, 2, progress.append, size=3)
    assert [(r.verdict, r.findings, r.suppressed) for r in forked] == [
        (r.verdict, r.findings, r.suppressed) for r in serial
    ]
    assert sum(progress) == len(sources) == 11 and len(progress) > 2


def test_cli_batches_go_longest_first_within_each_config() -> None:
    from types import SimpleNamespace

    from tonecheck.cli.batches import chunks

    def source(config: str, chars: int) -> SimpleNamespace:
        return SimpleNamespace(candidate=SimpleNamespace(config=SimpleNamespace(path=config)),
                               email=SimpleNamespace(text="x" * chars))

    sizes = [("a", 10), ("a", 500), ("b", 40), ("a", 30), ("a", 20), ("b", 900), ("a", 25)]
    sources = [source(c, n) for c, n in sizes]
    work = chunks(sources, size=2, chars=1_000)
    assert work == [("b", [5, 2]), ("a", [1, 3]), ("a", [6, 4]), ("a", [0])]
    # a batch closes at the character cap too: the 900-character file goes alone
    assert chunks(sources, size=2, chars=800)[0] == ("b", [5])
    assert sorted(i for _, idx in work for i in idx) == list(range(len(sources)))


@pytest.mark.parametrize(
    ("files", "cores", "idle", "jobs"),
    [
        pytest.param(500, 2, 2.0, 2, id="large-run-idle"),
        pytest.param(500, 2, 0.5, 1, id="busy-machine"),
        pytest.param(128, 2, 2.0, 2, id="at-the-threshold"),
        pytest.param(127, 2, 2.0, 1, id="few-files"),
        pytest.param(500, 1, 1.0, 1, id="one-core"),
    ],
)
def test_cli_auto_jobs(monkeypatch, files: int, cores: int, idle: float, jobs: int) -> None:
    from tonecheck.cli import batches

    monkeypatch.setattr(batches, "cores", lambda: cores)
    monkeypatch.setattr(batches, "_idle_cores", lambda: idle)
    assert batches.auto_jobs(files) == jobs


def test_idle_share_reads_proc_stat_deltas() -> None:
    from tonecheck.cli.batches import idle_share

    # user nice system idle iowait irq softirq steal guest guest_nice, summed over CPUs
    before = "cpu  1000 0 500 8000 100 0 0 0 0 0\ncpu0 500 0 250 4000 50 0 0 0 0 0\n"
    busy = "cpu  1150 0 550 8050 100 0 0 0 40 0\n"  # 200 busy, 50 idle jiffies (guest time is already in user)
    quiet = "cpu  1010 0 510 8180 100 0 0 0 0 0\n"  # 20 busy, 180 idle
    assert idle_share(before, busy) == pytest.approx(0.2)
    assert idle_share(before, quiet) == pytest.approx(0.9)
    assert idle_share(before, before) == 1.0


def test_idle_cores_samples_this_machine() -> None:
    from tonecheck.cli import batches

    idle = batches._idle_cores(window=0.05)
    assert 0.0 <= idle <= batches.cores()
