"""The ways teams run the check in CI: the pre-commit hook manifest and the composite GitHub Action."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tonecheck.cli.globs import DEFAULT_INCLUDE
from tools import REPO_ROOT

ACTION = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
HOOKS = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
SCHEMA = REPO_ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json"


@pytest.mark.parametrize("hook", HOOKS, ids=[h["id"] for h in HOOKS])
def test_cli_pre_commit_hook_runs_the_check_on_template_files(hook: dict) -> None:
    assert {"id", "name", "entry", "language", "files"} <= set(hook)
    assert hook["entry"].startswith("tonecheck check") and hook["language"] == "python"
    assert hook["require_serial"] is True  # one model load, not one per batch of files
    files = re.compile(hook["files"])
    for glob in DEFAULT_INCLUDE:
        assert files.search("emails/welcome" + glob[1:]), glob
    assert not files.search("src/app.py")


def test_cli_pre_commit_model_packages_match_requirements() -> None:
    pinned = set(
        re.findall(r"^([a-z0-9-]+==[0-9.]+)", (REPO_ROOT / "requirements" / "models.txt").read_text(), re.M)
    )
    for hook in HOOKS:
        assert set(hook["additional_dependencies"]) <= pinned


def test_cli_action_inputs_and_sarif_upload() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "fail-on", "format", "upload-sarif"} <= set(ACTION["inputs"])
    uses = [step.get("uses", "") for step in ACTION["runs"]["steps"]]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    installs = [step["run"] for step in ACTION["runs"]["steps"] if "make" in step.get("run", "")]
    assert installs == ['make -C "$GITHUB_ACTION_PATH" install']


@pytest.mark.slow
def test_cli_action_check_step_writes_sarif_and_exit_code(tmp_path: Path) -> None:
    """The action's check step, run by bash as the runner would, against this checkout."""
    [step] = [s for s in ACTION["runs"]["steps"] if s.get("id") == "check"]
    outputs, sarif = tmp_path / "outputs", tmp_path / "tonecheck.sarif"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONECHECK_") and k != "GITHUB_ACTIONS"}
    env.update(step["env"])
    env.update(
        GITHUB_ACTION_PATH=str(Path(sys.executable).parent.parent.parent),
        GITHUB_OUTPUT=str(outputs),
        TC_PATHS="tests/fixtures/templates/flagged/heated.txt\ntests/fixtures/templates/clean",
        TC_FAIL_ON="hold",
        TC_FORMAT="github",
        TC_CONFIG="",
        TC_RULES_ONLY="true",
        TC_UPLOAD="true",
        TC_SARIF=str(sarif),
    )
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert outputs.read_text().splitlines() == [f"sarif-file={sarif}", "exit-code=1"]
    log = json.loads(sarif.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["heated.piled_punctuation"]
