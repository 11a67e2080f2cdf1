"""Project config for `tonecheck check`: `.tonecheck.toml` or `[tool.tonecheck]`, the closest one winning."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tonecheck.cli.tomlines import toml_line
from tonecheck.detect.rules.loader import load_rules
from tonecheck.detect.rules.schema import RuleSpec
from tonecheck.engine import Tuning
from tonecheck.errors import ConfigError
from tonecheck.findings import Category, Sensitivity, parse_sensitivity

CONFIG_FILE = ".tonecheck.toml"
PYPROJECT = "pyproject.toml"
FailOn = Literal["review", "hold", "never"]


class ConfigModel(BaseModel):
    """The keys a config file may have; anything else is a mistake worth failing on."""

    model_config = ConfigDict(extra="forbid")

    disable: list[str] = Field([], description="Rule ids or categories never to report.")
    fail_on: FailOn | None = Field(None, alias="fail-on", description="Lowest verdict that fails the run.")
    thresholds: dict[Category, Annotated[float, Field(ge=0, le=1)]] = Field(
        {}, description="Classifier threshold per category (0..1); higher flags less."
    )
    hold_minutes: int | None = Field(None, alias="hold-minutes", ge=1, le=24 * 60)
    sensitivity: str | dict[str, str] | None = Field(
        None, description="strict, default or relaxed for every category, or a table per category."
    )
    include: list[str] | None = Field(None, description="Globs of files to check (default: email templates).")
    exclude: list[str] = Field([], description="Globs of files and folders to skip.")
    rules: list[RuleSpec] = Field([], description="Extra rules, in the schema of rules/*.yaml.")
    rule_files: list[str] = Field([], alias="rule-files", description="Extra rule YAML files (relative).")


KNOWN_KEYS = sorted(f.alias or name for name, f in ConfigModel.model_fields.items())
RULE_KEYS = sorted(f.alias or name for name, f in RuleSpec.model_fields.items())


@dataclass(frozen=True)
class Config:
    """One project's settings, the file they came from (None: defaults) and the folder its globs start at."""

    model: ConfigModel = field(default_factory=ConfigModel)
    path: Path | None = None
    text: str = ""
    prefix: tuple[str, ...] = ()
    tuning: Tuning = field(default_factory=Tuning)

    @property
    def base(self) -> Path | None:
        """The folder `include`/`exclude` globs are relative to."""
        return self.path.parent if self.path else None

    def error(self, loc: tuple[str | int, ...], message: str, value: str | None = None) -> ConfigError:
        """A `ConfigError` naming this file and the line of `loc`."""
        line = toml_line(self.text, (*self.prefix, *loc), value)
        return ConfigError(f"{self.path}:{line}: {message}")


def _validation_message(err: dict[str, Any]) -> str:
    """A pydantic error as a sentence that says what to fix."""
    where = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        known = RULE_KEYS if err["loc"][0] == "rules" and len(err["loc"]) == 3 else KNOWN_KEYS
        return f"unknown key '{where}'; known keys: {', '.join(known)}"
    return f"{where}: {err['msg']}"


def _extra_rules(
    model: ConfigModel, path: Path, text: str, prefix: tuple[str, ...]
) -> list[tuple[RuleSpec, str, int]]:
    """Inline `[[rules]]` with the line each starts on, then any `rule-files` (the rule loader validates)."""
    out = [(spec, str(path), toml_line(text, (*prefix, "rules", i))) for i, spec in enumerate(model.rules)]
    for spec, _, line in out:
        for pattern in spec.regex:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"{path}:{line}: {spec.id}: bad regex: {exc}") from exc
    files = [path.parent / f for f in model.rule_files]
    missing = [f for f in files if not f.is_file()]
    if missing:
        line = toml_line(text, (*prefix, "rule-files"))
        raise ConfigError(f"{path}:{line}: rule file {missing[0]} not found")
    return out + load_rules(files) if files else out


def _sensitivity(
    value: str | dict[str, str] | None, path: Path, text: str, prefix: tuple[str, ...]
) -> dict[Category, Sensitivity]:
    """`sensitivity = "strict"` or a `[sensitivity]` table; a bad name fails at its own line."""
    if value is None:
        return {}
    pairs = value.items() if isinstance(value, dict) else [(None, value)]
    out: dict[Category, Sensitivity] = {}
    for name, level in pairs:
        loc = (*prefix, "sensitivity", *([name] if name else []))
        try:
            out.update(parse_sensitivity(f"{name}={level}" if name else level))
        except ValueError as exc:
            raise ConfigError(f"{path}:{toml_line(text, loc)}: {exc}") from exc
    return out


def load_config(path: Path) -> Config:
    """Read and validate one config file; every mistake is a `ConfigError` naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8; save the config file as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"{path}:{m[1] if m else 1}: not valid TOML: {exc}") from exc
    prefix: tuple[str, ...] = ("tool", "tonecheck") if path.name == PYPROJECT else ()
    section = data.get("tool", {}).get("tonecheck", {}) if prefix else data
    try:
        model = ConfigModel.model_validate(section)
    except ValidationError as exc:
        err = exc.errors()[0]
        line = toml_line(text, (*prefix, *err["loc"]))
        raise ConfigError(f"{path}:{line}: {_validation_message(err)}") from exc
    extra = _extra_rules(model, path, text, prefix)
    levels = _sensitivity(model.sensitivity, path, text, prefix)
    tuning = Tuning(
        disabled=frozenset(model.disable),
        extra_rules=tuple(extra),
        thresholds=tuple(sorted(model.thresholds.items())),
        hold_minutes=model.hold_minutes,
        sensitivity=tuple(sorted(levels.items())),
    )
    return Config(model, path, text, prefix, tuning)


def _has_section(pyproject: Path) -> bool:
    """True when a pyproject.toml has a `[tool.tonecheck]` table (a broken one counts: it fails loudly)."""
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*tonecheck\s*[\].]", text, re.M) is not None


class ConfigFinder:
    """The config that applies to a path: `--config` when given, else the closest file up the folder tree."""

    def __init__(self, override: Path | None = None) -> None:
        self._override = load_config(override) if override else None
        self._by_dir: dict[Path, Config] = {}
        self._by_file: dict[Path, Config] = {}

    def for_dir(self, directory: Path) -> Config:
        """The config for files in `directory` (cached: a large tree is walked once)."""
        if self._override is not None:
            return self._override
        directory = directory.resolve()
        if directory not in self._by_dir:
            self._by_dir[directory] = self._find(directory)
        return self._by_dir[directory]

    def _find(self, directory: Path) -> Config:
        dedicated, pyproject = directory / CONFIG_FILE, directory / PYPROJECT
        if dedicated.is_file():
            return self._load(dedicated)
        if pyproject.is_file() and _has_section(pyproject):
            return self._load(pyproject)
        if directory.parent == directory:
            return Config()
        return self.for_dir(directory.parent)

    def _load(self, path: Path) -> Config:
        if path not in self._by_file:
            self._by_file[path] = load_config(path)
        return self._by_file[path]
