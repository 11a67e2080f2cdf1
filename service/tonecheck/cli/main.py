"""The `tonecheck` command: `serve` runs the HTTP API, `check` checks files or stdin like a linter."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tonecheck import lean_torch
from tonecheck.cli import Exit, sensitivity_arg
from tonecheck.cli.audit import add_arguments as add_audit_arguments
from tonecheck.cli.formats import FORMAT_NAMES

lean_torch.install()  # before any command imports torch: ~0.5 s of every start (lean_torch.py)

FAIL_ON = ("review", "hold", "never")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from tonecheck.settings import get_settings

    settings = get_settings()  # fail fast on bad settings, before workers start
    options = {"host": args.host, "port": args.port, "workers": args.workers, "log_level": "info",
               "timeout_graceful_shutdown": 20}
    with _shared_metrics(args.workers, settings.metrics_dir):
        if args.workers > 1:
            from tonecheck.api.workers import serve_forked
            from tonecheck.settings import Settings

            # Read again inside the context: the forked workers must see the shared metrics folder.
            return serve_forked(options, Settings())  # a failed model load returns 3, as one worker exits
        uvicorn.run("tonecheck.api.main:app", **options)  # a failed model load exits this process with 3
    return Exit.CLEAN


@contextmanager
def _shared_metrics(workers: int, configured: Path | None) -> Iterator[None]:
    """With several workers, one folder for their metrics, so /metrics on any of them reports all.

    prometheus_client reads PROMETHEUS_MULTIPROC_DIR from the environment the workers inherit; the
    workers' Settings read it back as `metrics_dir`.
    """
    if workers <= 1 or configured is not None:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="tonecheck-metrics-") as folder:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        try:
            yield
        finally:
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


def _check(args: argparse.Namespace) -> int:
    from tonecheck.cli.check import check_command
    from tonecheck.settings import get_settings

    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8")  # flagged text has curly quotes; a C locale must not crash the report
    try:
        settings = get_settings()
    except Exception as exc:  # pydantic's ValidationError names the bad TONECHECK_* variable
        print(f"tonecheck: bad settings: {exc}", file=sys.stderr)
        return Exit.ERROR
    if args.rules_only:
        settings = settings.model_copy(update={"use_classifier": False})
    return check_command(args, settings, sys.stdout, sys.stderr)


def _audit(args: argparse.Namespace) -> int:
    from tonecheck.cli.audit import audit_main

    return audit_main(args)


def _jobs(value: str) -> int:
    """`--jobs`: a count of worker processes, 1 or more."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of processes (1 or more)")
    return int(value)



_CHECK_EPILOG = """\
exit codes: 0 nothing at or above --fail-on, 1 something is, 2 usage, config or input error.
Suppress inline with <!-- tonecheck: off --> ... <!-- tonecheck: on --> or
<!-- tonecheck-disable-next-line RULE_OR_CATEGORY -- reason --> (also in {# #} and {{! }} comments).
Config: .tonecheck.toml or [tool.tonecheck] in pyproject.toml, the closest one to each file."""


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="tonecheck", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)
    check = sub.add_parser(
        "check", help="check email templates and drafts like a linter (folders, files, or - for stdin)",
        epilog=_CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to check; - reads stdin")
    check.add_argument("--format", choices=FORMAT_NAMES, default=None,
                       help="report format (default: github when GITHUB_ACTIONS=true, else text)")
    check.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--fail-on", choices=FAIL_ON, default=None,
                       help="lowest verdict that exits 1 (default: the config's fail-on, else review)")
    check.add_argument("--include", action="append", metavar="GLOB",
                       help="check files matching GLOB in folders (repeatable; replaces the defaults)")
    check.add_argument("--exclude", action="append", metavar="GLOB",
                       help="skip files and folders matching GLOB (repeatable; adds to the config's)")
    check.add_argument("--config", metavar="FILE",
                       help="use this .tonecheck.toml or pyproject.toml for every file (no discovery)")
    check.add_argument("--jobs", type=_jobs, default=0, metavar="N",
                       help="worker processes (default: 2 for 128 files or more when two cores are idle, else 1)")
    check.add_argument("--sensitivity", type=sensitivity_arg, default=None, metavar="LEVEL",
                       help="strict, default or relaxed, for all categories or as heated=relaxed,blame=strict; "
                       "overrides the config file (default: precision first)")
    check.add_argument("--rules-only", action="store_true",
                       help="skip the classifier, as TONECHECK_USE_CLASSIFIER=false does (faster)")
    check.set_defaults(run=_check)
    audit = sub.add_parser("audit", help="check sent mail in bulk (mbox, .eml, CSV, JSONL, Parquet), one row each")
    add_audit_arguments(audit)
    audit.set_defaults(run=_audit)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tonecheck` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
