"""`tonecheck check`: find the files, read them, check them in batches through one loaded engine, report."""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from tonecheck.cli import Exit
from tonecheck.cli.batches import auto_jobs, run_batches
from tonecheck.cli.config import Config, ConfigFinder
from tonecheck.cli.files import Walker
from tonecheck.cli.formats import FileResult, Item, Level, RuleInfo, Run, formatter, summary
from tonecheck.cli.globs import DEFAULT_INCLUDE
from tonecheck.cli.sources import InputFile, read_source
from tonecheck.combine.messages import MODEL_MESSAGES
from tonecheck.engine import Engine, Report, Tuning, build_engine
from tonecheck.errors import InputError, TonecheckError
from tonecheck.findings import CATEGORIES, Category, Finding, Sensitivity, Verdict
from tonecheck.offsets import OffsetMap
from tonecheck.settings import Settings

RANK = {Verdict.SEND: 0, Verdict.REVIEW: 1, Verdict.HOLD: 2}
GATE = {"review": 1, "hold": 2, "never": 99}
PROGRESS_MIN_FILES = 5


@dataclass(frozen=True, slots=True)
class Gate:
    """The lowest verdict at which a file fails the run (`review`, `hold` or `never`)."""

    name: str

    def fails(self, verdict: Verdict) -> bool:
        """True when `verdict` is at or above the gate."""
        return RANK[verdict] >= GATE[self.name]


def _level(f: Finding, report: Report) -> Level:
    """`error` for the heated wording that holds a draft; everything else is a `warning`."""
    return "error" if f.category is Category.HEATED and report.verdict is Verdict.HOLD else "warning"


def place(source: InputFile, report: Report, gate: Gate) -> FileResult:
    """The report's findings at their lines and columns in the file as written."""
    offsets = OffsetMap(report.text)
    shift = source.first_line - 1

    def item(f: Finding, reason: str | None = None) -> Item:
        line, col = offsets.line_col(f.start)
        end_line, end_col = offsets.line_col(f.end)
        return Item(f, line + shift, col, end_line + shift, end_col, report.text[f.start : f.end],
                    _level(f, report), reason)

    return FileResult(
        source.candidate.shown,
        report,
        tuple(item(f) for f in report.findings),
        tuple(item(f, s.reason) for f, s in report.suppressed),
        gate.fails(report.verdict),
        source.exact,
    )


def rule_catalogue(engines: Sequence[Engine]) -> dict[str, RuleInfo]:
    """Every rule the engines can report (rules files, config rules, classifier categories)."""
    out: dict[str, RuleInfo] = {}
    for eng in engines:
        for spec in getattr(eng.rules, "rules", {}).values():
            if spec.action == "clear":  # never reported, so not in a report's rule list
                continue
            out[spec.id] = RuleInfo(
                spec.id, spec.category.value, spec.message,
                f"{spec.category.value.replace('_', ' ')}: {spec.message}",
                "Try instead:\n" + "\n".join(f"- {s}" for s in spec.suggestions),
            )
    if any(eng.classifier is not None for eng in engines):
        for cat in CATEGORIES:
            message, suggestions = MODEL_MESSAGES[cat]
            out[f"model.{cat.value}"] = RuleInfo(
                f"model.{cat.value}", cat.value, message, f"Classifier: {message}",
                "Try instead:\n" + "\n".join(f"- {s}" for s in suggestions),
            )
    return out


def _known_names(base: Engine, configs: Sequence[Config]) -> set[str]:
    """Rule ids and categories a config or suppression may name."""
    names = {c.value for c in CATEGORIES} | {f"model.{c.value}" for c in CATEGORIES}
    names |= set(getattr(base.rules, "rules", {}))
    for config in configs:
        names |= {spec.id for spec, _, _ in config.tuning.extra_rules}
    return names


def _validate_names(sources: Sequence[InputFile], configs: Sequence[Config], known: set[str]) -> None:
    """Fail on a rule or category name that matches nothing: a typo would silently suppress nothing."""
    for config in configs:
        for name in config.model.disable:
            if name not in known:
                raise config.error(("disable",), f"unknown rule or category '{name}' in disable; "
                                   "see `GET /v1/rules` or rules/*.yaml for ids", value=name)
    for source in sources:
        for s in source.email.suppressions:
            unknown = sorted(s.targets - known)
            if unknown:
                line = s.line + source.first_line - 1
                raise InputError(f"{source.candidate.shown}:{line}: unknown rule or category "
                                 f"'{unknown[0]}' in tonecheck-disable-next-line")


def _engines(
    settings: Settings, configs: Sequence[Config], base: Engine | None, levels: dict[Category, Sensitivity]
) -> tuple[Engine, dict[Path | None, Engine]]:
    """One loaded engine, plus a tuned copy (sharing its models) for each config that changes the rules.

    `levels` (from `--sensitivity`) win over each config file's `sensitivity`.
    """
    base = base or build_engine(settings)
    by_config: dict[Path | None, Engine] = {}
    for config in configs:
        tuning = config.tuning
        if levels:
            tuning = replace(tuning, sensitivity=tuple(sorted({**dict(tuning.sensitivity), **levels}.items())))
        tuned = tuning != Tuning()
        by_config[config.path] = build_engine(settings, tuning, shared=base) if tuned else base
    return base, by_config


def _progress(total: int, stream: TextIO) -> Any:
    """A progress bar on `stream` only when a person is watching and there is enough to wait for."""
    from tqdm import tqdm

    enabled = stream.isatty() and total > PROGRESS_MIN_FILES
    return tqdm(total=total, file=stream, unit="file", disable=not enabled, leave=False)


def _nothing_found(paths: Sequence[str], excluded: int, stderr: TextIO) -> int:
    if excluded:
        print(f"tonecheck: all {excluded} matching files or folders are excluded; nothing to check",
              file=stderr)
        return Exit.CLEAN
    print(f"tonecheck: no files to check under {' '.join(paths)}; tonecheck reads "
          f"{' '.join(DEFAULT_INCLUDE)} by default: pass --include GLOB for other names", file=stderr)
    return Exit.ERROR


def run_check(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO, base: Engine | None = None
) -> int:
    """The whole `check` command; returns the exit code (0 clean, 1 findings at the gate, 2 errors).

    `base` is an already loaded, untuned engine (tests share one); by default one is built from `settings`.
    """
    finder = ConfigFinder(Path(args.config) if args.config else None)
    found = Walker(finder, args.include or [], args.exclude or [], Path.cwd()).discover(args.paths)
    if not found.files:
        return _nothing_found(args.paths, found.excluded, stderr)
    stdin = sys.stdin.read() if any(c.file is None for c in found.files) else None
    sources = [read_source(c, stdin) for c in found.files]
    configs = list({id(c.config): c.config for c in found.files}.values())
    base, engines = _engines(settings, configs, base, getattr(args, "sensitivity", None) or {})
    _validate_names(sources, configs, _known_names(base, configs))
    jobs = args.jobs or auto_jobs(len(sources))
    with _progress(len(sources), stderr) as bar:
        reports = run_batches(sources, engines, jobs, bar.update)
    results = []
    for source, report in zip(sources, reports, strict=True):
        gate = Gate(args.fail_on or source.candidate.config.model.fail_on or "review")
        results.append(place(source, report, gate))
    gates = {args.fail_on or c.config.model.fail_on or "review" for c in found.files}
    failed = any(r.failed for r in results)
    run = Run(tuple(results), rule_catalogue(list({id(e): e for e in engines.values()}.values())),
              base.versions, gates.pop() if len(gates) == 1 else "per config", failed)
    fmt = args.format or ("github" if settings.github_actions else "text")
    out = formatter(fmt)(run)
    if args.output:
        try:
            Path(args.output).write_text(out, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{args.output}: cannot write the report: {exc.strerror}") from exc
        print(summary(run), file=stderr)
    else:
        stdout.write(out)
        stdout.flush()
    return Exit.FINDINGS if failed else Exit.CLEAN


def check_command(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO, base: Engine | None = None
) -> int:
    """`run_check` with every error turned into a message and exit 2: exit 1 must only mean findings."""
    try:
        with warnings.catch_warnings():
            # spaCy warns when a config disables every rule of one pattern kind; that is intended.
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            return run_check(args, settings, stdout, stderr, base)
    except TonecheckError as exc:
        print(f"tonecheck: {exc}", file=stderr)
    except Exception:  # a crash must not fall through to Python's exit 1
        traceback.print_exc(file=stderr)
        print("tonecheck: internal error (see the traceback above); please report it", file=stderr)
    return Exit.ERROR
