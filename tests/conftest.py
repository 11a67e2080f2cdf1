"""Shared fixtures: the real spaCy pipeline and engine load once per test session."""

from __future__ import annotations

import pytest
from model_required import require_model

from tonecheck.engine import Engine, build_engine
from tonecheck.parse import load_pipeline
from tonecheck.settings import Settings
from tools import REPO_ROOT


@pytest.fixture(scope="session")
def nlp():
    """The real spaCy pipeline, as the engine loads it."""
    return load_pipeline(Settings().spacy_model)


@pytest.fixture(scope="session")
def rules_engine() -> Engine:
    """An engine with the real spaCy pipeline and rules, without the classifier (rules-only behaviour)."""
    return build_engine(Settings(use_classifier=False))


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The full engine as the service builds it: real spaCy pipeline, rules and trained classifier."""
    require_model()
    return build_engine(Settings())


@pytest.fixture(scope="session")
def check_cli(rules_engine: Engine):
    """Run `tonecheck check ARGS` in-process on the session's rules-only engine: (exit code, stdout, stderr).

    `cwd` is the folder paths are shown relative to (the repo root by default); `github_actions`
    stands for the GITHUB_ACTIONS variable. Errors map to exit 2 exactly as the console script does.
    """
    import io

    from tonecheck.cli.check import check_command
    from tonecheck.cli.main import build_parser

    def run(*args: str, cwd=REPO_ROOT, github_actions: bool = False) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        parsed = build_parser().parse_args(["check", *args])
        settings = Settings(use_classifier=False, GITHUB_ACTIONS=github_actions)
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(cwd)
            code = check_command(parsed, settings, out, err, base=rules_engine)
        return code, out.getvalue(), err.getvalue()

    return run


@pytest.fixture(scope="session")
def email_sentences(engine: Engine) -> list[list[str]]:
    """Each benchmark email's and 150 dev emails' judged sentences, as the classifier embeds them."""
    import json

    from tonecheck.detect.classifier.detector import judged_texts
    from tonecheck.engine import EmailInput

    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO_ROOT / "tools/benchmark/emails").glob("*.txt"))]
    with (REPO_ROOT / "models" / "data" / "dev.jsonl").open(encoding="utf-8") as fh:
        texts += [json.loads(line)["text"] for line in fh][:150]
    return [judged_texts(engine._parse([EmailInput(t)])) for t in texts]
